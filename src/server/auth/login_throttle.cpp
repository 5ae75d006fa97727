// Failed-login throttling per account and per address; see login_throttle.h.
#include "server/auth/login_throttle.h"

#include <algorithm>

namespace pg::server::auth {

LoginThrottle::LoginThrottle(FailureLimiter::Options per_account, FailureLimiter::Options per_address)
    : accounts_(per_account), addresses_(per_address) {}

LoginThrottle::Clock::duration LoginThrottle::check(const std::string& account, const std::string& address,
                                                    Clock::time_point now) {
  const auto wait = std::max(accounts_.locked_for(account, now), addresses_.locked_for(address, now));
  if (wait > Clock::duration::zero()) refused_.fetch_add(1);
  return wait;
}

void LoginThrottle::record_failure(const std::string& account, const std::string& address, Clock::time_point now) {
  failures_.fetch_add(1);
  accounts_.record_failure(account, now);
  addresses_.record_failure(address, now);
}

void LoginThrottle::record_success(const std::string& account) { accounts_.reset(account); }

size_t LoginThrottle::tracked_keys() const { return accounts_.tracked_keys() + addresses_.tracked_keys(); }

}  // namespace pg::server::auth
