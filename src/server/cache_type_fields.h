// The one reader of a request's KV cache types: the `cache_type_k` and
// `cache_type_v` fields of a load request's body and the query parameters of
// the same names of a memory estimate (GET /api/v1/models/{name}). A name that
// is not f16, f32, q8_0 or q4_0 is a 400 invalid_field naming the field and
// listing the valid names; never a silent default. Also the one writer of
// them in responses. Whether the model's heads can take the types is the model
// manager's check, not this file's.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "models/kv_cache_choice.h"
#include "server/http_util.h"
#include "server/request_fields.h"

namespace pg::server {

// The body's cache_type_k / cache_type_v over `defaults`; nullopt when it has neither.
std::optional<models::KvCacheTypes> request_cache_types(const FieldReader& r, const models::KvCacheTypes& defaults);
// The same from the query parameters cache_type_k / cache_type_v.
std::optional<models::KvCacheTypes> query_cache_types(const ApiRequest& req, const models::KvCacheTypes& defaults);

// {"cache_type_k": "q8_0", "cache_type_v": "f16"}; both null for nullopt (an
// embedding model has no KV cache).
nlohmann::json cache_types_json(const std::optional<models::KvCacheTypes>& types);

}  // namespace pg::server
