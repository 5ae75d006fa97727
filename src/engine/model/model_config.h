// Hyper-parameters of a decoder-only transformer read from GGUF metadata
// ({arch}.embedding_length, .block_count, .attention.*, .rope.*, ...), for
// every architecture the forward pass implements (engine/model/architecture.h
// says which features each one switches on). Values follow what llama.cpp
// reads for the same architecture, so the same file computes the same thing.
// Only reads and validates metadata; never touches tensor data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "util/result.h"

namespace pg {

// How RoPE pairs dimensions: Normal rotates adjacent pairs (x[2i], x[2i+1]),
// as Llama/Mistral GGUFs expect; NeoX rotates (x[i], x[i + n_rot/2]) (Qwen, Gemma, Phi-3).
enum class RopeStyle { Normal, NeoX };

// The feed-forward gate's activation: SwiGLU (silu), GeGLU (tanh-GELU, Gemma),
// or gpt-oss's clamped SwiGLU: x = min(gate, 7), y = clamp(up, -7, 7),
// x·σ(1.702x)·(y + 1).
enum class FfnActivation { Silu, GeluTanh, SwigluClamped };

// How a mixture-of-experts router turns its logits into expert weights:
// Softmax over all experts, then the top k of those probabilities (Mixtral,
// Qwen 3 MoE); SoftmaxOfChosen takes the top k logits and a softmax over just
// those k (gpt-oss); Sigmoid of each logit, then the top k.
enum class ExpertGating { Softmax, SoftmaxOfChosen, Sigmoid };

// Normalization of the queries and keys before RoPE: none, per head over
// head_dim values (Qwen 3, Gemma 3), or over the full projection width (OLMo 2).
enum class QkNorm { None, PerHead, FullWidth };

enum class RopeScalingType { None, Linear, Yarn, LongRope };

// How one layer rotates: the inputs of GGML's rope_yarn for that layer.
struct LayerRope {
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;   // 1 / scaling factor
  float ext_factor = 0.0f;   // 1 with YaRN: mixes interpolated and extrapolated angles
  float attn_factor = 1.0f;  // multiplies cos and sin (YaRN / LongRoPE magnitude)
};

struct ModelConfig {
  std::string architecture;  // general.architecture, e.g. "llama", "qwen3", "gemma3"
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
  float rope_freq_scale = 1.0f;  // 1 / scaling factor (linear, YaRN)
  RopeStyle rope_style = RopeStyle::Normal;

  // RoPE scaling beyond a plain linear factor.
  RopeScalingType rope_scaling = RopeScalingType::None;
  int64_t n_ctx_orig = 0;         // rope.scaling.original_context_length (YaRN ramp, LongRoPE switch)
  float yarn_beta_fast = 32.0f, yarn_beta_slow = 1.0f;
  float rope_ext_factor = 0.0f;   // 1 for YaRN
  float rope_attn_factor = 1.0f;  // what multiplies cos/sin, as llama.cpp's context computes it

  // Block structure.
  FfnActivation ffn_activation = FfnActivation::Silu;
  QkNorm qk_norm = QkNorm::None;
  bool pre_norms = true;     // attn_norm before attention, ffn_norm before the FFN (not OLMo 2)
  bool post_norms = false;   // post_attention_norm and post_ffw_norm on each branch's output

  // Scales (0 = not applied).
  float embedding_scale = 0.0f;  // embeddings × this (Gemma: sqrt(n_embd); Granite)
  float residual_scale = 0.0f;   // each branch's output × this before the residual add (Granite)
  float logit_scale = 0.0f;      // logits ÷ this (Granite)
  float final_softcap = 0.0f;    // logits = cap·tanh(logits/cap) (Gemma 2)
  float attn_softcap = 0.0f;     // scores = cap·tanh(scores/cap) (Gemma 2)
  // Queries are multiplied by query_scale before the scores are taken (Gemma,
  // Phi-3), and the scores by kq_scale inside the softmax (the others).
  float query_scale = 1.0f;
  float kq_scale = 1.0f;
  // Llama-4-style attention temperature (Mistral 3): queries at position p are
  // multiplied by 1 + attn_temp_scale·ln(1 + floor(p / attn_temp_length)).
  float attn_temp_scale = 0.0f;
  int64_t attn_temp_length = 0;

  // Sliding-window attention: a sliding layer's token attends to the
  // sliding_window most recent positions (itself included).
  int64_t sliding_window = 0;
  std::vector<uint8_t> layer_sliding;  // n_layer flags
  std::vector<LayerRope> layer_rope;   // n_layer entries

  // Mixture of experts (n_expert 0: a dense feed-forward of n_ff). Each
  // token's FFN is the weighted sum of n_expert_used of n_expert experts of
  // width n_ff_expert, chosen by the router (ffn_gate_inp).
  int64_t n_expert = 0;
  int64_t n_expert_used = 0;
  int64_t n_ff_expert = 0;
  ExpertGating expert_gating = ExpertGating::Softmax;
  bool expert_weights_norm = false;  // the k weights divided by their sum (clamped below at 2^-14)
  float expert_weights_scale = 0.0f;  // the k weights × this (0 = not applied)
  // gpt-oss: one learned logit per head joins every attention softmax (attn_sinks).
  bool attention_sinks = false;
  // The tensor that holds the pre-FFN norm: "ffn_norm" (most) or
  // "post_attention_norm" (gpt-oss, which names it after the attention).
  std::string ffn_norm_tensor = "ffn_norm";

  bool is_moe() const { return n_expert > 0; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
  int64_t n_embd_q() const { return n_head * head_dim; }
  bool is_sliding(int64_t layer) const {
    return sliding_window > 0 && layer_sliding[static_cast<size_t>(layer)] != 0;
  }
  bool has_sliding_layers() const;
};

// KV cache rows a session keeps for one layer: the context on full-attention
// layers; on sliding ones the window plus one batch (the ring that keeps a
// batch's first token's window intact while the batch is stored).
int64_t kv_cache_rows(const ModelConfig& c, int64_t layer, int64_t n_ctx, int64_t max_batch);

// Reads and checks the hyper-parameters; n_vocab comes from the token
// embedding, which the caller passes after looking it up.
Result<ModelConfig> read_model_config(const gguf::GgufFile& file, int64_t n_vocab);

// Architectures whose forward pass this engine implements, and the same as
// one comma-separated list for messages.
bool is_supported_architecture(const std::string& arch);
const std::vector<std::string>& supported_architectures();
std::string supported_architecture_list();

}  // namespace pg
