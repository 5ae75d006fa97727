// Checks fp16.h (the contract every type relies on) against straightforward
// conversions written here from the IEEE-754 definitions: all 65536 half and
// bfloat16 bit patterns, every rounding tie, and a large sample of floats.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "engine/quant/fp16.h"

namespace {

float float_from_bits(uint32_t bits) { return pg::fp32_from_bits(bits); }

// Value of a binary16 pattern from its definition: (-1)^s * 2^(e-15) * 1.m, subnormals 2^-14 * 0.m.
double half_value(uint16_t h) {
  const int exponent = (h >> 10) & 31;
  const int mantissa = h & 1023;
  double v;
  if (exponent == 0) {
    v = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else {
    v = std::ldexp(1024 + mantissa, exponent - 25);
  }
  return (h & 0x8000) ? -v : v;
}

double bf16_value(uint16_t h) {
  const int exponent = (h >> 7) & 255;
  const int mantissa = h & 127;
  double v;
  if (exponent == 0) {
    v = std::ldexp(mantissa, -133);
  } else if (exponent == 255) {
    v = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else {
    v = std::ldexp(128 + mantissa, exponent - 134);
  }
  return (h & 0x8000) ? -v : v;
}

// Encodes |value| (already a representable magnitude, or too large) into a
// format with `mantissa_bits` and exponent bias `bias`; `max_exponent` is the
// all-ones exponent field (infinity).
uint16_t encode_magnitude(double value, int mantissa_bits, int bias, int max_exponent) {
  if (value == 0) return 0;
  const int min_normal_exp = 1 - bias;
  int e = static_cast<int>(std::floor(std::log2(value)));
  if (std::ldexp(1.0, e) > value) --e;  // guard log2 rounding
  if (std::ldexp(1.0, e + 1) <= value) ++e;
  if (e < min_normal_exp) {
    return static_cast<uint16_t>(value / std::ldexp(1.0, min_normal_exp - mantissa_bits));
  }
  if (e + bias >= max_exponent) return static_cast<uint16_t>(max_exponent << mantissa_bits);
  const double significand = value / std::ldexp(1.0, e - mantissa_bits);  // in [2^m, 2^(m+1))
  return static_cast<uint16_t>(((e + bias) << mantissa_bits) |
                               (static_cast<uint32_t>(significand) - (1u << mantissa_bits)));
}

// Round-to-nearest-even conversion of a finite or infinite float, computed in
// double: find the quantum at the value's binade, round the quotient with
// nearbyint (ties to even in the default rounding mode), then encode.
uint16_t round_to_small_float(float f, int mantissa_bits, int bias, int max_exponent) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  const uint16_t inf = static_cast<uint16_t>(max_exponent << mantissa_bits);
  if (std::isinf(a)) return sign | inf;
  if (a == 0) return sign;
  int e = static_cast<int>(std::floor(std::log2(a)));
  if (std::ldexp(1.0, e) > a) --e;
  if (std::ldexp(1.0, e + 1) <= a) ++e;
  const int min_normal_exp = 1 - bias;
  const double quantum = std::ldexp(1.0, std::max(e, min_normal_exp) - mantissa_bits);
  const double rounded = std::nearbyint(a / quantum) * quantum;
  return sign | encode_magnitude(rounded, mantissa_bits, bias, max_exponent);
}

uint16_t reference_fp32_to_fp16(float f) { return round_to_small_float(f, 10, 15, 31); }
uint16_t reference_fp32_to_bf16(float f) { return round_to_small_float(f, 7, 127, 255); }

TEST(QuantFp16, HalfToFloatMatchesDefinitionForAllPatterns) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = pg::fp16_to_fp32(static_cast<uint16_t>(h));
    const double want = half_value(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << "pattern " << h;
      EXPECT_EQ(std::signbit(got), (h & 0x8000) != 0) << "pattern " << h;
    } else {
      EXPECT_EQ(pg::fp32_to_bits(got), pg::fp32_to_bits(static_cast<float>(want))) << "pattern " << h;
    }
  }
}

TEST(QuantFp16, FloatToHalfRoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if (std::isnan(half_value(static_cast<uint16_t>(h)))) continue;
    EXPECT_EQ(pg::fp32_to_fp16(pg::fp16_to_fp32(static_cast<uint16_t>(h))), h) << "pattern " << h;
  }
}

