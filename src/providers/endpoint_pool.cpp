// Least-outstanding-requests endpoint choice; see endpoint_pool.h.
#include "providers/endpoint_pool.h"

namespace pg::providers {

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    end();
    endpoint_ = std::move(o.endpoint_);
    reported_ = o.reported_;
    o.endpoint_.reset();
  }
  return *this;
}

void Lease::succeeded() {
  if (!endpoint_ || reported_) return;
  reported_ = true;
  endpoint_->breaker.record_success();
}

void Lease::failed(SteadyTime now) {
  if (!endpoint_ || reported_) return;
  reported_ = true;
  endpoint_->failures.fetch_add(1);
  endpoint_->breaker.record_failure(now);
}

void Lease::end() {
  if (!endpoint_) return;
  if (!reported_) endpoint_->breaker.release_trial();
  endpoint_->outstanding.fetch_sub(1);
  endpoint_.reset();
}

EndpointPool::EndpointPool(const std::vector<std::string>& urls, int breaker_failures,
                           std::chrono::milliseconds breaker_open) {
  for (const std::string& u : urls) endpoints_.push_back(std::make_shared<Endpoint>(u, breaker_failures, breaker_open));
}

std::optional<Lease> EndpointPool::acquire(SteadyTime now, const std::set<std::string>& tried) {
  std::lock_guard lock(mu_);
  const size_t n = endpoints_.size();
  for (int pass = 0; pass < 2; ++pass) {
    // pass 0: untried endpoints only; pass 1: any.
    std::vector<size_t> order;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (next_ + k) % n;
      const auto& e = endpoints_[i];
      if (pass == 0 && tried.count(e->url)) continue;
      if (!e->breaker.would_admit(now)) continue;
      order.push_back(i);
    }
    // Stable choice of the least outstanding, starting at the round-robin position.
    std::optional<size_t> best;
    for (size_t i : order)
      if (!best || endpoints_[i]->outstanding.load() < endpoints_[*best]->outstanding.load()) best = i;
    if (best && endpoints_[*best]->breaker.try_acquire(now)) {
      next_ = (*best + 1) % n;
      endpoints_[*best]->requests.fetch_add(1);
      return Lease(endpoints_[*best]);
    }
  }
  return std::nullopt;
}

}  // namespace pg::providers
