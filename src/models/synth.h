// Deterministic random-weight decoder models with the shape of real ones
// (TinyLlama, Llama 7B, Mistral 7B, Llama 3 8B, Qwen2/Qwen3, Gemma 2/3,
// Phi-3, Mistral Small 3, OLMo 2, Granite 3, the mixture-of-experts Mixtral,
// Qwen3-MoE and gpt-oss, or custom dims), written as
// llama.cpp's converter writes the real files (tensor names, dims, F32 norms,
// the metadata keys llama.cpp reads), so benchmarks and tests need no
// download. Weights come from an explicit generator (splitmix64, seeded per
// tensor row) so the bytes depend only on the options, never on the platform
// or thread count. Tensors are streamed to disk, so a 24B-shape file needs no
// more memory than a few rows. Never leaves a partial file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/gguf_stream_writer.h"
#include "models/synth_weights.h"
#include "util/result.h"

namespace pg {

struct SynthShape {
  std::string name;            // "tinyllama-1.1b", or "custom"
  std::string arch = "llama";  // general.architecture (synth_architectures())
  int64_t dim = 0, layers = 0, heads = 0, kv_heads = 0, ffn = 0, vocab = 0, ctx = 0;
  int64_t head_dim = 0;        // 0: dim / heads; else the config's head_dim (key_length/value_length keys)
  bool qkv_bias = false;       // attn_q/k/v biases (qwen2)
  bool tied_embeddings = false;  // no output.weight: the embedding is reused
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
  int64_t sliding_window = 0;  // attention.sliding_window; 0: not written (phi3 writes 0)
  float attn_softcap = 0;      // attn_logit_softcapping (gemma2); 0: not written
  float final_softcap = 0;     // final_logit_softcapping (gemma2/3); 0: not written
  std::string rope_scaling = {};  // "", "linear" or "yarn" (rope.scaling.type)
  float rope_scale = 0;        // rope.scaling.factor with rope_scaling
  float yarn_beta_fast = 0, yarn_beta_slow = 0;  // rope.scaling.yarn_beta_fast/slow (yarn); 0: not written
  int64_t rope_orig_ctx = 0;   // rope.scaling.original_context_length; 0: not written (phi3 needs it)
  // Granite's multipliers (embedding_scale, residual_scale, attention.scale, logit_scale); 0: not written.
  float embedding_scale = 0, residual_scale = 0, attention_scale = 0, logit_scale = 0;
  // Mixture of experts (synth_moe.h): routed experts replace the dense FFN when experts > 0.
  int64_t experts = 0;         // expert_count
  int64_t experts_used = 0;    // expert_used_count (top-k per token)
  int64_t expert_ffn = 0;      // each expert's width (expert_feed_forward_length); 0: ffn (Mixtral)
};

// What each architecture's tensors look like and which of the shape's keys its
// converter writes: a function of general.architecture alone.
enum class SynthQkNorm {
  None,
  PerHead,    // attn_q_norm / attn_k_norm [head_dim], shared by the heads (qwen3, gemma3)
  FullWidth,  // attn_q_norm [heads * head_dim], attn_k_norm [kv_heads * head_dim] (olmo2)
};
enum class MoeSupport {
  None,      // a dense FFN only
  Optional,  // dense, or routed experts when the shape has them (llama: Mixtral)
  Required,  // routed experts only (qwen3moe, gpt-oss)
};
enum class OutputTying {
  Either,       // output.weight when the shape is untied
  AlwaysTied,   // llama.cpp never reads output.weight (gemma2)
  NeverTied,    // llama.cpp requires output.weight (olmo2)
};
struct SynthArchLayout {
  bool pre_norms = true;       // attn_norm / ffn_norm before each sublayer (olmo2: none)
  bool post_norms = false;     // post_attention_norm / post_ffw_norm after it (gemma2/3, olmo2)
  SynthQkNorm qk_norm = SynthQkNorm::None;
  bool fused_qkv = false;      // one attn_qkv [dim, q + 2 kv] (rows q, k, v) instead of attn_q/k/v (phi3)
  bool fused_gate_up = false;  // ffn_up [dim, 2 ffn] (gate rows, then up rows), no ffn_gate (phi3)
  bool free_head_dim = false;  // head_dim may differ from dim / heads (q width != dim)
  bool may_have_qkv_bias = false;
  OutputTying tying = OutputTying::Either;
  // Keys the converter writes besides the common ones.
  bool rope_dimension_count = false;  // {arch}.rope.dimension_count
  bool rope_freq_base = true;         // {arch}.rope.freq_base (gemma2: never; llama.cpp's default 10000)
  bool head_dim_keys = false;         // attention.key_length / value_length
  bool vocab_size_key = false;        // {arch}.vocab_size (llama-derived converters)
  // Optional features the arch's llama.cpp loader reads (a shape may set them only then).
  bool reads_sliding_window = false;  // attention.sliding_window
  bool reads_attn_softcap = false;    // attn_logit_softcapping
  bool reads_final_softcap = false;   // final_logit_softcapping
  bool reads_granite_scales = false;  // embedding_scale, residual_scale, attention.scale; logit_scale required
  bool reads_yarn = false;            // rope.scaling.type yarn (+ original context, beta keys)
  bool requires_sliding_window = false;  // the loader reads attention.sliding_window unconditionally (gpt-oss)
  // Mixture of experts.
  MoeSupport moe = MoeSupport::None;
  bool expert_ffn_key = false;        // {arch}.expert_feed_forward_length (qwen3moe, gpt-oss)
  bool gpt_oss_extras = false;        // attn_output.bias, attn_sinks, router and expert biases, and the
                                      // pre-FFN norm written as post_attention_norm (gpt-oss)
};

// The architectures synth writes, in a stable order, and their layouts.
const std::vector<std::string>& synth_architectures();
std::optional<SynthArchLayout> synth_arch_layout(const std::string& arch);

// The built-in shapes, in a stable order.
const std::vector<SynthShape>& synth_shapes();
std::optional<SynthShape> find_synth_shape(const std::string& name);
// One line for listings: arch, dims, heads, context and the family's extras.
std::string synth_shape_summary(const SynthShape& shape);
// Checks dims (in range, an even head size, kv_heads dividing heads, heads
// dividing dim unless the arch has a head_dim of its own) and that the arch
// reads every feature the shape sets, in the way llama.cpp would load it.
Status validate_synth_shape(const SynthShape& shape);

// The tensors of a shape (llama.cpp names, GGML dims, all F32 before typing).
std::vector<StreamTensorSpec> synth_tensor_specs(const SynthShape& shape);
uint64_t synth_parameter_count(const SynthShape& shape);
// The parameters one token reads: everything but the token embedding (one row
// of it instead) and the experts (experts_used of experts instead). Equals
// synth_parameter_count minus the unread embedding rows for a dense shape.
uint64_t synth_active_parameter_count(const SynthShape& shape);

struct SynthOptions : SynthFileOptions {
  SynthShape shape;
};

Result<SynthReport> synthesize_model(const std::string& out_path, const SynthOptions& options);

}  // namespace pg
