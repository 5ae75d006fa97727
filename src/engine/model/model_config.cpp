// Reads Llama-family hyper-parameters from GGUF metadata with range checks.
#include "engine/model/model_config.h"

#include <cmath>

#include "engine/model/transformer_metadata.h"

namespace pg {

bool is_supported_architecture(const std::string& arch) {
  return arch == "llama" || arch == "mistral" || arch == "qwen2";
}

Result<ModelConfig> read_model_config(const gguf::GgufFile& f, int64_t n_vocab) {
  ModelConfig c;
  auto arch = f.get_string("general.architecture");
  if (!arch) return Error{"missing metadata 'general.architecture'"};
  c.architecture = *arch;
  if (!is_supported_architecture(c.architecture))
    return Error{"unsupported architecture '" + c.architecture +
                 "' (supported: llama, mistral, qwen2)"};
  c.name = f.get_string("general.name").value_or("");
  const std::string p = c.architecture + ".";
  c.n_vocab = n_vocab;

  if (Status s = read_transformer_sizes(f, p, c); !s) return s;
  c.head_dim = c.n_embd / c.n_head;
  if (f.find(p + "attention.key_length")) {
    auto kl = required_metadata_int(f, p + "attention.key_length", 1, kMaxModelDim);
    if (!kl) return kl.status();
    c.head_dim = *kl;
  }
  if (f.find(p + "attention.value_length")) {
    auto vl = required_metadata_int(f, p + "attention.value_length", 1, kMaxModelDim);
    if (!vl) return vl.status();
    if (*vl != c.head_dim)
      return Error{"attention.value_length differs from key_length; not supported"};
  }
  if (c.head_dim <= 0 || c.head_dim % 2 != 0)
    return Error{"head dimension " + std::to_string(c.head_dim) + " must be positive and even"};
  c.n_rot = c.head_dim;
  if (f.find(p + "rope.dimension_count")) {
    auto rot = required_metadata_int(f, p + "rope.dimension_count", 2, c.head_dim);
    if (!rot) return rot.status();
    c.n_rot = *rot;
  }
  if (c.n_rot % 2 != 0) return Error{"rope.dimension_count must be even"};
  auto ctx = required_metadata_int(f, p + "context_length", 1, int64_t{1} << 24);
  if (!ctx) return ctx.status();
  c.n_ctx_train = *ctx;

  c.rms_eps = static_cast<float>(f.get_float(p + "attention.layer_norm_rms_epsilon").value_or(1e-5));
  c.rope_freq_base = static_cast<float>(f.get_float(p + "rope.freq_base").value_or(10000.0));
  double scale = 1.0;
  if (auto type = f.get_string(p + "rope.scaling.type")) {
    if (*type == "linear") {
      scale = f.get_float(p + "rope.scaling.factor").value_or(1.0);
    } else if (*type != "none") {
      return Error{"unsupported rope.scaling.type '" + *type + "' (supported: none, linear)"};
    }
  } else if (auto legacy = f.get_float(p + "rope.scale_linear")) {
    scale = *legacy;
  }
  if (!(scale > 0.0) || !std::isfinite(scale)) return Error{"rope scaling factor must be positive"};
  c.rope_freq_scale = static_cast<float>(1.0 / scale);
  if (!(c.rms_eps > 0.0f) || !(c.rope_freq_base > 0.0f))
    return Error{"layer_norm_rms_epsilon and rope.freq_base must be positive"};
  c.rope_style = c.architecture == "qwen2" ? RopeStyle::NeoX : RopeStyle::Normal;
  return c;
}

}  // namespace pg
