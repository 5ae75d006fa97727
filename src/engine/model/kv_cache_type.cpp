// KV cache element types: names, row sizes and the head-size check; see kv_cache_type.h.
#include "engine/model/kv_cache_type.h"

#include <cctype>
#include <string>

#include "engine/quant/blocks.h"

namespace pg {

std::string_view kv_cache_type_name(KvCacheType type) {
  switch (type) {
    case KvCacheType::F32: return "f32";
    case KvCacheType::F16: return "f16";
    case KvCacheType::Q8_0: return "q8_0";
    case KvCacheType::Q4_0: return "q4_0";
  }
  return "f16";
}

const std::vector<KvCacheType>& kv_cache_types() {
  static const std::vector<KvCacheType> all = {KvCacheType::F16, KvCacheType::F32, KvCacheType::Q8_0,
                                               KvCacheType::Q4_0};
  return all;
}

std::string kv_cache_type_names() {
  std::string out;
  for (KvCacheType t : kv_cache_types()) out += (out.empty() ? "" : ", ") + std::string(kv_cache_type_name(t));
  return out;
}

std::optional<KvCacheType> kv_cache_type_from_name(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (KvCacheType t : kv_cache_types())
    if (lower == kv_cache_type_name(t)) return t;
  return std::nullopt;
}

uint64_t kv_cache_row_bytes(KvCacheType type, int64_t n) {
  const uint64_t values = static_cast<uint64_t>(n);
  switch (type) {
    case KvCacheType::F32: return values * sizeof(float);
    case KvCacheType::F16: return values * sizeof(uint16_t);
    case KvCacheType::Q8_0: return values / quant::kQK8_0 * sizeof(quant::BlockQ8_0);
    case KvCacheType::Q4_0: return values / quant::kQK4_0 * sizeof(quant::BlockQ4_0);
  }
  return values * sizeof(uint16_t);
}

Status check_kv_cache_type(KvCacheType type, int64_t head_dim) {
  if ((type == KvCacheType::Q8_0 || type == KvCacheType::Q4_0) && (head_dim <= 0 || head_dim % 32 != 0))
    return Status::invalid_argument("the KV cache type " + std::string(kv_cache_type_name(type)) +
                                        " stores blocks of 32 values per attention head, but this model's heads have " +
                                        std::to_string(head_dim) + " values; use f16 or f32",
                                    "invalid_cache_type");
  return Status::ok();
}

}  // namespace pg
