// The wait before a retry: exponential backoff with jitter, and the
// Retry-After header of a 429 or 503. Pure functions of their inputs (the
// random draw is passed in), so the schedule is testable. Never sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pg::providers {

struct BackoffPolicy {
  int64_t base_ms = 200;  // the first retry's nominal wait
  int64_t max_ms = 5000;  // the nominal wait never exceeds this
};

// The nominal wait before retry number `retry` (0 = the first retry):
// min(max_ms, base_ms * 2^retry).
int64_t nominal_backoff_ms(const BackoffPolicy& policy, int retry);

// The actual wait: half the nominal wait plus a random part of the other half
// ("equal jitter"), so concurrent clients spread out but never retry at once:
// nominal * (0.5 + 0.5 * u) for u in [0, 1).
int64_t backoff_ms(const BackoffPolicy& policy, int retry, double u);

// Retry-After in seconds ("120"); nullopt for anything else (HTTP dates are
// not honoured: the normal backoff applies). Capped at one day.
std::optional<int64_t> parse_retry_after_ms(const std::string& header);

}  // namespace pg::providers
