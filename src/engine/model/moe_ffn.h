// The mixture-of-experts feed-forward of one layer (Mixtral, Qwen 3 MoE,
// gpt-oss): the router picks n_expert_used experts per token and weights
// them as the family defines (engine/model/model_config.h ExpertGating), each
// chosen expert runs its gated FFN, and the weighted outputs are summed in the
// order of the choice, as llama.cpp's build_moe_ffn computes it. A batch is
// grouped by expert so each expert's weights are read once per batch; a single
// token reads only its chosen experts. Never touches the KV cache or the
// residual stream (the caller adds the result).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/model/llama_model.h"
#include "engine/model/model_config.h"

namespace pg {

struct ExpertChoice {
  int32_t expert = 0;
  float weight = 0.0f;
};

// Picks a token's experts from its router logits (n_expert values, bias
// already added; used as scratch): out[0..n_expert_used) in llama.cpp's order,
// the highest selection value first (ties: the lower expert id first).
void route_token(const ModelConfig& c, float* logits, ExpertChoice* out);

// y = W·x for n_tokens rows of x (the session's matmul on its pool and path).
using MatmulFn = std::function<void(const kernels::WeightMatrix& w, const float* x, int64_t n_tokens, float* y)>;
// Several such products in one pass (kernels::matmul_many_with_path).
using MatmulManyFn = std::function<void(std::span<const kernels::MatmulJob> jobs)>;

class MoeFeedForward {
 public:
  // y[t] (n_embd values) = Σ_k weight_k · expert_k(x[t]) for the T tokens of x.
  // The gate and up products of all chosen experts go through one matmul_many
  // pass, then their down products through another.
  void forward(const ModelConfig& c, const LayerWeights& w, const float* x, int64_t T, float* y,
               const MatmulFn& matmul, const MatmulManyFn& matmul_many);

 private:
  std::vector<float> router_logits_, in_, gate_, up_, out_, weighted_;
  std::vector<ExpertChoice> choices_;
  std::vector<int64_t> members_;  // per expert in turn: the (token, slot) items routed to it
  std::vector<int64_t> member_count_;
  std::vector<kernels::MatmulJob> jobs_;
};

}  // namespace pg
