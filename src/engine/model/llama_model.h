// A loaded decoder model (Llama, Mistral, Qwen 2/3, Gemma 2/3, Phi-3, OLMo 2,
// Granite, and the mixture-of-experts Mixtral, Qwen 3 MoE and gpt-oss;
// engine/model/architecture.h): its GGUF file (mmapped),
// hyper-parameters, tokenizer and weight views that point into the file. Immutable after load, so
// any number of inference sessions can share it. Never holds per-sequence state
// (that is InferenceSession's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/kernels.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "util/result.h"

namespace pg {

// One expert of a mixture-of-experts layer: views of its rows in the merged
// 3-D expert tensors (or its own tensors in old Mixtral files).
struct ExpertWeights {
  kernels::WeightMatrix gate, up, down;
};

// One block's weights. Optional vectors are empty when the file has none.
// Fused tensors (Phi-3's attn_qkv and gate+up ffn_up) are split into views of
// their row ranges, so every architecture has separate wq/wk/wv and w_gate/w_up.
struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;            // empty without pre-norms (OLMo 2)
  std::vector<float> attn_q_norm, attn_k_norm;       // Q/K norm weights (head_dim or full width)
  std::vector<float> post_attn_norm, post_ffn_norm;  // Gemma 2/3, OLMo 2
  kernels::WeightMatrix wq, wk, wv, wo;
  std::vector<float> bq, bk, bv, bo;
  kernels::WeightMatrix w_gate, w_up, w_down;
  std::vector<float> b_gate, b_up, b_down;
  // Mixture of experts (config().is_moe()): the router, its bias and the experts.
  std::vector<float> attn_sinks;  // one logit per head (gpt-oss)
  kernels::WeightMatrix router;
  std::vector<float> router_bias;
  std::vector<ExpertWeights> experts;
  // Expert biases (gpt-oss), expert e's at [e × width, (e + 1) × width); empty when none.
  std::vector<float> experts_b_gate, experts_b_up, experts_b_down;
};

class LlamaModel {
 public:
  static Result<std::unique_ptr<LlamaModel>> load(const std::string& path);
  // Builds a model from an already opened file (takes ownership).
  static Result<std::unique_ptr<LlamaModel>> from_file(std::unique_ptr<gguf::GgufFile> file);

  const ModelConfig& config() const { return config_; }
  const gguf::GgufFile& file() const { return *file_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  const kernels::WeightMatrix& token_embedding() const { return token_embd_; }
  const kernels::WeightMatrix& output() const { return output_; }  // the embedding when tied
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<float>& rope_freq_factors() const { return rope_freqs_; }  // empty if none
  // The RoPE frequency factors for a context of n_ctx positions: rope_freqs
  // (Llama 3.1), else LongRoPE's long factors beyond the original context and
  // its short ones within it (as llama.cpp chooses), else empty.
  const std::vector<float>& rope_factors_for(int64_t n_ctx) const;
  // What loading noticed but did not refuse (e.g. vision tensors left unused).
  const std::vector<std::string>& notices() const { return notices_; }
  const LayerWeights& layer(int64_t i) const { return layers_[static_cast<size_t>(i)]; }
  uint64_t parameter_count() const;
  uint64_t weight_bytes() const;
  // Weight bytes one generated token reads (active_weight_bytes below).
  uint64_t active_weight_bytes() const;

 private:
  LlamaModel() = default;

  std::unique_ptr<gguf::GgufFile> file_;
  ModelConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  kernels::WeightMatrix token_embd_, output_;
  std::vector<float> output_norm_, rope_freqs_, rope_long_, rope_short_;
  std::vector<std::string> notices_;
  std::vector<LayerWeights> layers_;
};

// The weight bytes a generated token reads from a decoder file: every tensor,
// except that a mixture-of-experts layer's expert tensors count n_expert_used
// of n_expert experts, and the token embedding counts one row unless it is
// also the output (tied). The memory-bandwidth bound of generation speed is
// (bandwidth / these bytes) tokens per second.
uint64_t active_weight_bytes(const gguf::GgufFile& f, const ModelConfig& c);

}  // namespace pg
