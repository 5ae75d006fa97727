// Hyper-parameters of a BERT-family encoder (GGUF architectures "bert" and
// "nomic-bert"), read from GGUF metadata with range checks: sizes, LayerNorm
// epsilon, pooling type, RoPE base (nomic-bert). Only reads and validates
// metadata; never touches tensor data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/gguf/gguf.h"
#include "util/result.h"

namespace pg {

// How the per-token hidden states become one sentence vector
// ({arch}.pooling_type, llama.cpp's values). None keeps one vector per token,
// which a sentence embedding cannot use; Rank (4, rerankers) is not supported.
enum class PoolingType : int32_t { None = 0, Mean = 1, Cls = 2, Last = 3 };
std::string_view pooling_type_name(PoolingType type);  // "none", "mean", "cls", "last"

// Encoder architectures whose forward pass this engine implements.
bool is_encoder_architecture(std::string_view general_architecture);

struct BertConfig {
  std::string architecture;  // "bert" or "nomic-bert"
  std::string name;          // general.name (may be empty)
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_ff = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ctx_train = 0;    // {arch}.context_length: the longest input
  int64_t n_token_types = 0;  // tokenizer.ggml.token_type_count (0: not given)
  float norm_eps = 1e-12f;    // {arch}.attention.layer_norm_epsilon
  float rope_freq_base = 10000.0f;  // nomic-bert only
  PoolingType pooling = PoolingType::Mean;
  bool pooling_from_file = false;   // false: the key was absent and Mean is assumed

  // nomic-bert: fused QKV, rotary positions, SwiGLU; bert: absolute positions, GELU.
  bool rotary() const { return architecture == "nomic-bert"; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
};

// Reads and checks the hyper-parameters; n_vocab comes from the token
// embedding, which the caller passes after looking it up.
Result<BertConfig> read_bert_config(const gguf::GgufFile& file, int64_t n_vocab);

}  // namespace pg
