// The element types a session's KV cache can hold, named as llama.cpp's
// -ctk/-ctv (--cache-type-k/--cache-type-v) name them: f32, f16 (the
// default), q8_0 and q4_0. Quantized rows are GGML blocks of 32 values per
// attention head, so they need a head size that is a multiple of 32. Only
// names, sizes and checks: never allocates a cache or computes attention.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace pg {

enum class KvCacheType { F32, F16, Q8_0, Q4_0 };

inline constexpr KvCacheType kDefaultKvCacheType = KvCacheType::F16;

// "f32", "f16", "q8_0", "q4_0".
std::string_view kv_cache_type_name(KvCacheType type);
// The type a name gives (case-insensitive); nullopt for any other name.
std::optional<KvCacheType> kv_cache_type_from_name(std::string_view name);
// Every type, default first (for messages and API descriptions).
const std::vector<KvCacheType>& kv_cache_types();
// "f16, f32, q8_0, q4_0": the names for messages.
std::string kv_cache_type_names();

// Bytes that n cached values take (n a multiple of 32 for the quantized types).
uint64_t kv_cache_row_bytes(KvCacheType type, int64_t n);

// Ok when a model whose attention heads have head_dim values can cache keys or
// values in `type`; invalid_argument (code "invalid_cache_type") naming the
// head size otherwise.
Status check_kv_cache_type(KvCacheType type, int64_t head_dim);

}  // namespace pg
