// Throttling of failed logins, owned by the server (ServerContext): one
// FailureLimiter per account name (as typed, known or not, so the answer does
// not tell which names exist) and one per client address. A login asks
// `check` before any password hash is computed and reports its result
// afterwards; a success clears the account's failures, never the address's
// (one valid account must not reset an address that guesses others). Holds
// no passwords; must never compute a hash or block.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "server/auth/failure_limiter.h"

namespace pg::server::auth {

class LoginThrottle {
 public:
  using Clock = FailureLimiter::Clock;

  LoginThrottle(FailureLimiter::Options per_account, FailureLimiter::Options per_address);

  // Zero when `account` may try from `address` now, else how long to wait.
  Clock::duration check(const std::string& account, const std::string& address, Clock::time_point now);
  void record_failure(const std::string& account, const std::string& address, Clock::time_point now);
  void record_success(const std::string& account);

  uint64_t refused() const { return refused_.load(); }    // logins answered 429
  uint64_t failures() const { return failures_.load(); }  // wrong name or password
  size_t tracked_keys() const;

 private:
  FailureLimiter accounts_;
  FailureLimiter addresses_;
  std::atomic<uint64_t> refused_{0}, failures_{0};
};

}  // namespace pg::server::auth
