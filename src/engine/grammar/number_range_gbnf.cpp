// Bounded numbers as GBNF; see number_range_gbnf.h. Integers: the range is
// cut by digit count, and each same-length range is written as a prefix the
// two ends share, then the lower end's tail, the full middle digits, and the
// upper end's tail. Must never write a number outside the bounds.
#include "engine/grammar/number_range_gbnf.h"
#include "util/str_cat.h"

#include <string_view>
#include <vector>

namespace pg::grammar {
namespace {


// A fraction of any digits, of zeros only (the value stays whole), of digits not all zero.
constexpr const char* kFractionAny = R"(( "." [0-9]{1,16} )?)";
constexpr const char* kFractionZero = R"(( "." "0"{1,16} )?)";
constexpr const char* kFractionNonZero = R"("." "0"{0,15} [1-9] [0-9]{0,15})";

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

std::string quoted(std::string_view digits) { return str_cat("\"", digits, "\""); }

std::string digit_class(char from, char to) {
  return from == to ? quoted(std::string_view(&from, 1)) : std::string("[") + from + "-" + to + "]";
}

std::string any_digits(size_t n) { return n == 1 ? "[0-9]" : str_cat("[0-9]{", std::to_string(n), "}"); }

bool all(std::string_view s, char c) { return s.find_first_not_of(c) == std::string_view::npos; }

// The digit strings of a's length from a to b (a <= b, same length, leading zeros allowed).
std::string same_length(std::string_view a, std::string_view b) {
  if (a == b) return quoted(a);
  size_t common = 0;
  while (a[common] == b[common]) ++common;
  const std::string prefix = common ? quoted(a.substr(0, common)) + " " : "";
  a.remove_prefix(common), b.remove_prefix(common);
  const size_t rest = a.size() - 1;
  if (rest == 0) return prefix + digit_class(a[0], b[0]);
  std::vector<std::string> alts;
  char first_full = a[0], last_full = b[0];
  if (!all(a.substr(1), '0')) {
    alts.push_back(digit_class(a[0], a[0]) + " (" + same_length(a.substr(1), std::string(rest, '9')) + ")");
    ++first_full;
  }
  const bool upper_partial = !all(b.substr(1), '9');
  if (upper_partial) --last_full;
  if (first_full <= last_full) alts.push_back(digit_class(first_full, last_full) + " " + any_digits(rest));
  if (upper_partial)
    alts.push_back(digit_class(b[0], b[0]) + " (" + same_length(std::string(rest, '0'), b.substr(1)) + ")");
  return str_cat(prefix, "(", join(alts, " | "), ")");
}

int64_t power_of_ten(size_t n) {
  int64_t p = 1;
  for (size_t i = 0; i < n; ++i) p *= 10;
  return p;
}

// The integers lo..hi, 0 <= lo <= hi, without leading zeros.
std::string non_negative_range(int64_t lo, int64_t hi) {
  const std::string lo_s = std::to_string(lo), hi_s = std::to_string(hi);
  std::vector<std::string> alts;
  for (size_t len = lo_s.size(); len <= hi_s.size(); ++len) {
    const int64_t a = len == lo_s.size() ? lo : power_of_ten(len - 1);
    const int64_t b = len == hi_s.size() ? hi : power_of_ten(len) - 1;
    alts.push_back(same_length(std::to_string(a), std::to_string(b)));
  }
  return str_cat("(", join(alts, " | "), ")");
}

// Spellings "I" or "I.F" of magnitudes m with lo < m (or <=) and m < hi (or <=);
// an open upper side stops at kOpenBoundMagnitude (or the lower bound's size).
std::vector<std::string> magnitudes(int64_t lo, bool lo_exclusive, bool has_hi, int64_t hi, bool hi_exclusive) {
  std::vector<std::string> alts;
  const int64_t open_end = lo > kOpenBoundMagnitude ? kMaxBoundMagnitude : kOpenBoundMagnitude;
  const int64_t first = lo_exclusive ? lo + 1 : lo;  // integer parts whose every fraction fits
  const int64_t last = has_hi ? hi - 1 : open_end;
  if (first <= last) alts.push_back(non_negative_range(first, last) + " " + kFractionAny);
  if (lo_exclusive && (!has_hi || lo < hi)) alts.push_back(quoted(std::to_string(lo)) + " " + kFractionNonZero);
  if (has_hi && !hi_exclusive && (hi > lo || (hi == lo && !lo_exclusive)))
    alts.push_back(quoted(std::to_string(hi)) + " " + kFractionZero);
  return alts;
}

}  // namespace

std::string integer_range_gbnf(int64_t lo, int64_t hi) {
  if (hi < 0) return str_cat("(\"-\" ", non_negative_range(-hi, -lo), ")");
  if (lo >= 0) return non_negative_range(lo, hi);
  return str_cat("(\"-\" ", non_negative_range(1, -lo), " | ", non_negative_range(0, hi), ")");
}

std::string number_range_gbnf(NumberBound lower, NumberBound upper) {
  std::vector<std::string> alts;
  // Spellings without '-': values >= 0.
  if (!upper.present || upper.value > 0 || (upper.value == 0 && !upper.exclusive)) {
    const bool from_lower = lower.present && lower.value >= 0;
    const auto m = magnitudes(from_lower ? lower.value : 0, from_lower && lower.exclusive, upper.present, upper.value,
                              upper.exclusive);
    if (!m.empty()) alts.push_back(join(m, " | "));
  }
  // Spellings "-m" with m > 0: value -m >= lower means m <= -lower; -m <= upper means m >= -upper.
  if (!lower.present || lower.value < 0) {
    const bool from_upper = upper.present && upper.value < 0;
    const auto m = magnitudes(from_upper ? -upper.value : 0, from_upper ? upper.exclusive : true, lower.present,
                              -lower.value, lower.exclusive);
    if (!m.empty()) alts.push_back(str_cat("\"-\" (", join(m, " | "), ")"));
  }
  return alts.empty() ? "" : str_cat("(", join(alts, " | "), ")");
}

}  // namespace pg::grammar
