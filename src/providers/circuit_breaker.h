// A circuit breaker for one endpoint: closed (requests flow; consecutive
// failures are counted), open (requests refused until open_ms have passed),
// half-open (one trial request at a time; its success closes the breaker,
// its failure opens it again for another open_ms). Time is passed in, so the
// state machine is testable without sleeping. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace pg::providers {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class BreakerState { Closed, Open, HalfOpen };
std::string breaker_state_name(BreakerState s);

class CircuitBreaker {
 public:
  CircuitBreaker(int failure_threshold, std::chrono::milliseconds open_for);

  // True when a request may go now. In half-open it admits one trial and
  // refuses others until that trial reports.
  bool try_acquire(SteadyTime now);
  // Whether try_acquire would admit a request now (does not take the trial).
  bool would_admit(SteadyTime now) const;
  void record_success();
  void record_failure(SteadyTime now);
  // A request admitted by try_acquire that ended neither way (cancelled): frees the trial.
  void release_trial();
  BreakerState state(SteadyTime now) const;
  int consecutive_failures() const;

 private:
  BreakerState state_locked(SteadyTime now) const;

  const int threshold_;
  const std::chrono::milliseconds open_for_;
  mutable std::mutex mu_;
  bool open_ = false;
  SteadyTime opened_at_{};
  bool trial_in_flight_ = false;
  int failures_ = 0;
};

}  // namespace pg::providers
