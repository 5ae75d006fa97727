// AVX2 + F16C + FMA value sums of attention (attention.h) in lane order: 8
// outputs per register; rows from the first one on lane 0 are added with 8
// lane sums in registers (8 lanes of one head, or fewer lanes of up to 8 heads
// that share each widened value row), the rows before it and the outputs past
// the last 8 through memory. Each term is one
// FMA onto its lane, so every output equals the scalar reference's bit for bit; and the
// probabilities' rounding through F16 (F16C, round to nearest even). Built with
// AVX2 flags: call only after CPUID says AVX2/FMA/F16C are present.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "engine/kernels/attention.h"
#include "engine/kernels/head_blocks.h"
#include "engine/quant/fp16.h"

namespace pg::kernels::detail {

namespace {

// Rows [j0, j1) one term at a time onto their lanes in memory, outputs [i0, n).
void add_rows_in_memory(const uint16_t* rows, int64_t row_stride, const float* weights, int64_t j0, int64_t j1,
                        int64_t lane0, int64_t n, int64_t i0, float* lanes) {
  for (int64_t j = j0; j < j1; ++j) {
    const uint16_t* row = rows + j * row_stride;
    float* lane = lanes + ((lane0 + j) % kValueLanes) * n;
    const __m256 w = _mm256_set1_ps(weights[j]);
    int64_t i = i0;
    for (; i + 8 <= n; i += 8) {
      const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
      _mm256_storeu_ps(lane + i, _mm256_fmadd_ps(w, v, _mm256_loadu_ps(lane + i)));
    }
    for (; i < n; ++i) lane[i] = std::fma(weights[j], fp16_to_fp32(row[i]), lane[i]);
  }
}

// Rows [j0, j1), in groups of 16 whose first row is lane 0 (the last group may
// be partial), for heads [h0, h0 + kHeads) and outputs [i, i + 8):
// kHeads * kLanesAtOnce = 8 accumulators in registers, each value row widened
// once for all kHeads heads, each lane adding its rows in order.
template <int kHeads>
void add_groups_in_registers(const uint16_t* rows, int64_t row_stride, const float* weights, int64_t weight_stride,
                             int64_t j0, int64_t j1, int64_t h0, int64_t n, int64_t i, float* lanes) {
  constexpr int kLanesAtOnce = 8 / kHeads;
  const int64_t head_floats = kValueLanes * n;
  for (int l0 = 0; l0 < kValueLanes; l0 += kLanesAtOnce) {
    __m256 acc[kHeads][kLanesAtOnce];
#pragma GCC unroll 8
    for (int h = 0; h < kHeads; ++h)
#pragma GCC unroll 8
      for (int l = 0; l < kLanesAtOnce; ++l) acc[h][l] = _mm256_loadu_ps(lanes + (h0 + h) * head_floats + (l0 + l) * n + i);
    auto add_row = [&](int64_t j, int l) {
      const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(rows + (j + l) * row_stride + i)));
#pragma GCC unroll 8
      for (int h = 0; h < kHeads; ++h)
        acc[h][l] = _mm256_fmadd_ps(_mm256_set1_ps(weights[(h0 + h) * weight_stride + j + l]), v, acc[h][l]);
    };
    int64_t j = j0 + l0;
    for (; j - l0 + kValueLanes <= j1; j += kValueLanes) {  // whole groups
#pragma GCC unroll 8
      for (int l = 0; l < kLanesAtOnce; ++l) add_row(j, l);
    }
    for (int l = 0; l < kLanesAtOnce && j + l < j1; ++l) add_row(j, l);  // the partial group
#pragma GCC unroll 8
    for (int h = 0; h < kHeads; ++h)
#pragma GCC unroll 8
      for (int l = 0; l < kLanesAtOnce; ++l) _mm256_storeu_ps(lanes + (h0 + h) * head_floats + (l0 + l) * n + i, acc[h][l]);
  }
}

}  // namespace

void f16_weighted_sum_lanes_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                                 int64_t weight_stride, int64_t heads, int64_t n, int64_t lane0, float* lanes) {
  // Rows from `aligned` on come in groups of 16 whose first row is lane 0;
  // each lane adds the rows before them, then theirs.
  const int64_t aligned = std::min<int64_t>(n_rows, (kValueLanes - lane0) % kValueLanes);
  const int64_t full_outputs = n / 8 * 8;
  auto head_lanes = [&](int64_t h) { return lanes + h * kValueLanes * n; };
  for (int64_t h = 0; h < heads; ++h)
    add_rows_in_memory(rows, row_stride, weights + h * weight_stride, 0, aligned, lane0, n, 0, head_lanes(h));
  if (n_rows > aligned) {
    for (int64_t i = 0; i < full_outputs; i += 8) {
      for_head_blocks(heads, [&]<int kHeads>(int64_t h0) {
        add_groups_in_registers<kHeads>(rows, row_stride, weights, weight_stride, aligned, n_rows, h0, n, i, lanes);
      });
    }
    for (int64_t h = 0; h < heads; ++h)  // the outputs past the last 8
      add_rows_in_memory(rows, row_stride, weights + h * weight_stride, aligned, n_rows, lane0, n, full_outputs,
                         head_lanes(h));
  }
}

void round_through_f16_avx2(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
  for (; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

}  // namespace pg::kernels::detail
