// Concatenating strings by appending into one buffer: str_cat("a", b, "c").
// Also sidesteps GCC 12's false -Wrestrict reports on `"x" + std::string(...)`
// under -O3. Only builds strings; never formats numbers.
#pragma once

#include <string>

namespace pg {

template <typename... Parts>
std::string str_cat(const Parts&... parts) {
  std::string s;
  (s += ... += parts);
  return s;
}

}  // namespace pg
