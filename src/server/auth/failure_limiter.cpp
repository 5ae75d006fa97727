// Sliding-window failure counting with lockouts; see failure_limiter.h.
#include "server/auth/failure_limiter.h"

#include <algorithm>

namespace pg::server::auth {

FailureLimiter::FailureLimiter(Options options) : options_(options) {}

FailureLimiter::Clock::duration FailureLimiter::lockout_length(int lockouts) const {
  Clock::duration length = options_.window;
  for (int i = 1; i < lockouts && length < options_.max_lockout; ++i) length *= 2;
  return std::min<Clock::duration>(length, options_.max_lockout);
}

FailureLimiter::Clock::duration FailureLimiter::locked_for(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now >= it->second.locked_until) return Clock::duration::zero();
  return it->second.locked_until - now;
}

void FailureLimiter::record_failure(const std::string& key, Clock::time_point now) {
  if (options_.max_failures <= 0 || options_.max_keys == 0) return;
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    while (entries_.size() >= options_.max_keys) {
      entries_.erase(age_.front());
      age_.pop_front();
    }
    it = entries_.emplace(key, Entry{}).first;
    it->second.age = age_.insert(age_.end(), key);
  } else {
    age_.splice(age_.end(), age_, it->second.age);
  }
  Entry& e = it->second;
  // A key that stayed quiet for a whole max_lockout after its last lockout starts its backoff again.
  if (e.lockouts > 0 && now >= e.last_lock_end + options_.max_lockout) e.lockouts = 0;
  while (!e.failures.empty() && now - e.failures.front() >= options_.window) e.failures.pop_front();
  e.failures.push_back(now);
  if (static_cast<int>(e.failures.size()) >= options_.max_failures) {
    ++e.lockouts;
    e.locked_until = now + lockout_length(e.lockouts);
    e.last_lock_end = e.locked_until;
    e.failures.clear();
  }
}

void FailureLimiter::reset(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  age_.erase(it->second.age);
  entries_.erase(it);
}

size_t FailureLimiter::tracked_keys() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace pg::server::auth
