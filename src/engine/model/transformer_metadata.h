// GGUF metadata reading shared by the config readers (model_config.cpp for
// Llama-family decoders, bert_config.cpp for encoders): an integer key with a
// range check, and the sizes every transformer stores under the same keys
// ({arch}.embedding_length, block_count, feed_forward_length,
// attention.head_count, attention.head_count_kv). Only reads and validates
// metadata; never touches tensor data and knows no architecture's own keys.
#pragma once

#include <cstdint>
#include <string>

#include "engine/gguf/gguf.h"
#include "util/result.h"

namespace pg {

constexpr int64_t kMaxModelDim = 1 << 20;  // far above any real model; stops absurd values

// The integer at `key`, which must be present and within [lo, hi].
Result<int64_t> required_metadata_int(const gguf::GgufFile& f, const std::string& key, int64_t lo, int64_t hi);

struct TransformerSizes {
  int64_t n_embd = 0, n_layer = 0, n_ff = 0, n_head = 0;
  int64_t n_head_kv = 0;  // n_head when the file gives no head_count_kv; always divides n_head
};

// The sizes under `prefix` ("{arch}."), range-checked, in the order above.
Result<TransformerSizes> read_transformer_sizes(const gguf::GgufFile& f, const std::string& prefix);

// The same, stored into the same-named members of a config (ModelConfig, BertConfig).
template <typename Config>
Status read_transformer_sizes(const gguf::GgufFile& f, const std::string& prefix, Config& c) {
  auto s = read_transformer_sizes(f, prefix);
  if (!s) return s.status();
  c.n_embd = s->n_embd;
  c.n_layer = s->n_layer;
  c.n_ff = s->n_ff;
  c.n_head = s->n_head;
  c.n_head_kv = s->n_head_kv;
  return Status::ok();
}

}  // namespace pg
