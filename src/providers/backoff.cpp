// Backoff arithmetic; see backoff.h.
#include "providers/backoff.h"

#include <algorithm>

namespace pg::providers {

int64_t nominal_backoff_ms(const BackoffPolicy& p, int retry) {
  int64_t wait = std::max<int64_t>(0, p.base_ms);
  for (int i = 0; i < retry && wait < p.max_ms; ++i) wait *= 2;
  return std::min(wait, std::max<int64_t>(0, p.max_ms));
}

int64_t backoff_ms(const BackoffPolicy& p, int retry, double u) {
  u = std::clamp(u, 0.0, 1.0);
  const double nominal = static_cast<double>(nominal_backoff_ms(p, retry));
  return static_cast<int64_t>(nominal * (0.5 + 0.5 * u));
}

std::optional<int64_t> parse_retry_after_ms(const std::string& header) {
  size_t b = header.find_first_not_of(" \t"), e = header.find_last_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  const std::string v = header.substr(b, e - b + 1);
  if (v.empty() || v.size() > 9) return std::nullopt;
  int64_t seconds = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::min<int64_t>(seconds, 86400) * 1000;
}

}  // namespace pg::providers
