// Reads decoder hyper-parameters from GGUF metadata with range checks: the
// sizes and RoPE keys every architecture shares, then (architecture.cpp) what
// each architecture adds. RoPE scaling is resolved as llama.cpp's context does
// it (frequency scale, YaRN's ext/attn factors, LongRoPE's attn_factor).
#include "engine/model/model_config.h"

#include <algorithm>
#include <cmath>

#include "engine/model/architecture.h"
#include "engine/model/transformer_metadata.h"

namespace pg {

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> kArchs = {"llama", "mistral", "mistral3", "qwen2",  "qwen3",
                                                  "gemma2", "gemma3", "phi3",    "olmo2", "granite",
                                                  "qwen3moe", "gpt-oss"};
  return kArchs;
}

bool is_supported_architecture(const std::string& arch) {
  const auto& a = supported_architectures();
  return std::find(a.begin(), a.end(), arch) != a.end();
}

std::string supported_architecture_list() {
  std::string out;
  for (const std::string& a : supported_architectures()) out += (out.empty() ? "" : ", ") + a;
  return out;
}

bool ModelConfig::has_sliding_layers() const {
  if (sliding_window <= 0) return false;
  return std::any_of(layer_sliding.begin(), layer_sliding.end(), [](uint8_t s) { return s != 0; });
}

int64_t kv_cache_rows(const ModelConfig& c, int64_t layer, int64_t n_ctx, int64_t max_batch) {
  return c.is_sliding(layer) ? std::min(n_ctx, c.sliding_window + max_batch) : n_ctx;
}

