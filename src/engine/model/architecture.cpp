// Per-architecture features, read as llama.cpp's load_arch_hparams reads them
// (src/models/<arch>.cpp there): the keys, their defaults, the sliding-window
// layer pattern and each layer's RoPE. See architecture.h.
#include "engine/model/architecture.h"

#include <cmath>

#include "engine/model/transformer_metadata.h"

namespace pg {
namespace {

struct Reader {
  const gguf::GgufFile& f;
  std::string prefix;

  Result<float> number(const std::string& key, float fallback) const {
    auto v = f.get_float(prefix + key);
    if (!v) {
      if (f.find(prefix + key)) return Error{"metadata '" + prefix + key + "' must be a number"};
      return fallback;
    }
    if (!std::isfinite(*v)) return Error{"metadata '" + prefix + key + "' must be finite"};
    return static_cast<float>(*v);
  }
};

// Sliding-window attention as llama.cpp's set_swa_pattern(period): layer il
// slides when il % period < period - 1 (period 0: every layer). A pattern key
// that is an array (OLMo 3's converter writes booleans) is not read by
// llama.cpp's scalar lookup, so the default period stays.
Status read_sliding_window(const Reader& r, ModelConfig& c, int64_t window, int64_t default_period) {
  if (window <= 0) return Status::error("attention.sliding_window must be positive");
  int64_t period = default_period;
  if (auto v = r.f.get_int(r.prefix + "attention.sliding_window_pattern")) {
    if (*v < 0 || *v > c.n_layer) return Status::error("attention.sliding_window_pattern is out of range");
    period = *v;
  }
  c.sliding_window = window;
  for (int64_t il = 0; il < c.n_layer; ++il)
    c.layer_sliding[static_cast<size_t>(il)] = period == 0 || il % period < period - 1;
  return Status::ok();
}

// The window when the key is present and positive, else 0.
Result<int64_t> optional_window(const Reader& r) {
  const std::string key = r.prefix + "attention.sliding_window";
  if (!r.f.find(key)) return int64_t{0};
  auto w = required_metadata_int(r.f, key, 0, int64_t{1} << 24);
  if (!w) return w.status();
  return *w;
}

// Gemma scales queries by 1/sqrt(head size), except the 27B models
// (46 layers for Gemma 2, 62 for Gemma 3), which use 1/sqrt(n_embd / n_head).
float gemma_query_scale(const ModelConfig& c, int64_t layers_27b) {
  if (c.n_layer == layers_27b) return 1.0f / std::sqrt(static_cast<float>(c.n_embd / c.n_head));
  return 1.0f / std::sqrt(static_cast<float>(c.head_dim));
}

Status read_gemma2(const Reader& r, ModelConfig& c) {
  c.rope_style = RopeStyle::NeoX;
  c.ffn_activation = FfnActivation::GeluTanh;
  c.post_norms = true;
  c.embedding_scale = std::sqrt(static_cast<float>(c.n_embd));
  auto window = optional_window(r);
  if (!window) return window.status();
  if (Status s = read_sliding_window(r, c, r.f.find(r.prefix + "attention.sliding_window") ? *window : 4096, 2); !s)
    return s;
  auto base_swa = r.number("rope.freq_base_swa", c.rope_freq_base);
  auto attn_cap = r.number("attn_logit_softcapping", 50.0f);
  auto final_cap = r.number("final_logit_softcapping", 30.0f);
  for (const Status& s : {base_swa.status(), attn_cap.status(), final_cap.status()})
    if (!s) return s;
  if (!(*attn_cap > 0.0f) || !(*final_cap > 0.0f)) return Status::error("gemma2 soft-capping values must be positive");
  c.attn_softcap = *attn_cap;
  c.final_softcap = *final_cap;
  c.query_scale = gemma_query_scale(c, 46);
  c.kq_scale = 1.0f;
  for (int64_t il = 0; il < c.n_layer; ++il)
    if (c.is_sliding(il)) c.layer_rope[static_cast<size_t>(il)].freq_base = *base_swa;
  return Status::ok();
}

Status read_gemma3(const Reader& r, ModelConfig& c) {
  c.rope_style = RopeStyle::NeoX;
  c.ffn_activation = FfnActivation::GeluTanh;
  c.post_norms = true;
  c.qk_norm = QkNorm::PerHead;
  c.embedding_scale = std::sqrt(static_cast<float>(c.n_embd));
  auto window = optional_window(r);
  if (!window) return window.status();
  if (*window > 0) {
    if (Status s = read_sliding_window(r, c, *window, 6); !s) return s;
    // Local layers: their own base (llama.cpp's default 10000) and no scaling.
    auto base_swa = r.number("rope.freq_base_swa", 10000.0f);
    if (!base_swa) return base_swa.status();
    for (int64_t il = 0; il < c.n_layer; ++il) {
      if (!c.is_sliding(il)) continue;
      LayerRope& rope = c.layer_rope[static_cast<size_t>(il)];
      rope.freq_base = *base_swa;
      rope.freq_scale = 1.0f;
    }
  }
  auto final_cap = r.number("final_logit_softcapping", 0.0f);
  if (!final_cap) return final_cap.status();
  if (*final_cap < 0.0f) return Status::error("final_logit_softcapping must not be negative");
  c.final_softcap = *final_cap;
  c.query_scale = gemma_query_scale(c, 62);
  c.kq_scale = 1.0f;
  return Status::ok();
}

Status read_olmo2(const Reader& r, ModelConfig& c) {
  c.rope_style = RopeStyle::NeoX;
  c.pre_norms = false;
  c.post_norms = true;
  c.qk_norm = QkNorm::FullWidth;
  auto window = optional_window(r);
  if (!window) return window.status();
  if (*window > 0) {
    if (Status s = read_sliding_window(r, c, *window, 4); !s) return s;
    // OLMo 3's local layers rotate with the plain base: no scaling, no YaRN.
    for (int64_t il = 0; il < c.n_layer; ++il)
      if (c.is_sliding(il)) c.layer_rope[static_cast<size_t>(il)] = LayerRope{c.rope_freq_base, 1.0f, 0.0f, 1.0f};
  }
  return Status::ok();
}

Status read_mistral3(const Reader& r, ModelConfig& c) {
  auto temp = r.number("attention.temperature_scale", 0.0f);
  if (!temp) return temp.status();
  c.attn_temp_scale = *temp;
  if (c.attn_temp_scale != 0.0f) {
    if (c.n_ctx_orig <= 0) return Status::error("attention temperature needs rope.scaling.original_context_length");
    c.attn_temp_length = c.n_ctx_orig;
  }
  return Status::ok();
}

Status read_granite(const Reader& r, ModelConfig& c) {
  if (!r.f.find(r.prefix + "logit_scale")) return Status::error("missing metadata '" + r.prefix + "logit_scale'");
  auto logit = r.number("logit_scale", 0.0f);
  auto residual = r.number("residual_scale", 0.0f);
  auto embedding = r.number("embedding_scale", 0.0f);
  auto attention = r.number("attention.scale", 0.0f);
  for (const Status& s : {logit.status(), residual.status(), embedding.status(), attention.status()})
    if (!s) return s;
  if (*logit == 0.0f) return Status::error("granite logit_scale must not be zero");
  c.logit_scale = *logit;
  c.residual_scale = *residual;
  c.embedding_scale = *embedding;
  if (*attention != 0.0f) c.kq_scale = *attention;
  return Status::ok();
}

// gpt-oss (llama.cpp's "openai-moe"): NeoX RoPE over the whole head, queries
// scaled by 1/sqrt(n_rot), attention sinks, the sliding window on every other
// layer (period 2 unless a pattern key says otherwise; local layers rotate as
// the global ones unless rope.freq_base_swa is given), the pre-FFN norm stored
// as post_attention_norm, and experts gated by a softmax over the chosen
// logits with the clamped SwiGLU.
Status read_gpt_oss(const Reader& r, ModelConfig& c) {
  c.rope_style = RopeStyle::NeoX;
  c.kq_scale = 1.0f / std::sqrt(static_cast<float>(c.n_rot));
  c.attention_sinks = true;
  c.ffn_norm_tensor = "post_attention_norm";
  c.ffn_activation = FfnActivation::SwigluClamped;
  c.expert_gating = ExpertGating::SoftmaxOfChosen;
  c.expert_weights_norm = false;
  auto window = required_metadata_int(r.f, r.prefix + "attention.sliding_window", 1, int64_t{1} << 24);
  if (!window) return window.status();
  if (Status s = read_sliding_window(r, c, *window, 2); !s) return s;
  auto base_swa = r.number("rope.freq_base_swa", c.rope_freq_base);
  if (!base_swa) return base_swa.status();
  if (!(*base_swa > 0.0f)) return Status::error("rope.freq_base_swa must be positive");
  for (int64_t il = 0; il < c.n_layer; ++il)
    if (c.is_sliding(il)) c.layer_rope[static_cast<size_t>(il)].freq_base = *base_swa;
  return Status::ok();
}

// The architectures that are mixture-of-experts by definition refuse a file
// without experts, as llama.cpp does.
Status require_experts(const ModelConfig& c) {
  if (c.n_expert > 0) return Status::ok();
  return Status::error(c.architecture + " needs expert_count > 0 (a mixture-of-experts architecture)");
}

}  // namespace

Status read_architecture_features(const gguf::GgufFile& f, ModelConfig& c) {
  const Reader r{f, c.architecture + "."};
  c.layer_sliding.assign(static_cast<size_t>(c.n_layer), 0);
  c.layer_rope.assign(static_cast<size_t>(c.n_layer),
                      LayerRope{c.rope_freq_base, c.rope_freq_scale, c.rope_ext_factor, c.rope_attn_factor});
  const std::string& a = c.architecture;
  // Mixtral (llama with experts) and Qwen 3 MoE: softmax over all experts,
  // top k, the k weights renormalized.
  c.expert_weights_norm = c.n_expert > 0;
  if (a == "llama" || a == "mistral") return Status::ok();
  if (a == "qwen2") {
    c.rope_style = RopeStyle::NeoX;
    return Status::ok();
  }
  if (a == "qwen3" || a == "qwen3moe") {
    c.rope_style = RopeStyle::NeoX;
    c.qk_norm = QkNorm::PerHead;
    return a == "qwen3moe" ? require_experts(c) : Status::ok();
  }
  if (a == "gpt-oss") {
    if (Status s = require_experts(c); !s) return s;
    return read_gpt_oss(r, c);
  }
  if (a == "phi3") {
    // llama.cpp keeps Phi-3's sliding_window key but disables it (full attention).
    c.rope_style = RopeStyle::NeoX;
    c.query_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
    c.kq_scale = 1.0f;
    return Status::ok();
  }
  if (a == "gemma2") return read_gemma2(r, c);
  if (a == "gemma3") return read_gemma3(r, c);
  if (a == "olmo2") return read_olmo2(r, c);
  if (a == "mistral3") return read_mistral3(r, c);
  if (a == "granite") return read_granite(r, c);
  return Status::error("unsupported architecture '" + a + "' (supported: " + supported_architecture_list() + ")");
}

}  // namespace pg
