// The KV cache types a server, a loaded model or a CLI command chooses for keys
// and values (llama.cpp's -ctk/-ctv, engine/model/kv_cache_type.h): the pair,
// the parser of a user's name with the message that lists the valid names, and
// the check of both against a model's head size. Every reader of a setting, an
// API field, a query parameter or a flag goes through parse_kv_cache_type, and
// every loader through check_kv_cache_types before it builds a session (a
// session silently falls back to f16 for a type the heads cannot take). Never
// allocates a cache; knows nothing of HTTP or flags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model/kv_cache_type.h"
#include "util/result.h"

namespace pg::models {

struct KvCacheTypes {
  KvCacheType k = kDefaultKvCacheType;  // keys
  KvCacheType v = kDefaultKvCacheType;  // values
  bool operator==(const KvCacheTypes&) const = default;
};

// The type a name gives (case-insensitive: f32, f16, q8_0, q4_0); otherwise
// invalid_argument (reason "invalid_cache_type"): "'<what>' is '<name>', expected
// one of f16, f32, q8_0, q4_0". `what` names the setting, field or flag.
Result<KvCacheType> parse_kv_cache_type(std::string_view name, std::string_view what);

// Ok when a model whose attention heads have head_dim values can cache keys in
// types.k and values in types.v; otherwise check_kv_cache_type's Status
// (invalid_argument, "invalid_cache_type") with "cache_type_k: " or
// "cache_type_v: " in front of its message.
Status check_kv_cache_types(const KvCacheTypes& types, int64_t head_dim);

// Bytes one cached position takes on one layer: keys and values of kv_heads
// heads of head_dim values each, every head a run of its own (as the session
// stores them). A type the heads cannot take counts as the default (f16), as a
// session would allocate it.
uint64_t kv_cache_position_bytes(const KvCacheTypes& types, int64_t kv_heads, int64_t head_dim);

}  // namespace pg::models
