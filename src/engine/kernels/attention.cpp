// Dispatch and scalar reference of the attention kernels (attention.h). The
// key dot products reuse the F16 row dot product of the matmul kernels; the
// value sums have their own SIMD versions in attention_avx2/avx512.cpp.
#include "engine/kernels/attention.h"

#include <cmath>

#include "engine/kernels/row_dot.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"

namespace pg::kernels {
namespace detail {
void f16_weighted_sum_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights, int64_t n,
                           float* out);
void f16_weighted_sum_avx512(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                             int64_t n, float* out);
}  // namespace detail

namespace {

void f16_weighted_sum_scalar(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights, int64_t n,
                             float* out) {
  for (int64_t j = 0; j < n_rows; ++j) {
    const uint16_t* row = rows + j * row_stride;
    for (int64_t i = 0; i < n; ++i) out[i] = std::fma(weights[j], fp16_to_fp32(row[i]), out[i]);
  }
}

}  // namespace

void f16_dots(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* x,
              int64_t n, float* out) {
  detail::RowDotFn dot = quant::reference_ops(GgmlType::F16)->vec_dot;
  if (path == KernelPath::Avx512 || path == KernelPath::Amx) dot = detail::avx512_row_dot(GgmlType::F16);
  else if (path == KernelPath::Avx2 || path == KernelPath::Avx2Vnni) dot = detail::avx2_row_dot(GgmlType::F16, false);
  for (int64_t j = 0; j < n_rows; ++j) out[j] = dot(n, rows + j * row_stride, x);
}

void f16_weighted_sum(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows,
                      const float* weights, int64_t n, float* out) {
  switch (path) {
    case KernelPath::Avx512:
    case KernelPath::Amx: detail::f16_weighted_sum_avx512(rows, row_stride, n_rows, weights, n, out); return;
    case KernelPath::Avx2:
    case KernelPath::Avx2Vnni: detail::f16_weighted_sum_avx2(rows, row_stride, n_rows, weights, n, out); return;
    case KernelPath::Scalar: break;
  }
  f16_weighted_sum_scalar(rows, row_stride, n_rows, weights, n, out);
}

}  // namespace pg::kernels
