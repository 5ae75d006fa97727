// Bounded JSON numbers as GBNF, for JSON Schema's minimum / maximum /
// exclusiveMinimum / exclusiveMaximum: integers within a range digit by digit
// (as llama.cpp's converter does, so 1..100 matches exactly 1, 2, ..., 100),
// and decimals between whole-number bounds (the integer part decides, the
// fraction only matters at a bound). Outputs never match a number outside the
// bounds; they may leave out some spellings inside (exponents, "-0", leading
// zeros, very long digit strings). Pure functions: never match text.
#pragma once

#include <cstdint>
#include <string>

namespace pg::grammar {

// The largest magnitude a bound may have (18 digits), and the one an open
// side stops at (16 digits, as the plain integer rule).
inline constexpr int64_t kMaxBoundMagnitude = 999'999'999'999'999'999;
inline constexpr int64_t kOpenBoundMagnitude = 9'999'999'999'999'999;

// The integers lo..hi (inclusive; lo <= hi, both within kMaxBoundMagnitude)
// as one parenthesized GBNF expression.
std::string integer_range_gbnf(int64_t lo, int64_t hi);

// A whole-number bound of a decimal number; absent: that side is open.
struct NumberBound {
  bool present = false;
  int64_t value = 0;  // within kMaxBoundMagnitude
  bool exclusive = false;
};

// The decimal numbers (an integer part and an optional fraction of at most
// 16 digits, or 31 just above an exclusive bound; no exponent) within the
// bounds, as one parenthesized GBNF expression, or "" when no number is.
std::string number_range_gbnf(NumberBound lower, NumberBound upper);

}  // namespace pg::grammar
