// The decoder architectures `playground synth` writes: each one's tensor
// layout and the keys its llama.cpp converter (convert_hf_to_gguf.py) writes,
// and the check that a shape is one llama.cpp would load for its arch. Facts
// read from llama.cpp's src/models/<arch>.cpp and conversion/*.py; our own
// code. Decides on shapes only; never writes a file.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "models/synth.h"
#include "models/synth_moe.h"

namespace pg {
namespace {

struct ArchEntry {
  const char* arch;
  SynthArchLayout layout;
};

// One entry per architecture; the fields not named keep SynthArchLayout's defaults.
const std::vector<ArchEntry>& arch_table() {
  static const std::vector<ArchEntry> kArchs = {
      {"llama", {.rope_dimension_count = true, .moe = MoeSupport::Optional}},  // Mixtral: llama with experts
      {"qwen2", {.may_have_qkv_bias = true, .rope_dimension_count = true}},
      {"qwen3", {.qk_norm = SynthQkNorm::PerHead, .free_head_dim = true, .head_dim_keys = true}},
      {"gemma2",
       {.post_norms = true, .free_head_dim = true, .tying = OutputTying::AlwaysTied, .rope_freq_base = false,
        .head_dim_keys = true, .reads_sliding_window = true, .reads_attn_softcap = true,
        .reads_final_softcap = true}},
      // No rope.freq_base_swa: the local layers take llama.cpp's default 10000, as in the
      // published conversions (today's converter writes the config's 10000 explicitly).
      {"gemma3",
       {.post_norms = true, .qk_norm = SynthQkNorm::PerHead, .free_head_dim = true, .head_dim_keys = true,
        .reads_sliding_window = true, .reads_final_softcap = true}},
      {"phi3",
       {.fused_qkv = true, .fused_gate_up = true, .rope_dimension_count = true, .reads_sliding_window = true}},
      {"mistral3",
       {.free_head_dim = true, .rope_dimension_count = true, .head_dim_keys = true, .vocab_size_key = true}},
      {"olmo2",
       {.pre_norms = false, .post_norms = true, .qk_norm = SynthQkNorm::FullWidth, .tying = OutputTying::NeverTied}},
      {"granite", {.rope_dimension_count = true, .vocab_size_key = true, .reads_granite_scales = true}},
      {"qwen3moe",
       {.qk_norm = SynthQkNorm::PerHead, .free_head_dim = true, .head_dim_keys = true,
        .moe = MoeSupport::Required, .expert_ffn_key = true}},
      // No rope.dimension_count: gpt-oss's converter does not write it (llama.cpp uses the head size).
      {"gpt-oss",
       {.free_head_dim = true, .may_have_qkv_bias = true, .tying = OutputTying::NeverTied, .head_dim_keys = true,
        .reads_sliding_window = true, .reads_yarn = true, .requires_sliding_window = true,
        .moe = MoeSupport::Required, .expert_ffn_key = true, .gpt_oss_extras = true}},
  };
  return kArchs;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The arch-specific checks, after the sizes.
Status check_features(const std::string& what, const SynthShape& s, const SynthArchLayout& l) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  const std::string a = "architecture " + s.arch;
  if (s.qkv_bias && !l.may_have_qkv_bias) return Status::error(what + a + " has no attn_q/k/v biases");
  if (s.tied_embeddings && l.tying == OutputTying::NeverTied)
    return Status::error(what + a + " needs its own output.weight (llama.cpp requires it): untie the embeddings");
  if (!s.tied_embeddings && l.tying == OutputTying::AlwaysTied)
    return Status::error(what + a + " ties output to the embedding (llama.cpp never reads output.weight)");
  if (s.sliding_window < 0 || (s.sliding_window > 0 && !l.reads_sliding_window))
    return Status::error(what + a + " takes no sliding window (got " + std::to_string(s.sliding_window) + ")");
  if (l.requires_sliding_window && s.sliding_window == 0)
    return Status::error(what + a + " needs a sliding window (llama.cpp requires attention.sliding_window)");
  if (s.attn_softcap < 0 || (s.attn_softcap > 0 && !l.reads_attn_softcap))
    return Status::error(what + a + " takes no attention logit soft-capping (got " + num(s.attn_softcap) + ")");
  if (s.final_softcap < 0 || (s.final_softcap > 0 && !l.reads_final_softcap))
    return Status::error(what + a + " takes no final logit soft-capping (got " + num(s.final_softcap) + ")");
  const bool any_scale = s.embedding_scale != 0 || s.residual_scale != 0 || s.attention_scale != 0 || s.logit_scale != 0;
  if (any_scale && !l.reads_granite_scales)
    return Status::error(what + a + " takes no embedding/residual/attention/logit scales (granite only)");
  if (l.reads_granite_scales && !(s.logit_scale > 0))
    return Status::error(what + a + " needs a positive logit_scale (llama.cpp requires the key)");
  if (s.embedding_scale < 0 || s.residual_scale < 0 || s.attention_scale < 0)
    return Status::error(what + "granite scales must not be negative");
  const bool yarn = s.rope_scaling == "yarn";
  if (!s.rope_scaling.empty() && s.rope_scaling != "linear" && !(yarn && l.reads_yarn))
    return Status::error(what + "rope scaling '" + s.rope_scaling + "' is not supported for " + a +
                         (l.reads_yarn ? " (linear or yarn)" : " (only linear)"));
  if (s.rope_scaling.empty() != (s.rope_scale == 0) || s.rope_scale < 0)
    return Status::error(what + "a rope scaling needs a positive factor, and a factor needs the scaling type");
  if (yarn && s.rope_orig_ctx == 0)
    return Status::error(what + "yarn needs the original context length (rope.scaling.original_context_length)");
  if (!yarn && (s.yarn_beta_fast != 0 || s.yarn_beta_slow != 0))
    return Status::error(what + "yarn beta values need the yarn rope scaling");
  if (s.yarn_beta_fast < 0 || s.yarn_beta_slow < 0) return Status::error(what + "yarn beta values must not be negative");
  if (!in(s.rope_orig_ctx, 0, 1 << 24))
    return Status::error(what + "original context length " + std::to_string(s.rope_orig_ctx) + " out of range");
  if (s.arch == "phi3" && s.rope_orig_ctx == 0)
    return Status::error(what + "phi3 needs the original context length (rope.scaling.original_context_length)");
  if (!(s.rms_eps > 0 && s.rms_eps < 1)) return Status::error(what + "RMS norm epsilon " + num(s.rms_eps) + " out of range (0, 1)");
  if (!(s.rope_base > 1) || !std::isfinite(s.rope_base))
    return Status::error(what + "rope base " + num(s.rope_base) + " must be above 1");
  return check_synth_experts(what, s, l);
}

}  // namespace

const std::vector<std::string>& synth_architectures() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> n;
    for (const ArchEntry& e : arch_table()) n.emplace_back(e.arch);
    return n;
  }();
  return kNames;
}

