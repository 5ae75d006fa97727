// portable_exp: Cody-Waite range reduction and a fixed polynomial; see portable_math.h.
// Must stay free of libm calls: only IEEE-754 basic operations, which round the
// same way everywhere.
#include "engine/sampler/portable_math.h"

#include <bit>
#include <cstdint>
#include <limits>

namespace pg::sampler_math {
namespace {

double power_of_two(int e) {  // e in [-1022, 1023]: a normal double, built exactly
  return std::bit_cast<double>(static_cast<uint64_t>(e + 1023) << 52);
}

// p * 2^e for p in [0.7, 1.5] and e in [-1076, 1024], rounded once like ldexp.
double scale_by_power_of_two(double p, int e) {
  if (e > 1023) return p * power_of_two(1023) * 2.0;
  if (e >= -1022) return p * power_of_two(e);
  return p * power_of_two(e + 200) * power_of_two(-200);  // first product exact, second rounds
}

}  // namespace

double portable_exp(double x) {
  // Below ~-745.13 e^x rounds to 0 even as a subnormal; `!(x >= ...)` also catches NaN.
  if (!(x >= -745.2)) return 0.0;
  if (x > 709.78) return std::numeric_limits<double>::infinity();

  // x = k*ln2 + r with |r| <= ln2/2. ln2 is split so k*ln2_hi is exact for |k| < 2^11.
  constexpr double kInvLn2 = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  // floor by truncation (exact here since |t| < 1100): std::floor is a libm call on
  // baseline x86-64 and this runs once per vocabulary entry.
  const double t = x * kInvLn2 + 0.5;
  int ki = static_cast<int>(t);
  if (static_cast<double>(ki) > t) --ki;
  const double k = ki;
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;

  // Taylor series of e^r to degree 13: the first omitted term is below 1e-17 for |r| <= 0.35.
  constexpr double c2 = 1.0 / 2, c3 = c2 / 3, c4 = c3 / 4, c5 = c4 / 5, c6 = c5 / 6, c7 = c6 / 7,
                   c8 = c7 / 8, c9 = c8 / 9, c10 = c9 / 10, c11 = c10 / 11, c12 = c11 / 12,
                   c13 = c12 / 13;
  double p = c13;
  p = p * r + c12;
  p = p * r + c11;
  p = p * r + c10;
  p = p * r + c9;
  p = p * r + c8;
  p = p * r + c7;
  p = p * r + c6;
  p = p * r + c5;
  p = p * r + c4;
  p = p * r + c3;
  p = p * r + c2;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return scale_by_power_of_two(p, ki);
}

}  // namespace pg::sampler_math
