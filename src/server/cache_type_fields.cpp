// Reading KV cache types from requests; see cache_type_fields.h.
#include "server/cache_type_fields.h"

#include <string>

#include "server/api_error.h"

namespace pg::server {
namespace {

constexpr const char* kKeys[] = {"cache_type_k", "cache_type_v"};

// The types with each present name applied; `value` gives a key's text (nullopt: absent)
// and `fail` the error for a name that is not a type.
template <typename ValueFn, typename FailFn>
std::optional<models::KvCacheTypes> read_types(const models::KvCacheTypes& defaults, ValueFn value, FailFn fail) {
  models::KvCacheTypes types = defaults;
  bool any = false;
  for (const char* key : kKeys) {
    const std::optional<std::string> text = value(key);
    if (!text) continue;
    const std::optional<KvCacheType> type = kv_cache_type_from_name(*text);
    if (!type) throw fail(key, "is '" + text->substr(0, 64) + "', expected one of " + kv_cache_type_names());
    (std::string(key) == "cache_type_k" ? types.k : types.v) = *type;
    any = true;
  }
  if (!any) return std::nullopt;
  return types;
}

}  // namespace

std::optional<models::KvCacheTypes> request_cache_types(const FieldReader& r, const models::KvCacheTypes& defaults) {
  return read_types(
      defaults, [&](const char* key) { return r.string(key, 64); },
      [&](const char* key, const std::string& problem) { return invalid_field(r.name(key), problem); });
}

std::optional<models::KvCacheTypes> query_cache_types(const ApiRequest& req, const models::KvCacheTypes& defaults) {
  return read_types(
      defaults,
      [&](const char* key) -> std::optional<std::string> {
        if (!req.http.has_param(key)) return std::nullopt;
        return req.http.get_param_value(key);
      },
      [](const char* key, const std::string& problem) {
        return ApiError(400, "invalid_field", std::string("query parameter '") + key + "' " + problem);
      });
}

nlohmann::json cache_types_json(const std::optional<models::KvCacheTypes>& types) {
  auto name = [&](KvCacheType t) { return types ? nlohmann::json(std::string(kv_cache_type_name(t))) : nlohmann::json(nullptr); };
  return {{kKeys[0], name(types ? types->k : kDefaultKvCacheType)}, {kKeys[1], name(types ? types->v : kDefaultKvCacheType)}};
}

}  // namespace pg::server
