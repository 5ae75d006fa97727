// AVX-512 value sums of attention (attention.h) in lane order: 16 outputs per
// register; rows from the first one on lane 0 are added with 16 lane sums held
// in registers (16 lanes of one head, or fewer lanes of up to 8 heads that share
// each widened value row), the rows before that through memory. Each term is
// one FMA onto its lane, so every output equals the scalar reference's bit for
// bit; and the probabilities' rounding through F16 (round to nearest even). Built with AVX-512 flags: call only after CPUID says AVX-512 is usable.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "engine/kernels/attention.h"
#include "engine/kernels/head_blocks.h"

namespace pg::kernels::detail {

namespace {
inline __m512 load_f16(const uint16_t* p, __mmask16 mask) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p)); }

// Rows [j0, j1) one term at a time through the lanes in memory.
inline void add_rows_in_memory(const uint16_t* rows, int64_t row_stride, const float* weights, int64_t j0, int64_t j1,
                               int64_t lane0, int64_t n, int64_t i, __mmask16 mask, float* lanes) {
  for (int64_t j = j0; j < j1; ++j) {
    float* lane = lanes + ((lane0 + j) % kValueLanes) * n + i;
    const __m512 acc = _mm512_maskz_loadu_ps(mask, lane);
    _mm512_mask_storeu_ps(lane, mask,
                          _mm512_fmadd_ps(_mm512_set1_ps(weights[j]), load_f16(rows + j * row_stride + i, mask), acc));
  }
}
}  // namespace

namespace {

// Rows [j0, j1), which come in groups of 16 whose first row is lane 0 (the
// last group may be partial), for heads [h0, h0 + kHeads) on lanes
// [l0, l0 + kLanesAtOnce): each row's 16 values are widened once for all
// kHeads heads; kHeads * kLanesAtOnce = 16 accumulators stay in registers,
// each lane adding its rows in order.
template <int kHeads>
void add_groups_in_registers(const uint16_t* rows, int64_t row_stride, const float* weights, int64_t weight_stride,
                             int64_t j0, int64_t j1, int64_t h0, int64_t n, int64_t i, __mmask16 mask, float* lanes) {
  constexpr int kLanesAtOnce = kValueLanes / kHeads;
  const int64_t head_floats = kValueLanes * n;
  for (int l0 = 0; l0 < kValueLanes; l0 += kLanesAtOnce) {
    __m512 acc[kHeads][kLanesAtOnce];
#pragma GCC unroll 16
    for (int h = 0; h < kHeads; ++h)
#pragma GCC unroll 16
      for (int l = 0; l < kLanesAtOnce; ++l)
        acc[h][l] = _mm512_maskz_loadu_ps(mask, lanes + (h0 + h) * head_floats + (l0 + l) * n + i);
    auto add_row = [&](int64_t j, int l) {
      const __m512 v = load_f16(rows + (j + l) * row_stride + i, mask);
#pragma GCC unroll 16
      for (int h = 0; h < kHeads; ++h)
        acc[h][l] = _mm512_fmadd_ps(_mm512_set1_ps(weights[(h0 + h) * weight_stride + j + l]), v, acc[h][l]);
    };
    int64_t j = j0 + l0;
    for (; j - l0 + kValueLanes <= j1; j += kValueLanes) {  // whole groups
#pragma GCC unroll 16
      for (int l = 0; l < kLanesAtOnce; ++l) add_row(j, l);
    }
    for (int l = 0; l < kLanesAtOnce && j + l < j1; ++l) add_row(j, l);  // the partial group
#pragma GCC unroll 16
    for (int h = 0; h < kHeads; ++h)
#pragma GCC unroll 16
      for (int l = 0; l < kLanesAtOnce; ++l)
        _mm512_mask_storeu_ps(lanes + (h0 + h) * head_floats + (l0 + l) * n + i, mask, acc[h][l]);
  }
}

}  // namespace

void f16_weighted_sum_lanes_avx512(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                                   int64_t weight_stride, int64_t heads, int64_t n, int64_t lane0, float* lanes) {
  // Rows from `aligned` on come in groups of 16 whose first row is lane 0.
  const int64_t aligned = std::min<int64_t>(n_rows, (kValueLanes - lane0) % kValueLanes);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const auto mask = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
    for (int64_t h = 0; h < heads; ++h)
      add_rows_in_memory(rows, row_stride, weights + h * weight_stride, 0, aligned, lane0, n, i, mask,
                         lanes + h * kValueLanes * n);
    if (n_rows > aligned) {
      for_head_blocks(heads, [&]<int kHeads>(int64_t h0) {
        add_groups_in_registers<kHeads>(rows, row_stride, weights, weight_stride, aligned, n_rows, h0, n, i, mask, lanes);
      });
    }
  }
}

void round_through_f16_avx512(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(x + i, _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
    _mm512_mask_storeu_ps(x + i, mask, _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)));
  }
}

}  // namespace pg::kernels::detail
