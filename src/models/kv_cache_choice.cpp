// KV cache type choices: parsing, the head-size check and sizes; see kv_cache_choice.h.
#include "models/kv_cache_choice.h"

#include <algorithm>

namespace pg::models {

Result<KvCacheType> parse_kv_cache_type(std::string_view name, std::string_view what) {
  if (auto t = kv_cache_type_from_name(name)) return *t;
  return Status::invalid_argument("'" + std::string(what) + "' is '" + std::string(name.substr(0, 64)) +
                                      "', expected one of " + kv_cache_type_names(),
                                  "invalid_cache_type");
}

Status check_kv_cache_types(const KvCacheTypes& types, int64_t head_dim) {
  if (Status s = check_kv_cache_type(types.k, head_dim); !s)
    return Status::invalid_argument("cache_type_k: " + s.message(), s.reason());
  if (Status s = check_kv_cache_type(types.v, head_dim); !s)
    return Status::invalid_argument("cache_type_v: " + s.message(), s.reason());
  return Status::ok();
}

uint64_t kv_cache_position_bytes(const KvCacheTypes& types, int64_t kv_heads, int64_t head_dim) {
  auto head_bytes = [&](KvCacheType t) {
    return kv_cache_row_bytes(check_kv_cache_type(t, head_dim) ? t : kDefaultKvCacheType, head_dim);
  };
  return static_cast<uint64_t>(std::max<int64_t>(0, kv_heads)) * (head_bytes(types.k) + head_bytes(types.v));
}

}  // namespace pg::models
