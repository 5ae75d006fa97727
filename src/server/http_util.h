// Small helpers every route file uses: JSON responses, timestamps in the
// formats the APIs expect, and the route table type the route files fill in.
// No route logic lives here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/auth/authenticator.h"

namespace pg::server {

// Writes `body` as application/json (invalid UTF-8 replaced, never thrown on).
void send_json(httplib::Response& res, int status, const nlohmann::json& body);
std::string dump_json(const nlohmann::json& body);

int64_t unix_seconds_now();
// RFC 3339 in UTC with nanoseconds, as Ollama writes it: 2024-05-01T12:00:00.123456789Z
std::string rfc3339_now();
std::string rfc3339_from_unix(int64_t seconds);

// What a route handler sees of a request: httplib's request (headers, path
// matches) and the body, read by the route table within max_body_bytes
// whatever the Content-Type (`curl -d` sends form-encoded JSON).
struct ApiRequest {
  const httplib::Request& http;
  std::string body;
  auth::Principal user;  // who called (with auth off: the local caller, an admin)
};

// A route handler may throw ApiError; the table's wrapper answers with it.
using RouteHandler = std::function<void(const ApiRequest&, httplib::Response&)>;

// How route files register their routes: method ("GET", "POST"), the regex
// pattern httplib matches, and a stable route name for logs and metrics.
class RouteTable {
 public:
  virtual ~RouteTable() = default;
  virtual void add(const std::string& method, const std::string& pattern, const std::string& route_name,
                   RouteHandler handler) = 0;
};

}  // namespace pg::server
