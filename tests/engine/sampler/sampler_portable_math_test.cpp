// The sampler's platform-independent exp and random-bits conversion, checked
// against the C library's exp (the reference) and exact edge values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/sampler/portable_math.h"

namespace pg::sampler_math {
namespace {

TEST(SamplerPortableMath, ExpMatchesLibmToAFewUlp) {
  for (double x = -744.0; x <= 709.0; x += 0.0137) {
    const double want = std::exp(x);
    const double got = portable_exp(x);
    if (want < std::numeric_limits<double>::min()) {
      ASSERT_NEAR(got, want, 4 * std::numeric_limits<double>::denorm_min()) << x;
    } else {
      ASSERT_NEAR(got / want, 1.0, 1e-15) << "x = " << x;
    }
  }
  for (double x : {-1e-300, -1e-10, -0.5, -0.34657359, 0.34657359, 1.0, -20.0}) {
    EXPECT_NEAR(portable_exp(x) / std::exp(x), 1.0, 1e-15) << x;
  }
}

TEST(SamplerPortableMath, ExpEdgeValues) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(portable_exp(0.0), 1.0);
  EXPECT_EQ(portable_exp(-kInf), 0.0);
  EXPECT_EQ(portable_exp(std::numeric_limits<double>::quiet_NaN()), 0.0);
  EXPECT_EQ(portable_exp(-1000.0), 0.0);
  EXPECT_EQ(portable_exp(710.0), kInf);
  EXPECT_EQ(portable_exp(kInf), kInf);
  EXPECT_DOUBLE_EQ(portable_exp(1.0), 2.718281828459045);
}

TEST(SamplerPortableMath, UnitIntervalFromBitsCoversZeroToBelowOne) {
  EXPECT_EQ(unit_interval_from_bits(0), 0.0);
  EXPECT_EQ(unit_interval_from_bits(UINT64_MAX), 1.0 - 0x1.0p-53);
  EXPECT_LT(unit_interval_from_bits(UINT64_MAX), 1.0);
  EXPECT_EQ(unit_interval_from_bits(uint64_t{1} << 63), 0.5);
  EXPECT_EQ(unit_interval_from_bits((uint64_t{1} << 11) - 1), 0.0);  // low bits are dropped
  EXPECT_EQ(unit_interval_from_bits(uint64_t{1} << 11), 0x1.0p-53);
}

}  // namespace
}  // namespace pg::sampler_math
