// A loaded BERT-family sentence-embedding model (GGUF architectures "bert":
// all-MiniLM, bge-small/base; "nomic-bert": nomic-embed-text): its mmapped
// GGUF file, hyper-parameters, tokenizer and weight views that point into the
// file, and the batched embedding entry point. Immutable after load, so any
// number of threads may call embed() at once (each with its own pool). Never
// holds per-request state.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "util/result.h"

namespace pg {

// One encoder block. bert: separate Q/K/V with biases, GELU feed-forward
// (ffn_up → GELU → ffn_down). nomic-bert: fused QKV (rows Q, then K, then V),
// SwiGLU feed-forward (silu(ffn_gate) * ffn_up → ffn_down). Both post-LayerNorm.
// A bias vector is empty when the file has none.
struct BertLayerWeights {
  kernels::WeightMatrix wq, wk, wv;  // separate projections (rows == 0 when fused)
  kernels::WeightMatrix wqkv;        // fused projection (rows == 0 when separate)
  std::vector<float> bq, bk, bv, bqkv;
  kernels::WeightMatrix wo;
  std::vector<float> bo;
  std::vector<float> attn_out_norm, attn_out_norm_b;
  kernels::WeightMatrix ffn_up, ffn_gate, ffn_down;  // ffn_gate.rows == 0: GELU feed-forward
  std::vector<float> ffn_up_b, ffn_down_b;
  std::vector<float> out_norm, out_norm_b;
};

class BertModel {
 public:
  static Result<std::unique_ptr<BertModel>> load(const std::string& path);
  // Builds a model from an already opened file (takes ownership).
  static Result<std::unique_ptr<BertModel>> from_file(std::unique_ptr<gguf::GgufFile> file);
  // "bert" and "nomic-bert" (general.architecture).
  static bool is_encoder_architecture(std::string_view general_architecture) {
    return pg::is_encoder_architecture(general_architecture);
  }

  const BertConfig& config() const { return config_; }
  const gguf::GgufFile& file() const { return *file_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const std::string& architecture() const { return config_.architecture; }
  int n_embd() const { return static_cast<int>(config_.n_embd); }
  int n_ctx() const { return static_cast<int>(config_.n_ctx_train); }
  PoolingType pooling() const { return config_.pooling; }
  uint64_t parameter_count() const;
  uint64_t weight_bytes() const;

  // Text → ids with the tokenizer's specials (CLS ... SEP for WordPiece);
  // special-token texts in `text` are taken literally. Longer than n_ctx: cut
  // to n_ctx tokens, keeping the final SEP when the tokenizer added one.
  // (Task prefixes such as nomic's "search_query: " are the caller's.)
  std::vector<TokenId> tokenize(std::string_view text) const;

  // One L2-normalized vector of n_embd values per input, pooled as the file
  // says (pooling()): mean over every token (CLS and SEP included, as
  // llama.cpp and sentence-transformers), the first token (CLS) or the last.
  // All inputs run through one forward pass per group of up to
  // max_batch_tokens tokens (matrix-matrix products); each input attends only
  // to itself, so a vector does not depend on the batch it was in beyond
  // rounding of the kernels (the same path gives the same bits either way).
  // Errors: no inputs, an empty input, an input longer than n_ctx, an id
  // outside the vocabulary, pooling type none.
  Result<std::vector<std::vector<float>>> embed(std::span<const std::vector<TokenId>> inputs, ThreadPool& pool) const;

  struct EmbedOptions {
    std::optional<PoolingType> pooling;  // nullopt: the file's
    // Kernel family of the matrix products; nullopt (or one this CPU lacks): the best.
    std::optional<kernels::KernelPath> kernel_path;
    int64_t max_batch_tokens = 8192;     // tokens per forward pass (an input is never split)
  };
  Result<std::vector<std::vector<float>>> embed(std::span<const std::vector<TokenId>> inputs, ThreadPool& pool,
                                                const EmbedOptions& options) const;

  // Checks one input: not empty, at most n_ctx tokens, ids inside the vocabulary.
  // `index` names it in the message.
  Status check_input(std::span<const TokenId> tokens, size_t index) const;

  const kernels::WeightMatrix& token_embedding() const { return token_embd_; }
  const kernels::WeightMatrix& position_embedding() const { return position_embd_; }  // rows == 0 for nomic-bert
  // Row 0 of token_types.weight (every token is "sentence A"); zeros when the file has none.
  const std::vector<float>& token_type_row() const { return token_type0_; }
  const std::vector<float>& embd_norm() const { return embd_norm_; }
  const std::vector<float>& embd_norm_b() const { return embd_norm_b_; }
  const BertLayerWeights& layer(int64_t i) const { return layers_[static_cast<size_t>(i)]; }

 private:
  BertModel() = default;

  std::unique_ptr<gguf::GgufFile> file_;
  BertConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  kernels::WeightMatrix token_embd_, position_embd_;
  std::vector<float> token_type0_, embd_norm_, embd_norm_b_;
  std::vector<BertLayerWeights> layers_;
};

}  // namespace pg
