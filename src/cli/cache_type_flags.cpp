// The KV cache type flags; see cache_type_flags.h.
#include "cli/cache_type_flags.h"

namespace pg::cli {

void add_cache_type_flags(CLI::App* cmd, CacheTypeFlags& flags) {
  const std::string names = kv_cache_type_names();
  cmd->add_option("--cache-type-k", flags.k,
                  "KV cache type of the keys, also -ctk: " + names +
                      " (default f16; q8_0 and q4_0 need heads of a multiple of 32 values)");
  cmd->add_option("--cache-type-v", flags.v, "KV cache type of the values, also -ctv: " + names + " (default f16)");
}

Result<models::KvCacheTypes> parse_cache_type_flags(const CacheTypeFlags& flags) {
  models::KvCacheTypes types;
  if (!flags.k.empty()) {
    auto k = models::parse_kv_cache_type(flags.k, "--cache-type-k");
    if (!k) return k.status();
    types.k = *k;
  }
  if (!flags.v.empty()) {
    auto v = models::parse_kv_cache_type(flags.v, "--cache-type-v");
    if (!v) return v.status();
    types.v = *v;
  }
  return types;
}

Result<models::KvCacheTypes> cache_types_for_model(const CacheTypeFlags& flags, const LlamaModel& model) {
  auto types = parse_cache_type_flags(flags);
  if (!types) return types;
  if (Status s = models::check_kv_cache_types(*types, model.config().head_dim); !s)
    return Status::invalid_argument("model " + model.config().name + ": " + s.message(), s.reason());
  return types;
}

}  // namespace pg::cli
