// AVX2 + F16C + FMA value sums of attention (attention.h) in lane order: 8
// outputs per register, each term one FMA onto its lane's accumulators in
// memory, so every output equals the scalar reference's bit for bit; and the
// probabilities' rounding through F16 (F16C, round to nearest even). Built with
// AVX2 flags: call only after CPUID says AVX2/FMA/F16C are present.
#include <immintrin.h>

#include <cmath>

#include "engine/kernels/attention.h"
#include "engine/quant/fp16.h"

namespace pg::kernels::detail {

void f16_weighted_sum_lanes_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                                 int64_t n, int64_t lane0, float* lanes) {
  for (int64_t j = 0; j < n_rows; ++j) {
    const uint16_t* row = rows + j * row_stride;
    float* lane = lanes + ((lane0 + j) % kValueLanes) * n;
    const __m256 w = _mm256_set1_ps(weights[j]);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
      _mm256_storeu_ps(lane + i, _mm256_fmadd_ps(w, v, _mm256_loadu_ps(lane + i)));
    }
    for (; i < n; ++i) lane[i] = std::fma(weights[j], fp16_to_fp32(row[i]), lane[i]);
  }
}

void round_through_f16_avx2(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
  for (; i < n; ++i) x[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

}  // namespace pg::kernels::detail
