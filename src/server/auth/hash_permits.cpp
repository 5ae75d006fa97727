// Bounded concurrency of password hashing; see hash_permits.h.
#include "server/auth/hash_permits.h"

#include <algorithm>

namespace pg::server::auth {

HashPermits::Permit::~Permit() {
  if (owner_) owner_->release();
}

HashPermits::HashPermits(int permits) : capacity_(std::max(1, permits)) {}

std::optional<HashPermits::Permit> HashPermits::acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, wait, [this] { return in_use_ < capacity_; })) {
    ++timed_out_;
    return std::nullopt;
  }
  ++in_use_;
  ++granted_;
  peak_ = std::max(peak_, in_use_);
  return Permit(this);
}

void HashPermits::release() {
  {
    std::lock_guard lock(mu_);
    --in_use_;
  }
  cv_.notify_one();
}

int HashPermits::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

int HashPermits::peak() const {
  std::lock_guard lock(mu_);
  return peak_;
}

uint64_t HashPermits::granted() const {
  std::lock_guard lock(mu_);
  return granted_;
}

uint64_t HashPermits::timed_out() const {
  std::lock_guard lock(mu_);
  return timed_out_;
}

}  // namespace pg::server::auth
