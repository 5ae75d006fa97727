// Shortest decimal texts of floats and doubles; see float_text.h.
#include "util/float_text.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace pg {
namespace {

template <typename T>
std::string shortest(T v) {
  char buf[64];
  // to_chars without a precision gives the shortest text that round-trips.
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  if (r.ec != std::errc()) return "nan";
  return std::string(buf, r.ptr);
}

}  // namespace

std::string shortest_text(double v) { return shortest(v); }
std::string shortest_text(float v) { return shortest(v); }

double float_as_decimal(float v) {
  if (!std::isfinite(v)) return static_cast<double>(v);
  const std::string text = shortest(v);
  double d = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  return r.ec == std::errc() ? d : static_cast<double>(v);
}

}  // namespace pg
