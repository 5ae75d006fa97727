// Reading a request's URL query parameters (?limit=20&context_length=8192):
// the one reader of integer query parameters, with the range every route
// states, so a bad value is a 400 naming the parameter, never a silent
// default or a clamp. HTTP only: it knows cpp-httplib's request and ApiError,
// never what the value is for.
#pragma once

#include <cstdint>
#include <optional>

#include "server/http_util.h"

namespace pg::server {

// The integer value of query parameter `key`, or nullopt when the request has
// none. A value that is not a plain decimal integer in [min, max] throws
// ApiError 400 (code invalid_field) naming the parameter and the range.
std::optional<int64_t> query_integer(const ApiRequest& req, const char* key, int64_t min, int64_t max);

}  // namespace pg::server
