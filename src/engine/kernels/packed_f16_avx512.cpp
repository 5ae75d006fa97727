// AVX-512 kernel for F16 weights against activations that matmul rounded to
// F16 (GGML's vec_dot_type) and this kernel's pack step widened back to F32
// once per token (exact: every F16 value is an F32 value). The dot products
// then convert only the weights, one VCVTPH2PS per 16 weights instead of two,
// and sum in exactly the order of the F16 row kernel in row_dot_avx512.cpp
// (4 accumulators of 16 lanes, masked tail), so results are bit-identical to it.
// Built with AVX-512 flags: nothing here may run before CPUID says all of
// F/BW/VL/DQ/VNNI/BF16 are present and the OS saves ZMM state.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "engine/kernels/row_dot.h"

namespace pg::kernels::detail {
namespace {

// The row kernel's horizontal sum, so results stay bit-identical to it.
inline float horizontal_sum(__m512 v) {
  const __m256 half = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

uint64_t packed_bytes(int64_t n) { return static_cast<uint64_t>(n) * sizeof(float); }

void pack(int64_t n, const void* f16_row, void* packed) {
  const auto* src = static_cast<const uint16_t*>(f16_row);
  auto* dst = static_cast<float*>(packed);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
  }
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, mask, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, src + i)));
  }
}

inline __m512 weights16(const uint16_t* w, __mmask16 mask) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, w)); }

float dot(int64_t n, const void* weight_row, const void* packed) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const float*>(packed);
  constexpr __mmask16 kAll = 0xFFFF;
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    prefetch_weights_ahead(w + i, 64 * sizeof(uint16_t));
    for (int k = 0; k < 4; ++k) {
      acc[k] = _mm512_fmadd_ps(weights16(w + i + 16 * k, kAll), _mm512_loadu_ps(a + i + 16 * k), acc[k]);
    }
  }
  for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(weights16(w + i, kAll), _mm512_loadu_ps(a + i), acc[0]);
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    acc[1] = _mm512_fmadd_ps(weights16(w + i, mask), _mm512_maskz_loadu_ps(mask, a + i), acc[1]);
  }
  return horizontal_sum(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

// dot for kTileTokens packed rows: each weight vector converted once.
void dot_tokens(int64_t n, const void* weight_row, const void* packed, uint64_t stride, float* out) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const float* a[kTileTokens];
  for (int k = 0; k < kTileTokens; ++k) a[k] = reinterpret_cast<const float*>(static_cast<const uint8_t*>(packed) + k * stride);
  constexpr __mmask16 kAll = 0xFFFF;
  __m512 acc[kTileTokens][4];
#pragma GCC unroll 4
  for (auto& token_acc : acc) {
#pragma GCC unroll 4
    for (__m512& v : token_acc) v = _mm512_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m512 weights = weights16(w + i + 16 * j, kAll);
#pragma GCC unroll 4
      for (int k = 0; k < kTileTokens; ++k) acc[k][j] = _mm512_fmadd_ps(weights, _mm512_loadu_ps(a[k] + i + 16 * j), acc[k][j]);
    }
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 weights = weights16(w + i, kAll);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) acc[k][0] = _mm512_fmadd_ps(weights, _mm512_loadu_ps(a[k] + i), acc[k][0]);
  }
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 weights = weights16(w + i, mask);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) acc[k][1] = _mm512_fmadd_ps(weights, _mm512_maskz_loadu_ps(mask, a[k] + i), acc[k][1]);
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) {
    out[k] = horizontal_sum(_mm512_add_ps(_mm512_add_ps(acc[k][0], acc[k][1]), _mm512_add_ps(acc[k][2], acc[k][3])));
  }
}

constexpr PackedKernel kF16 = {packed_bytes, pack, dot, dot_tokens};

}  // namespace

const PackedKernel* avx512_packed_f16_kernel(GgmlType type) { return type == GgmlType::F16 ? &kF16 : nullptr; }

}  // namespace pg::kernels::detail
