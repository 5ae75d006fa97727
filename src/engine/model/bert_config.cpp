// Reads BERT-family hyper-parameters from GGUF metadata (key names as
// llama.cpp's converter writes them) with range checks.
#include "engine/model/bert_config.h"

#include <cmath>

#include "engine/model/transformer_metadata.h"

namespace pg {

std::string_view pooling_type_name(PoolingType type) {
  switch (type) {
    case PoolingType::None: return "none";
    case PoolingType::Mean: return "mean";
    case PoolingType::Cls: return "cls";
    case PoolingType::Last: return "last";
  }
  return "unknown";
}

bool is_encoder_architecture(std::string_view arch) { return arch == "bert" || arch == "nomic-bert"; }

Result<BertConfig> read_bert_config(const gguf::GgufFile& f, int64_t n_vocab) {
  BertConfig c;
  auto arch = f.get_string("general.architecture");
  if (!arch) return Error{"missing metadata 'general.architecture'"};
  c.architecture = *arch;
  if (!is_encoder_architecture(c.architecture))
    return Error{"architecture '" + c.architecture + "' is not an encoder this engine runs (supported: bert, nomic-bert)"};
  c.name = f.get_string("general.name").value_or("");
  const std::string p = c.architecture + ".";
  c.n_vocab = n_vocab;

  if (Status s = read_transformer_sizes(f, p, c); !s) return s;
  if (c.n_embd % c.n_head != 0)
    return Error{"embedding_length " + std::to_string(c.n_embd) + " is not a multiple of attention.head_count " +
                 std::to_string(c.n_head)};
  c.head_dim = c.n_embd / c.n_head;
  if (c.rotary() && c.head_dim % 2 != 0)
    return Error{"head dimension " + std::to_string(c.head_dim) + " must be even for rotary positions"};
  auto ctx = required_metadata_int(f, p + "context_length", 1, int64_t{1} << 20);
  if (!ctx) return ctx.status();
  c.n_ctx_train = *ctx;

  if (f.find("tokenizer.ggml.token_type_count")) {
    auto types = required_metadata_int(f, "tokenizer.ggml.token_type_count", 0, 1 << 16);
    if (!types) return types.status();
    c.n_token_types = *types;
  }

  const std::string eps_key = p + "attention.layer_norm_epsilon";
  if (f.find(eps_key)) {
    auto eps = f.get_float(eps_key);
    if (!eps || !(*eps > 0.0) || !(*eps < 1.0)) return Error{"metadata '" + eps_key + "' must be a number in (0, 1)"};
    c.norm_eps = static_cast<float>(*eps);
  }
  if (f.find(p + "attention.causal")) {
    auto causal = f.get_bool(p + "attention.causal");
    if (!causal) return Error{"metadata '" + p + "attention.causal' must be a boolean"};
    if (*causal) return Error{"causal attention (" + p + "attention.causal = true) is not supported for encoders"};
  }
  if (f.find(p + "pooling_type")) {
    auto pooling = required_metadata_int(f, p + "pooling_type", 0, 4);
    if (!pooling) return pooling.status();
    if (*pooling == 4) return Error{"pooling_type 4 (rank, a reranker) is not supported; only embedding models are"};
    c.pooling = static_cast<PoolingType>(*pooling);
    c.pooling_from_file = true;
  }
  if (c.rotary()) {
    const std::string base_key = p + "rope.freq_base";
    if (f.find(base_key)) {
      auto base = f.get_float(base_key);
      if (!base || !(*base > 0.0) || !std::isfinite(*base)) return Error{"metadata '" + base_key + "' must be positive"};
      c.rope_freq_base = static_cast<float>(*base);
    }
  }
  return c;
}

}  // namespace pg
