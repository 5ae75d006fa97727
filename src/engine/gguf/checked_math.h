// Overflow-safe integer helpers and a float narrowing that is defined for every
// double. Used wherever a count, offset or size from a file is combined; never
// use plain + or * on such values.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace pg::gguf {

// *out = a + b / a * b; false on uint64 overflow.
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }

inline bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Rounds v up to a multiple of the power of two `align`; false on overflow.
inline bool checked_align_up(uint64_t v, uint64_t align, uint64_t* out) {
  uint64_t rem = v & (align - 1);
  return checked_add(v, rem == 0 ? 0 : align - rem, out);
}

// double -> float without undefined behaviour: out-of-range values become ±inf.
inline float narrow_to_float(double d) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (d > kMax) return std::numeric_limits<float>::infinity();
  if (d < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);  // NaN and in-range values convert exactly or by rounding
}

}  // namespace pg::gguf
