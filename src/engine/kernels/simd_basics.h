// Small SIMD helpers shared by the kernel files built with instruction-set
// flags (*_avx2.cpp, *_avx512.cpp): unaligned loads, the 256-bit horizontal
// sum, fp16 to float and, in AVX-512 files, joining two 256-bit halves.
// Include it only from such files, after nothing that defines these names.
// Everything here has internal linkage on purpose: each file is compiled for
// its own instruction set, and an inline function with external linkage could
// be merged by the linker into the copy built for a wider one, which would then
// run on CPUs without it. The 512-bit helpers exist only under AVX-512 flags.
#pragma once

// GCC 12's AVX-512 intrinsic headers pass deliberately undefined vectors
// (_mm512_undefined_ps) and then warn about them; the kernels use nothing
// uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

namespace pg::kernels::detail {
namespace {

inline float horizontal_sum(__m256 v) {
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
  return _mm_cvtss_f32(sum);
}

inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

#if defined(__AVX512F__)
inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }
inline __m512i join(__m256i low, __m256i high) { return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1); }
#endif

}  // namespace
}  // namespace pg::kernels::detail
