// Dispatch and scalar reference of the attention kernels (attention.h). The
// key dot products reuse the F16 row dot product of the matmul kernels (GGML's
// order on AVX-512); the value sums have their own SIMD versions in
// attention_avx2/avx512.cpp.
#include "engine/kernels/attention.h"

#include <cmath>

#include "engine/kernels/row_dot.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"

namespace pg::kernels {
namespace detail {
void f16_weighted_sum_lanes_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                                 int64_t weight_stride, int64_t heads, int64_t n, int64_t lane0, float* lanes);
void f16_weighted_sum_lanes_avx512(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                                   int64_t weight_stride, int64_t heads, int64_t n, int64_t lane0, float* lanes);
void round_through_f16_avx2(float* x, int64_t n);
void round_through_f16_avx512(float* x, int64_t n);
}  // namespace detail

namespace {

void f16_weighted_sum_lanes_scalar(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                                   int64_t n, int64_t lane0, float* lanes) {
  for (int64_t j = 0; j < n_rows; ++j) {
    const uint16_t* row = rows + j * row_stride;
    float* lane = lanes + ((lane0 + j) % kValueLanes) * n;
    for (int64_t i = 0; i < n; ++i) lane[i] = std::fma(weights[j], fp16_to_fp32(row[i]), lane[i]);
  }
}

}  // namespace

void f16_dots(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* queries,
              int64_t heads, int64_t n, float* out, int64_t out_stride) {
  if (uses_avx512_rows(path)) return detail::f16_dots_avx512(rows, row_stride, n_rows, queries, heads, n, out, out_stride);
  if (uses_avx2_rows(path))
    return detail::f16_dots_avx2(rows, row_stride, n_rows, queries, heads, n, out, out_stride);
  const detail::RowDotFn dot = quant::reference_ops(GgmlType::F16)->vec_dot;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < n_rows; ++j) out[h * out_stride + j] = dot(n, rows + j * row_stride, queries + h * n);
}

void f16_weighted_sum_lanes(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows,
                            const float* weights, int64_t weight_stride, int64_t heads, int64_t n, int64_t lane0,
                            float* lanes) {
  lane0 %= kValueLanes;
  if (uses_avx512_rows(path))
    return detail::f16_weighted_sum_lanes_avx512(rows, row_stride, n_rows, weights, weight_stride, heads, n, lane0,
                                                 lanes);
  if (uses_avx2_rows(path))
    return detail::f16_weighted_sum_lanes_avx2(rows, row_stride, n_rows, weights, weight_stride, heads, n, lane0,
                                               lanes);
  for (int64_t h = 0; h < heads; ++h)
    f16_weighted_sum_lanes_scalar(rows, row_stride, n_rows, weights + h * weight_stride, n, lane0,
                                  lanes + h * kValueLanes * n);
}

void quant_dots(KernelPath path, GgmlType type, const uint8_t* rows, int64_t row_stride, int64_t n_rows,
                const void* q8_query, int64_t n, float* out) {
  detail::RowDotFn dot = quant::reference_ops(type)->vec_dot;
  detail::RowDotFn simd = nullptr;
  if (uses_avx512_rows(path)) simd = detail::avx512_row_dot(type);
  else if (uses_avx2_rows(path)) simd = detail::avx2_row_dot(type, false);
  if (simd) dot = simd;
  for (int64_t j = 0; j < n_rows; ++j) out[j] = dot(n, rows + j * row_stride, q8_query);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void quant_weighted_sum(GgmlType type, const uint8_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                        int64_t n, float* row_scratch, float* acc) {
  const quant::TypeOps* ops = quant::reference_ops(type);
  for (int64_t j = 0; j < n_rows; ++j) {
    ops->dequantize_row(rows + j * row_stride, row_scratch, n);
    const float w = weights[j];
    for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(w, row_scratch[i], acc[i]);
  }
}

void round_through_f16(KernelPath path, float* x, int64_t n) {
  if (uses_avx512_rows(path)) return detail::round_through_f16_avx512(x, n);
  if (uses_avx2_rows(path)) return detail::round_through_f16_avx2(x, n);
  for (int64_t i = 0; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void reduce_value_lanes(const float* lanes, int64_t n, float* out) {
  // _mm512_reduce_add_ps: upper 8 + lower 8, upper 4 + lower 4, then
  // (v0 + v2) + (v1 + v3). Plain float adds, so every path shares this code.
  for (int64_t i = 0; i < n; ++i) {
    float v[kValueLanes];
    for (int l = 0; l < kValueLanes; ++l) v[l] = lanes[l * n + i];
    float h8[8], h4[4];
    for (int k = 0; k < 8; ++k) h8[k] = v[k + 8] + v[k];
    for (int k = 0; k < 4; ++k) h4[k] = h8[k + 4] + h8[k];
    out[i] = (h4[0] + h4[2]) + (h4[1] + h4[3]);
  }
}

}  // namespace pg::kernels
