// Per-request bookkeeping between httplib's callbacks (pre-routing handler,
// route handler, logger), which share only the Request object: the request
// id, arrival time and matched route name, keyed by the Request's address
// for the lifetime of the request. Entries whose logger never ran (a
// connection that broke while writing headers) are purged after an hour.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "server/auth/authenticator.h"

namespace pg::server {

struct RequestInfo {
  std::string id;
  std::string route;  // "unmatched" until a route handler runs
  std::chrono::steady_clock::time_point arrived;
  auth::Principal principal;  // set by authentication (auth off: the local caller)
};

class RequestTracker {
 public:
  void begin(const void* request, std::string id);
  void set_route(const void* request, const std::string& route);
  void set_principal(const void* request, auth::Principal principal);
  std::optional<RequestInfo> find(const void* request) const;
  // Removes and returns the entry (the logger calls this once per request).
  std::optional<RequestInfo> take(const void* request);

 private:
  mutable std::mutex mu_;
  std::map<const void*, RequestInfo> active_;
};

}  // namespace pg::server