namespace {

Status read_head_sizes(const gguf::GgufFile& f, const std::string& p, ModelConfig& c) {
  c.head_dim = c.n_embd / c.n_head;
  if (f.find(p + "attention.key_length")) {
    auto kl = required_metadata_int(f, p + "attention.key_length", 1, kMaxModelDim);
    if (!kl) return kl.status();
    c.head_dim = *kl;
  }
  if (f.find(p + "attention.value_length")) {
    auto vl = required_metadata_int(f, p + "attention.value_length", 1, kMaxModelDim);
    if (!vl) return vl.status();
    if (*vl != c.head_dim) return Status::error("attention.value_length differs from key_length; not supported");
  }
  if (c.head_dim <= 0 || c.head_dim % 2 != 0)
    return Status::error("head dimension " + std::to_string(c.head_dim) + " must be positive and even");
  c.n_rot = c.head_dim;
  if (f.find(p + "rope.dimension_count")) {
    auto rot = required_metadata_int(f, p + "rope.dimension_count", 2, c.head_dim);
    if (!rot) return rot.status();
    c.n_rot = *rot;
  }
  if (c.n_rot % 2 != 0) return Status::error("rope.dimension_count must be even");
  return Status::ok();
}

bool finite_positive(double v) { return std::isfinite(v) && v > 0.0; }

// rope.scaling.* as llama.cpp's loader and context resolve them.
Status read_rope_scaling(const gguf::GgufFile& f, const std::string& p, ModelConfig& c) {
  c.rope_freq_base = static_cast<float>(f.get_float(p + "rope.freq_base").value_or(10000.0));
  if (!finite_positive(c.rope_freq_base)) return Status::error("rope.freq_base must be positive");
  std::string type = "linear";  // llama.cpp's default when the key is absent
  if (auto t = f.get_string(p + "rope.scaling.type")) type = *t;
  if (type == "none") c.rope_scaling = RopeScalingType::None;
  else if (type == "linear") c.rope_scaling = RopeScalingType::Linear;
  else if (type == "yarn") c.rope_scaling = RopeScalingType::Yarn;
  else if (type == "longrope") c.rope_scaling = RopeScalingType::LongRope;
  else return Status::error("unsupported rope.scaling.type '" + type + "' (supported: none, linear, yarn, longrope)");

  double factor = 0.0;
  if (auto v = f.get_float(p + "rope.scaling.factor")) factor = *v;
  else if (auto legacy = f.get_float(p + "rope.scale_linear")) factor = *legacy;
  if (!std::isfinite(factor) || factor < 0.0) return Status::error("rope scaling factor must be positive");
  c.rope_freq_scale = factor == 0.0 ? 1.0f : static_cast<float>(1.0 / factor);
  if (c.rope_scaling == RopeScalingType::None) c.rope_freq_scale = 1.0f;

  c.n_ctx_orig = c.n_ctx_train;
  if (f.find(p + "rope.scaling.original_context_length")) {
    auto orig = required_metadata_int(f, p + "rope.scaling.original_context_length", 1, int64_t{1} << 24);
    if (!orig) return orig.status();
    c.n_ctx_orig = *orig;
  }
  const double rope_attn = f.get_float(p + "rope.scaling.attn_factor").value_or(1.0);
  if (!finite_positive(rope_attn)) return Status::error("rope.scaling.attn_factor must be positive");

  // llama_context: YaRN mixes angles (ext_factor 1) and scales cos/sin by its
  // magnitude factor, which GGML's rope multiplies in again, so the context's
  // attn_factor cancels it first.
  float attn = 1.0f;
  if (c.rope_scaling == RopeScalingType::Yarn) {
    c.rope_ext_factor = 1.0f;
    const float s = 1.0f / c.rope_freq_scale;
    auto mscale = [](float scale, float m) { return scale <= 1.0f ? 1.0f : 0.1f * m * std::log(scale) + 1.0f; };
    // Only mistral3 reads the log multiplier (and the beta keys), as llama.cpp.
    float log_mul = 0.0f;
    if (c.architecture == "mistral3") {
      log_mul = static_cast<float>(f.get_float(p + "rope.scaling.yarn_log_multiplier").value_or(0.0));
      c.yarn_beta_fast = static_cast<float>(f.get_float(p + "rope.scaling.yarn_beta_fast").value_or(32.0));
      c.yarn_beta_slow = static_cast<float>(f.get_float(p + "rope.scaling.yarn_beta_slow").value_or(1.0));
      if (!std::isfinite(c.yarn_beta_fast) || !std::isfinite(c.yarn_beta_slow) || !std::isfinite(log_mul))
        return Status::error("YaRN beta and log multiplier must be finite");
    }
    attn = log_mul != 0.0f ? mscale(s, 1.0f) / mscale(s, log_mul) : mscale(s, 1.0f);
    attn *= 1.0f / (1.0f + 0.1f * std::log(s));
  }
  c.rope_attn_factor = attn * static_cast<float>(rope_attn);
  if (!finite_positive(c.rope_attn_factor)) return Status::error("RoPE attention factor must be positive");
  return Status::ok();
}

// {arch}.expert_count and friends, as llama.cpp's loader reads them: the
// expert width is expert_feed_forward_length where the architecture has it
// (Qwen 3 MoE falls back to feed_forward_length / expert_used_count), else
// feed_forward_length (Mixtral).
Status read_experts(const gguf::GgufFile& f, const std::string& p, ModelConfig& c) {
  if (!f.find(p + "expert_count")) return Status::ok();
  auto n = required_metadata_int(f, p + "expert_count", 0, 4096);
  if (!n) return n.status();
  if (*n == 0) return Status::ok();
  c.n_expert = *n;
  auto used = required_metadata_int(f, p + "expert_used_count", 1, c.n_expert);
  if (!used) return used.status();
  c.n_expert_used = *used;
  c.n_ff_expert = c.n_ff;
  if (f.find(p + "expert_feed_forward_length")) {
    auto w = required_metadata_int(f, p + "expert_feed_forward_length", 1, kMaxModelDim);
    if (!w) return w.status();
    c.n_ff_expert = *w;
  } else if (c.architecture == "gpt-oss") {
    return Status::error("missing metadata '" + p + "expert_feed_forward_length'");
  } else if (c.architecture == "qwen3moe") {
    c.n_ff_expert = c.n_ff / c.n_expert_used;
  }
  if (c.n_ff_expert <= 0) return Status::error("expert feed-forward width must be positive");
  if (auto scale = f.get_float(p + "expert_weights_scale")) {
    if (!std::isfinite(*scale) || *scale < 0.0) return Status::error("expert_weights_scale must not be negative");
    c.expert_weights_scale = static_cast<float>(*scale);
  }
  return Status::ok();
}

}  // namespace

Result<ModelConfig> read_model_config(const gguf::GgufFile& f, int64_t n_vocab) {
  ModelConfig c;
  auto arch = f.get_string("general.architecture");
  if (!arch) return Error{"missing metadata 'general.architecture'"};
  c.architecture = *arch;
  if (!is_supported_architecture(c.architecture))
    return Error{"unsupported architecture '" + c.architecture + "' (supported: " + supported_architecture_list() +
                 ")"};
  c.name = f.get_string("general.name").value_or("");
  const std::string p = c.architecture + ".";
  c.n_vocab = n_vocab;

  if (Status s = read_transformer_sizes(f, p, c); !s) return s;
  if (Status s = read_experts(f, p, c); !s) return s;
  if (Status s = read_head_sizes(f, p, c); !s) return s;
  auto ctx = required_metadata_int(f, p + "context_length", 1, int64_t{1} << 24);
  if (!ctx) return ctx.status();
  c.n_ctx_train = *ctx;

  c.rms_eps = static_cast<float>(f.get_float(p + "attention.layer_norm_rms_epsilon").value_or(1e-5));
  if (!(c.rms_eps > 0.0f) || !std::isfinite(c.rms_eps)) return Error{"layer_norm_rms_epsilon must be positive"};
  if (Status s = read_rope_scaling(f, p, c); !s) return s;
  c.kq_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  if (Status s = read_architecture_features(f, c); !s) return s;
  return c;
}

}  // namespace pg
