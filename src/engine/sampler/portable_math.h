// Platform-independent numeric helpers for the sampler: an exp() built only from
// IEEE-754 basic operations and a conversion of 64 random bits to a uniform double.
// They exist so that the same seed and logits draw the same token under every C++
// standard library and libm. Never call the C library's exp/log here, and never
// use <random> distributions (their output is implementation-defined).
#pragma once

#include <cstdint>

namespace pg::sampler_math {

// e^x to within a few ulp, identical on every IEEE-754 platform (no libm call; only
// +, -, * and exact conversions, all fixed by IEEE-754). Returns 0 for x below
// the double range (including -inf and NaN) and +inf above it.
double portable_exp(double x);

// Maps 64 random bits to a double uniformly spread over [0, 1): the top 53 bits
// become the mantissa, so every result is a multiple of 2^-53 and 1.0 is impossible.
inline double unit_interval_from_bits(uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace pg::sampler_math
