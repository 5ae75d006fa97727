// Counts failures per key (an account name or a client address) in a sliding
// window and locks a key out once it reaches the limit: the first lockout
// lasts one window, each further one without a success in between twice as
// long, up to a maximum. Bounded: at most `max_keys` keys are tracked, the
// least recently failed one is forgotten first. Thread-safe; time is passed
// in so tests need no sleeps. It never sees or keeps a password, and it must
// never block or do I/O (it runs before any password hash is computed).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pg::server::auth {

class FailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int max_failures = 10;                        // within one window; then a lockout
    std::chrono::seconds window{900};
    std::chrono::seconds max_lockout{86400};      // the backoff stops doubling here
    size_t max_keys = 10000;
  };

  explicit FailureLimiter(Options options);

  // Zero when `key` may try now, else how long it is still locked out.
  Clock::duration locked_for(const std::string& key, Clock::time_point now);
  // One more failure of `key`; may start a lockout.
  void record_failure(const std::string& key, Clock::time_point now);
  // A success: `key` starts again from nothing (its backoff too).
  void reset(const std::string& key);

  size_t tracked_keys() const;
  const Options& options() const { return options_; }

 private:
  struct Entry {
    std::deque<Clock::time_point> failures;  // within the window, at most max_failures
    Clock::time_point locked_until{};
    Clock::time_point last_lock_end{};       // when the latest lockout ended (backoff memory)
    int lockouts = 0;                        // consecutive lockouts, for the backoff
    std::list<std::string>::iterator age;    // position in age_
  };

  Clock::duration lockout_length(int lockouts) const;

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> age_;  // least recently failed first
};

}  // namespace pg::server::auth