TEST(QuantFp16, FloatToHalfRoundsTiesToEvenAndNeighbours) {
  // Every midpoint between consecutive positive halves (normal and subnormal,
  // including the one between 65504 and the overflow threshold), and the floats
  // just either side of it.
  for (uint32_t h = 0; h < 0x7C00; ++h) {
    const double lo = half_value(static_cast<uint16_t>(h));
    const double hi = h + 1 < 0x7C00 ? half_value(static_cast<uint16_t>(h + 1)) : 65536.0;
    const float mid = static_cast<float>((lo + hi) / 2);  // exact: halves have few bits
    for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      EXPECT_EQ(pg::fp32_to_fp16(f), reference_fp32_to_fp16(f)) << "value " << f;
      EXPECT_EQ(pg::fp32_to_fp16(-f), reference_fp32_to_fp16(-f)) << "value " << -f;
    }
  }
  EXPECT_EQ(pg::fp32_to_fp16(65520.0f), 0x7C00);  // the tie above 65504 rounds to infinity
  EXPECT_EQ(pg::fp32_to_fp16(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
}

TEST(QuantFp16, FloatToHalfMatchesReferenceOnSampledFloats) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000000; ++i) {
    const float f = float_from_bits(static_cast<uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(pg::fp32_to_fp16(f), reference_fp32_to_fp16(f)) << "bits " << pg::fp32_to_bits(f);
  }
  // The whole range where halves are subnormal or small, densely.
  for (uint32_t bits = 0x30000000u; bits < 0x39000000u; bits += 97) {
    ASSERT_EQ(pg::fp32_to_fp16(float_from_bits(bits)), reference_fp32_to_fp16(float_from_bits(bits)));
  }
}

TEST(QuantFp16, FloatToHalfSpecialValues) {
  EXPECT_EQ(pg::fp32_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(pg::fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(pg::fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(pg::fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_EQ(pg::fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(pg::fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(pg::fp32_to_fp16(1e10f), 0x7C00);
  EXPECT_EQ(pg::fp32_to_fp16(1e-10f), 0x0000);
  // GGML turns every NaN into the quiet NaN 0x7E00, keeping the sign.
  EXPECT_EQ(pg::fp32_to_fp16(std::numeric_limits<float>::quiet_NaN()), 0x7E00);
  EXPECT_EQ(pg::fp32_to_fp16(-std::numeric_limits<float>::quiet_NaN()), 0xFE00);
  EXPECT_EQ(pg::fp32_to_fp16(float_from_bits(0x7F800001u)), 0x7E00);
}

TEST(QuantFp16, Bf16ToFloatMatchesDefinitionForAllPatterns) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = pg::bf16_to_fp32(static_cast<uint16_t>(h));
    const double want = bf16_value(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << "pattern " << h;
    } else {
      EXPECT_EQ(pg::fp32_to_bits(got), pg::fp32_to_bits(static_cast<float>(want))) << "pattern " << h;
    }
  }
}

TEST(QuantFp16, FloatToBf16MatchesReference) {
  for (uint32_t h = 0; h < 65536; ++h) {  // exact round trip of every non-NaN bf16
    if (std::isnan(bf16_value(static_cast<uint16_t>(h)))) continue;
    EXPECT_EQ(pg::fp32_to_bf16(pg::bf16_to_fp32(static_cast<uint16_t>(h))), h) << "pattern " << h;
  }
  for (uint32_t h = 0; h < 0x7F80; h += 3) {  // ties and their neighbours
    const uint32_t tie = (h << 16) | 0x8000u;
    for (uint32_t bits : {tie, tie - 1, tie + 1}) {
      for (uint32_t sign : {0u, 0x80000000u}) {
        const float f = float_from_bits(bits | sign);
        EXPECT_EQ(pg::fp32_to_bf16(f), reference_fp32_to_bf16(f)) << "bits " << (bits | sign);
      }
    }
  }
  std::mt19937 rng(99);
  for (int i = 0; i < 2000000; ++i) {
    const float f = float_from_bits(static_cast<uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(pg::fp32_to_bf16(f), reference_fp32_to_bf16(f)) << "bits " << pg::fp32_to_bits(f);
  }
}

TEST(QuantFp16, FloatToBf16NanStaysQuietNan) {
  for (uint32_t bits : {0x7F800001u, 0x7FC00000u, 0xFF800001u, 0x7FFFFFFFu, 0xFFC12345u}) {
    const uint16_t h = pg::fp32_to_bf16(float_from_bits(bits));
    EXPECT_TRUE(std::isnan(pg::bf16_to_fp32(h))) << "bits " << bits;
    EXPECT_EQ(h & 0x8000, (bits >> 16) & 0x8000) << "bits " << bits;
    EXPECT_NE(h & 0x0040, 0) << "bits " << bits;  // quiet bit set
  }
  EXPECT_EQ(pg::fp32_to_bf16(float_from_bits(0x7F7FFFFFu)), 0x7F80);  // FLT_MAX rounds to infinity
}

}  // namespace
