// Request bookkeeping; see request_tracker.h.
#include "server/request_tracker.h"

namespace pg::server {

void RequestTracker::begin(const void* request, std::string id) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  for (auto it = active_.begin(); it != active_.end();) {
    if (now - it->second.arrived > std::chrono::hours(1)) it = active_.erase(it);
    else ++it;
  }
  active_[request] = RequestInfo{std::move(id), "unmatched", now, {}};
}

void RequestTracker::set_route(const void* request, const std::string& route) {
  std::lock_guard lock(mu_);
  if (auto it = active_.find(request); it != active_.end()) it->second.route = route;
}

void RequestTracker::set_principal(const void* request, auth::Principal principal) {
  std::lock_guard lock(mu_);
  if (auto it = active_.find(request); it != active_.end()) it->second.principal = std::move(principal);
}

std::optional<RequestInfo> RequestTracker::find(const void* request) const {
  std::lock_guard lock(mu_);
  auto it = active_.find(request);
  if (it == active_.end()) return std::nullopt;
  return it->second;
}

std::optional<RequestInfo> RequestTracker::take(const void* request) {
  std::lock_guard lock(mu_);
  auto it = active_.find(request);
  if (it == active_.end()) return std::nullopt;
  RequestInfo info = std::move(it->second);
  active_.erase(it);
  return info;
}

}  // namespace pg::server
