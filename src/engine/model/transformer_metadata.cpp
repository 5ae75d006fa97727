// Range-checked metadata integers and transformer sizes; see transformer_metadata.h.
#include "engine/model/transformer_metadata.h"

namespace pg {

Result<int64_t> required_metadata_int(const gguf::GgufFile& f, const std::string& key, int64_t lo, int64_t hi) {
  auto v = f.get_int(key);
  if (!v) return Error{"missing or non-integer metadata key '" + key + "'"};
  if (*v < lo || *v > hi)
    return Error{"metadata '" + key + "' = " + std::to_string(*v) + " is out of range [" + std::to_string(lo) +
                 ", " + std::to_string(hi) + "]"};
  return *v;
}

Result<TransformerSizes> read_transformer_sizes(const gguf::GgufFile& f, const std::string& p) {
  TransformerSizes s;
  auto embd = required_metadata_int(f, p + "embedding_length", 1, kMaxModelDim);
  if (!embd) return embd.status();
  s.n_embd = *embd;
  auto layers = required_metadata_int(f, p + "block_count", 1, 4096);
  if (!layers) return layers.status();
  s.n_layer = *layers;
  auto ff = required_metadata_int(f, p + "feed_forward_length", 1, kMaxModelDim);
  if (!ff) return ff.status();
  s.n_ff = *ff;
  auto heads = required_metadata_int(f, p + "attention.head_count", 1, 4096);
  if (!heads) return heads.status();
  s.n_head = *heads;
  s.n_head_kv = s.n_head;
  if (f.find(p + "attention.head_count_kv")) {
    auto kv = required_metadata_int(f, p + "attention.head_count_kv", 1, s.n_head);
    if (!kv) return kv.status();
    s.n_head_kv = *kv;
  }
  if (s.n_head % s.n_head_kv != 0)
    return Error{"attention.head_count (" + std::to_string(s.n_head) +
                 ") is not a multiple of attention.head_count_kv (" + std::to_string(s.n_head_kv) + ")"};
  return s;
}

}  // namespace pg
