// AVX2 + F16C + FMA value sums of attention (attention.h): 8 output values per
// register, terms added in row order with one FMA each, so every output equals
// the scalar reference's bit for bit. Built with AVX2 flags: call only after
// CPUID says AVX2/FMA/F16C are present.
#include <immintrin.h>

#include <cmath>

#include "engine/quant/fp16.h"

namespace pg::kernels::detail {

void f16_weighted_sum_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights, int64_t n,
                           float* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 a0 = _mm256_loadu_ps(out + i), a1 = _mm256_loadu_ps(out + i + 8);
    for (int64_t j = 0; j < n_rows; ++j) {
      const uint16_t* row = rows + j * row_stride + i;
      const __m256 w = _mm256_set1_ps(weights[j]);
      a0 = _mm256_fmadd_ps(w, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row))), a0);
      a1 = _mm256_fmadd_ps(w, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 8))), a1);
    }
    _mm256_storeu_ps(out + i, a0);
    _mm256_storeu_ps(out + i + 8, a1);
  }
  for (; i < n; ++i) {
    float a = out[i];
    for (int64_t j = 0; j < n_rows; ++j) a = std::fma(weights[j], fp16_to_fp32(rows[j * row_stride + i]), a);
    out[i] = a;
  }
}

}  // namespace pg::kernels::detail
