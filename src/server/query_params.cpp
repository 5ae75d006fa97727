// Reading integer query parameters (see query_params.h).
#include "server/query_params.h"

#include <charconv>
#include <string>

#include "server/api_error.h"

namespace pg::server {

std::optional<int64_t> query_integer(const ApiRequest& req, const char* key, int64_t min, int64_t max) {
  if (!req.http.has_param(key)) return std::nullopt;
  const std::string v = req.http.get_param_value(key);
  int64_t n = 0;
  const char* end = v.data() + v.size();
  const auto [at, ec] = std::from_chars(v.data(), end, n);
  if (v.empty() || ec != std::errc() || at != end || n < min || n > max)
    throw ApiError(400, "invalid_field",
                   std::string("query parameter '") + key + "' is '" + v.substr(0, 64) + "', expected an integer from " +
                       std::to_string(min) + " to " + std::to_string(max));
  return n;
}

}  // namespace pg::server
