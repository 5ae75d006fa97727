// The constants of GGML's MXFP4 format (type 39) that both the scalar reference
// (engine/quant/mxfp4.cpp) and the SIMD kernels (engine/kernels) need: the 16
// E2M1 levels, doubled to integers, and the E8M0 block exponent read as half
// the power of two it encodes (so level * scale is the stored value). Only
// constants and one bit-level conversion live here: no loops, no state, and
// never anything that could make a NaN or an infinity out of an exponent byte.
// The function has internal linkage on purpose (see kernels/simd_basics.h):
// files built for AVX2 or AVX-512 include it, and an inline function with
// external linkage could reach a scalar caller as the copy built for a wider
// instruction set.
#pragma once

#include <cstdint>
#include <cstring>

namespace pg::quant {

// GGML's kvalues_mxfp4 (kvalues_fp4): E2M1 values times 2, codes 8..15 negative.
// Code 8 is -0, which as an integer is 0, like code 0.
constexpr int8_t kMxfp4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// GGML's ggml_e8m0_to_fp32_half: 2^(e - 128), built from its bits. Exponents
// 0 and 1 give the subnormals 2^-128 and 2^-127; 255 gives 2^127 (GGML does not
// read it as NaN), so the result is always finite and positive.
static inline float e8m0_to_fp32_half(uint8_t e) {
  const uint32_t bits = e < 2 ? (uint32_t{0x00200000} << e) : (static_cast<uint32_t>(e - 1) << 23);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace pg::quant
