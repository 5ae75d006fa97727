// The breaker's state machine; see circuit_breaker.h.
#include "providers/circuit_breaker.h"

namespace pg::providers {

std::string breaker_state_name(BreakerState s) {
  switch (s) {
    case BreakerState::Closed: return "closed";
    case BreakerState::Open: return "open";
    case BreakerState::HalfOpen: return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds open_for)
    : threshold_(failure_threshold < 1 ? 1 : failure_threshold), open_for_(open_for) {}

BreakerState CircuitBreaker::state_locked(SteadyTime now) const {
  if (!open_) return BreakerState::Closed;
  return now - opened_at_ >= open_for_ ? BreakerState::HalfOpen : BreakerState::Open;
}

bool CircuitBreaker::try_acquire(SteadyTime now) {
  std::lock_guard lock(mu_);
  switch (state_locked(now)) {
    case BreakerState::Closed: return true;
    case BreakerState::Open: return false;
    case BreakerState::HalfOpen:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

bool CircuitBreaker::would_admit(SteadyTime now) const {
  std::lock_guard lock(mu_);
  const BreakerState s = state_locked(now);
  return s == BreakerState::Closed || (s == BreakerState::HalfOpen && !trial_in_flight_);
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mu_);
  open_ = false;
  trial_in_flight_ = false;
  failures_ = 0;
}

void CircuitBreaker::record_failure(SteadyTime now) {
  std::lock_guard lock(mu_);
  ++failures_;
  if (open_ || failures_ >= threshold_) {
    // A failed trial, or the threshold reached: (re)open for another period.
    open_ = true;
    opened_at_ = now;
  }
  trial_in_flight_ = false;
}

void CircuitBreaker::release_trial() {
  std::lock_guard lock(mu_);
  trial_in_flight_ = false;
}

BreakerState CircuitBreaker::state(SteadyTime now) const {
  std::lock_guard lock(mu_);
  return state_locked(now);
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace pg::providers
