// The endpoints of one provider (its base URLs), each with its own circuit
// breaker, count of outstanding requests and health. A request takes the
// endpoint with the fewest outstanding requests among those whose breaker
// admits it (ties go round-robin), preferring endpoints it has not tried yet.
// A Lease keeps the count right whatever happens. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "providers/circuit_breaker.h"

namespace pg::providers {

struct Endpoint {
  Endpoint(std::string url, int failures, std::chrono::milliseconds open_for) : url(std::move(url)), breaker(failures, open_for) {}
  const std::string url;
  CircuitBreaker breaker;
  std::atomic<int> outstanding{0};
  std::atomic<bool> healthy{true};     // the last health check's verdict
  std::atomic<uint64_t> requests{0};   // requests sent (every attempt)
  std::atomic<uint64_t> failures{0};   // attempts that failed
};

class EndpointPool;

// One request's hold on an endpoint: counted as outstanding until finished or destroyed.
class Lease {
 public:
  Lease() = default;
  Lease(std::shared_ptr<Endpoint> e) : endpoint_(std::move(e)) { endpoint_->outstanding.fetch_add(1); }
  Lease(Lease&& o) noexcept : endpoint_(std::move(o.endpoint_)), reported_(o.reported_) { o.endpoint_.reset(); }
  Lease& operator=(Lease&& o) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { end(); }

  explicit operator bool() const { return endpoint_ != nullptr; }
  Endpoint& endpoint() const { return *endpoint_; }
  // Reports the attempt's result to the breaker (once; later calls are ignored).
  void succeeded();
  void failed(SteadyTime now);

 private:
  void end();
  std::shared_ptr<Endpoint> endpoint_;
  bool reported_ = false;
};

class EndpointPool {
 public:
  EndpointPool(const std::vector<std::string>& urls, int breaker_failures, std::chrono::milliseconds breaker_open);

  // The endpoint for the next attempt: fewest outstanding among those the
  // breaker admits, endpoints in `tried` only when no other is admitted.
  // nullopt when every breaker refuses.
  std::optional<Lease> acquire(SteadyTime now, const std::set<std::string>& tried);
  const std::vector<std::shared_ptr<Endpoint>>& endpoints() const { return endpoints_; }

 private:
  std::vector<std::shared_ptr<Endpoint>> endpoints_;
  std::mutex mu_;
  size_t next_ = 0;  // round-robin start for ties
};

}  // namespace pg::providers