std::optional<SynthArchLayout> synth_arch_layout(const std::string& arch) {
  for (const ArchEntry& e : arch_table())
    if (arch == e.arch) return e.layout;
  return std::nullopt;
}

Status validate_synth_shape(const SynthShape& s) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  const std::string what = "shape '" + s.name + "': ";
  const std::optional<SynthArchLayout> layout = synth_arch_layout(s.arch);
  if (!layout) {
    std::string names;
    for (const std::string& n : synth_architectures()) names += (names.empty() ? "" : ", ") + n;
    return Status::error(what + "architecture '" + s.arch + "' is not one of " + names);
  }
  if (s.head_dim == 0) {
    if (Status sizes = check_synth_sizes(what, "--", s.dim, s.layers, s.ffn, s.heads); !sizes) return sizes;
    if ((s.dim / s.heads) % 2 != 0)
      return Status::error(what + "head size dim/heads = " + std::to_string(s.dim / s.heads) + " must be even");
  } else {
    // A head_dim of its own: heads need not divide dim (gemma3-1b: 4 x 256 = 1024 != 1152).
    if (Status sizes = check_synth_sizes(what, "--", s.dim, s.layers, s.ffn, 1); !sizes) return sizes;
    if (!in(s.heads, 1, 1024)) return Status::error(what + "--heads " + std::to_string(s.heads) + " out of range 1..1024");
    if (!in(s.head_dim, 2, 1024) || s.head_dim % 2 != 0)
      return Status::error(what + "head_dim " + std::to_string(s.head_dim) + " must be even and in 2..1024");
    if (!layout->free_head_dim && s.head_dim * s.heads != s.dim)
      return Status::error(what + "architecture " + s.arch + " has no head_dim of its own: heads x head_dim = " +
                           std::to_string(s.heads * s.head_dim) + " must equal dim " + std::to_string(s.dim));
  }
  if (!in(s.kv_heads, 1, s.heads) || s.heads % s.kv_heads != 0)
    return Status::error(what + "--kv-heads " + std::to_string(s.kv_heads) + " does not divide --heads " +
                         std::to_string(s.heads));
  // The built-in Phi-3 vocabulary keeps its last 64 ids for the chat and padding tokens,
  // gpt-oss's its last 21 (at least) for harmony's.
  const int64_t min_vocab = s.arch == "phi3" ? 260 + 64 : s.arch == "gpt-oss" ? 260 + 21 : 260;
  if (!in(s.vocab, min_vocab, 1 << 22))
    return Status::error(what + "vocabulary size " + std::to_string(s.vocab) + " out of range " +
                         std::to_string(min_vocab) + "..4194304");
  if (!in(s.ctx, 1, 1 << 24)) return Status::error(what + "context length " + std::to_string(s.ctx) + " out of range");
  return check_features(what, s, *layout);
}

}  // namespace pg
