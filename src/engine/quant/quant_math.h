// Small arithmetic helpers shared by the reference quantizers of engine/quant.
// They reproduce GGML's exact results (its round-half-even trick and the C
// float-to-integer conversions its code relies on) while staying free of
// undefined behaviour on hostile input (NaN, infinities, huge values).
// Internal to engine/quant: never include it from other modules.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace pg::quant::detail {

// GGML's nearest_int: adds 1.5*2^23 so the FPU rounds half to even, then reads
// the mantissa bits. Exact for |x| <= 2^22 - 1; outside that range (or for NaN)
// it returns some defined integer, as GGML would in a release build.
inline int nearest_int(float x) {
  const float shifted = x + 12582912.f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

// C's (int)f (truncation toward zero) for values that fit; saturates otherwise
// and maps NaN to 0, where C would have undefined behaviour.
inline int32_t trunc_to_int(float f) {
  if (std::isnan(f)) return 0;
  if (f >= 2147483648.0f) return INT32_MAX;
  if (f < -2147483648.0f) return INT32_MIN;
  return static_cast<int32_t>(f);
}

// C's (int8_t)f / (uint8_t)f for in-range values; out-of-range values wrap
// after saturating to int32 (what x86 code compiled from GGML's C does).
inline int8_t trunc_to_int8(float f) { return static_cast<int8_t>(trunc_to_int(f)); }
inline uint8_t trunc_to_uint8(float f) { return static_cast<uint8_t>(trunc_to_int(f)); }

// The value of largest magnitude among x[0..n), with its sign: the first such
// value, or 0 when every value is 0 or NaN (GGML's quantizers search it this
// way; |result| is the largest magnitude).
inline float max_by_magnitude(const float* x, int n) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  return max;
}

// Index of the entry of the sorted table `values` (n a power of two) nearest to
// x: entry i wins once x reaches the midpoint between values[i-1] and values[i].
inline int best_index_int8(int n, const int8_t* values, float x) {
  const float twice = x + x;
  int index = 0;
  for (int step = n >> 1; step > 0; step >>= 1) {
    const int candidate = index + step;
    if (twice >= static_cast<float>(values[candidate - 1] + values[candidate])) index = candidate;
  }
  return index;
}

// Scale and min of sub-block j of a Q4_K/Q5_K block, unpacked from the 12-byte
// 6-bit packing.
inline void get_scale_min_k4(int j, const uint8_t* packed, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

// The 16 signed 6-bit scales of a Q3_K block (values 0..63, still offset by 32),
// unpacked from 12 bytes: low 4 bits in bytes 0..7, high 2 bits in bytes 8..11.
inline void unpack_q3_k_scales(const uint8_t* packed, int8_t* scales) {
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
    const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
    scales[j] = static_cast<int8_t>(low | (high << 4));
  }
}

}  // namespace pg::quant::detail
