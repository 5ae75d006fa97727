// The int8 dot-product steps of the AVX2 kernel files (row_dot_avx2.cpp,
// row_dot_more_avx2.cpp), with or without AVX-VNNI: the same exact int32 sums
// either way. Include it only from files built with the AVX2 flags (which
// include -mavxvnni); the VNNI instructions run only in kernels instantiated
// with kVnni, which matmul selects when CPUID reports AVX-VNNI. Internal
// linkage for the reason given in simd_basics.h.
#pragma once

#include "engine/kernels/simd_basics.h"

namespace pg::kernels::detail {
namespace {

// Sums of 4 adjacent products unsigned(u) * signed(s) into 8 int32 lanes.
// Callers keep |u * s + u * s| below 2^15, so maddubs never saturates.
template <bool kVnni>
inline __m256i dot_unsigned_signed(__m256i u, __m256i s) {
  if constexpr (kVnni) {
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
  } else {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
  }
}

// Signed x signed: move x's sign onto y so the left operand is |x| (<= 127 in
// every caller).
template <bool kVnni>
inline __m256i dot_signed_signed(__m256i x, __m256i y) {
  return dot_unsigned_signed<kVnni>(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

}  // namespace
}  // namespace pg::kernels::detail
