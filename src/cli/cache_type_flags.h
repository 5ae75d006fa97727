// The KV cache type flags of the commands that run a model in-process (run,
// logits, bench): --cache-type-k/-ctk and --cache-type-v/-ctv as llama.cpp
// names them (`serve` has the same names as configuration keys). An unknown
// name is an error listing the valid ones; a type the model's heads cannot
// take is an error too, never a silent f16. Never loads a model.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "engine/model/llama_model.h"
#include "models/kv_cache_choice.h"
#include "util/result.h"

namespace pg::cli {

struct CacheTypeFlags {
  std::string k, v;  // as given; "" = the default (f16)
};

// --cache-type-k and --cache-type-v; -ctk and -ctv reach them through
// expand_flag_aliases (flag_aliases.h). `flags` must outlive the command.
void add_cache_type_flags(CLI::App* cmd, CacheTypeFlags& flags);
// The types the flags name; invalid_argument (invalid_cache_type) naming the
// flag and listing the valid names.
Result<models::KvCacheTypes> parse_cache_type_flags(const CacheTypeFlags& flags);
// The same, checked against the model's heads (models::check_kv_cache_types:
// invalid_argument, invalid_cache_type, naming the head size).
Result<models::KvCacheTypes> cache_types_for_model(const CacheTypeFlags& flags, const LlamaModel& model);

}  // namespace pg::cli
