// Hyper-parameters of a Llama-family model, read from GGUF metadata
// ({arch}.embedding_length, .block_count, .attention.*, .rope.*, ...).
// Only reads and validates metadata; never touches tensor data.
#pragma once

#include <cstdint>
#include <string>

#include "engine/gguf/gguf.h"
#include "util/result.h"

namespace pg {

// How RoPE pairs dimensions: Normal rotates adjacent pairs (x[2i], x[2i+1]),
// as Llama/Mistral GGUFs expect; NeoX rotates (x[i], x[i + n_rot/2]) (Qwen2).
enum class RopeStyle { Normal, NeoX };

struct ModelConfig {
  std::string architecture;  // general.architecture, e.g. "llama", "qwen2"
  std::string name;          // general.name (may be empty)
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_ff = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;      // per-head size of Q/K/V
  int64_t n_rot = 0;         // rotated dimensions per head
  int64_t n_ctx_train = 0;   // context length the model was trained with
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  RopeStyle rope_style = RopeStyle::Normal;

  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
  int64_t n_embd_q() const { return n_head * head_dim; }
};

// Reads and checks the hyper-parameters; n_vocab comes from the token
// embedding, which the caller passes after looking it up.
Result<ModelConfig> read_model_config(const gguf::GgufFile& file, int64_t n_vocab);

// Architectures whose forward pass this engine implements.
bool is_supported_architecture(const std::string& arch);

}  // namespace pg
