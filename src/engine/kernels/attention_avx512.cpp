// AVX-512 value sums of attention (attention.h): 16 output values per register
// (64 per pass: four independent FMA chains continuing from out), terms added in
// row order with one FMA each, so every output equals the scalar reference's bit for bit. Built
// with AVX-512 flags: call only after CPUID says AVX-512 is usable.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

namespace pg::kernels::detail {

void f16_weighted_sum_avx512(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                             int64_t n, float* out) {
  auto load = [](const uint16_t* p, __mmask16 mask) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p)); };
  for (int64_t i = 0; i < n; i += 64) {
    __mmask16 masks[4];
    for (int k = 0; k < 4; ++k) {
      const int64_t left = n - (i + 16 * k);
      masks[k] = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                            : left <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << left) - 1);
    }
    __m512 acc[4];
    for (int k = 0; k < 4; ++k) acc[k] = _mm512_maskz_loadu_ps(masks[k], out + i + 16 * k);
    for (int64_t j = 0; j < n_rows; ++j) {
      const uint16_t* row = rows + j * row_stride + i;
      const __m512 w = _mm512_set1_ps(weights[j]);
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {
        if (masks[k] != 0) acc[k] = _mm512_fmadd_ps(w, load(row + 16 * k, masks[k]), acc[k]);
      }
    }
    for (int k = 0; k < 4; ++k) {
      if (masks[k] != 0) _mm512_mask_storeu_ps(out + i + 16 * k, masks[k], acc[k]);
    }
  }
}

}  // namespace pg::kernels::detail
