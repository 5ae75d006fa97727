// synthesize_model: the decoder shape table, each family's tensor list and
// metadata, and each tensor's distribution; architectures' layouts and shape
// checks are in synth_arch.cpp, routed experts in synth_moe.cpp, the built-in
// vocabulary in synth_vocab.cpp, and the weights are generated and written by
// models/synth_weights.h.
#include "models/synth.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "engine/gguf/gguf.h"
#include "models/synth_moe.h"
#include "models/synth_templates.h"
#include "models/synth_vocab.h"
#include "models/synth_weights.h"

namespace pg {
namespace {

SynthFill fill_for(const StreamTensorSpec& t) {
  if (auto moe = synth_moe_fill(t)) return *moe;
  if (t.name.find("_norm.weight") != std::string::npos) return {1.0, 0};  // all ones
  if (t.name.find(".bias") != std::string::npos) return {0, 0.02};
  // 1/sqrt(fan_in) keeps each matrix product's output at about unit variance.
  return {0, 1.0 / std::sqrt(static_cast<double>(t.dims[0]))};
}

int64_t head_dim_of(const SynthShape& s) { return s.head_dim > 0 ? s.head_dim : s.dim / s.heads; }

// The {arch}.* keys beyond add_synth_header's, as the arch's converter writes them.
void add_arch_metadata(GgufStreamWriter::Metadata& md, const SynthShape& s, const SynthArchLayout& l) {
  const std::string p = s.arch + ".";
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  auto f32 = [](float v) { return gguf::Value::f32(v); };
  const int64_t hd = head_dim_of(s);
  md.emplace_back(p + "attention.head_count_kv", u32(s.kv_heads));
  if (l.rope_dimension_count) md.emplace_back(p + "rope.dimension_count", u32(hd));
  md.emplace_back(p + "attention.layer_norm_rms_epsilon", f32(s.rms_eps));
  if (l.rope_freq_base) md.emplace_back(p + "rope.freq_base", f32(s.rope_base));
  if (!s.rope_scaling.empty()) {
    md.emplace_back(p + "rope.scaling.type", gguf::Value::str(s.rope_scaling));
    md.emplace_back(p + "rope.scaling.factor", f32(s.rope_scale));
  }
  if (s.rope_orig_ctx > 0) md.emplace_back(p + "rope.scaling.original_context_length", u32(s.rope_orig_ctx));
  if (s.yarn_beta_fast > 0) md.emplace_back(p + "rope.scaling.yarn_beta_fast", f32(s.yarn_beta_fast));
  if (s.yarn_beta_slow > 0) md.emplace_back(p + "rope.scaling.yarn_beta_slow", f32(s.yarn_beta_slow));
  if (l.head_dim_keys) {
    md.emplace_back(p + "attention.key_length", u32(hd));
    md.emplace_back(p + "attention.value_length", u32(hd));
  }
  // Today's converter writes vocab_size for every llama; the dense llama shapes keep
  // the keys of the published conversions they mirror, Mixtral today's.
  if (l.vocab_size_key || (s.arch == "llama" && s.experts > 0)) md.emplace_back(p + "vocab_size", u32(s.vocab));
  // Phi-3's converter always writes the window (0 for Phi-4, which has none); the others only when set.
  if (s.sliding_window > 0 || s.arch == "phi3") md.emplace_back(p + "attention.sliding_window", u32(s.sliding_window));
  if (s.attn_softcap > 0) md.emplace_back(p + "attn_logit_softcapping", f32(s.attn_softcap));
  if (s.final_softcap > 0) md.emplace_back(p + "final_logit_softcapping", f32(s.final_softcap));
  if (s.attention_scale > 0) md.emplace_back(p + "attention.scale", f32(s.attention_scale));
  if (s.embedding_scale > 0) md.emplace_back(p + "embedding_scale", f32(s.embedding_scale));
  if (s.residual_scale > 0) md.emplace_back(p + "residual_scale", f32(s.residual_scale));
  if (s.logit_scale > 0) md.emplace_back(p + "logit_scale", f32(s.logit_scale));
  add_synth_expert_metadata(md, s, l);
}

}  // namespace

// The real models' config.json values (text part for the multimodal ones);
// fields not named keep SynthShape's defaults (rope base 10000, eps 1e-5).
const std::vector<SynthShape>& synth_shapes() {
  static const std::vector<SynthShape> kShapes = {
      {.name = "tinyllama-1.1b", .arch = "llama", .dim = 2048, .layers = 22, .heads = 32, .kv_heads = 4, .ffn = 5632,
       .vocab = 32000, .ctx = 2048},
      {.name = "llama-7b", .arch = "llama", .dim = 4096, .layers = 32, .heads = 32, .kv_heads = 32, .ffn = 11008,
       .vocab = 32000, .ctx = 4096},
      {.name = "mistral-7b", .arch = "llama", .dim = 4096, .layers = 32, .heads = 32, .kv_heads = 8, .ffn = 14336,
       .vocab = 32000, .ctx = 32768, .rope_base = 1e6f},
      {.name = "llama3-8b", .arch = "llama", .dim = 4096, .layers = 32, .heads = 32, .kv_heads = 8, .ffn = 14336,
       .vocab = 128256, .ctx = 8192, .rope_base = 500000.0f},
      {.name = "qwen2-0.5b", .arch = "qwen2", .dim = 896, .layers = 24, .heads = 14, .kv_heads = 2, .ffn = 4864,
       .vocab = 151936, .ctx = 32768, .qkv_bias = true, .tied_embeddings = true, .rope_base = 1e6f, .rms_eps = 1e-6f},
      {.name = "qwen3-0.6b", .arch = "qwen3", .dim = 1024, .layers = 28, .heads = 16, .kv_heads = 8, .ffn = 3072,
       .vocab = 151936, .ctx = 40960, .head_dim = 128, .tied_embeddings = true, .rope_base = 1e6f, .rms_eps = 1e-6f},
      {.name = "qwen3-8b", .arch = "qwen3", .dim = 4096, .layers = 36, .heads = 32, .kv_heads = 8, .ffn = 12288,
       .vocab = 151936, .ctx = 40960, .head_dim = 128, .rope_base = 1e6f, .rms_eps = 1e-6f},
      {.name = "gemma2-2b", .arch = "gemma2", .dim = 2304, .layers = 26, .heads = 8, .kv_heads = 4, .ffn = 9216,
       .vocab = 256000, .ctx = 8192, .head_dim = 256, .tied_embeddings = true, .rms_eps = 1e-6f,
       .sliding_window = 4096, .attn_softcap = 50.0f, .final_softcap = 30.0f},
      {.name = "gemma3-1b", .arch = "gemma3", .dim = 1152, .layers = 26, .heads = 4, .kv_heads = 1, .ffn = 6912,
       .vocab = 262144, .ctx = 32768, .head_dim = 256, .tied_embeddings = true, .rope_base = 1e6f, .rms_eps = 1e-6f,
       .sliding_window = 512},
      {.name = "gemma3-4b", .arch = "gemma3", .dim = 2560, .layers = 34, .heads = 8, .kv_heads = 4, .ffn = 10240,
       .vocab = 262208, .ctx = 131072, .head_dim = 256, .tied_embeddings = true, .rope_base = 1e6f, .rms_eps = 1e-6f,
       .sliding_window = 1024, .rope_scaling = "linear", .rope_scale = 8.0f},
      {.name = "phi3-mini", .arch = "phi3", .dim = 3072, .layers = 32, .heads = 32, .kv_heads = 32, .ffn = 8192,
       .vocab = 32064, .ctx = 4096, .sliding_window = 2047, .rope_orig_ctx = 4096},
      {.name = "mistral-small-24b", .arch = "mistral3", .dim = 5120, .layers = 40, .heads = 32, .kv_heads = 8,
       .ffn = 32768, .vocab = 131072, .ctx = 131072, .head_dim = 128, .rope_base = 1e9f},
      {.name = "olmo2-7b", .arch = "olmo2", .dim = 4096, .layers = 32, .heads = 32, .kv_heads = 32, .ffn = 11008,
       .vocab = 100352, .ctx = 4096, .rope_base = 500000.0f, .rms_eps = 1e-6f},
      {.name = "granite-3.3-2b", .arch = "granite", .dim = 2048, .layers = 40, .heads = 32, .kv_heads = 8, .ffn = 8192,
       .vocab = 49159, .ctx = 131072, .tied_embeddings = true, .rope_base = 1e7f, .embedding_scale = 12.0f,
       .residual_scale = 0.22f, .attention_scale = 0.015625f, .logit_scale = 8.0f},
      // Mixture of experts. Mixtral is a llama whose feed_forward_length is each expert's width.
      {.name = "mixtral-8x7b", .arch = "llama", .dim = 4096, .layers = 32, .heads = 32, .kv_heads = 8, .ffn = 14336,
       .vocab = 32000, .ctx = 32768, .rope_base = 1e6f, .experts = 8, .experts_used = 2},
      // feed_forward_length 6144 is the config's (unused) dense width; experts are 768 wide.
      {.name = "qwen3-30b-a3b", .arch = "qwen3moe", .dim = 2048, .layers = 48, .heads = 32, .kv_heads = 4,
       .ffn = 6144, .vocab = 151936, .ctx = 40960, .head_dim = 128, .rope_base = 1e6f, .rms_eps = 1e-6f,
       .experts = 128, .experts_used = 8, .expert_ffn = 768},
      // Sliding window on even layers (llama.cpp's default period 2), attention sinks, biases, YaRN.
      {.name = "gpt-oss-20b", .arch = "gpt-oss", .dim = 2880, .layers = 24, .heads = 64, .kv_heads = 8, .ffn = 2880,
       .vocab = 201088, .ctx = 131072, .head_dim = 64, .qkv_bias = true, .rope_base = 150000.0f,
       .sliding_window = 128, .rope_scaling = "yarn", .rope_scale = 32.0f, .yarn_beta_fast = 32.0f,
       .yarn_beta_slow = 1.0f, .rope_orig_ctx = 4096, .experts = 32, .experts_used = 4, .expert_ffn = 2880},
      // A tiny gpt-oss for tests: every gpt-oss feature, harmony's special tokens in its vocabulary.
      {.name = "moe-test", .arch = "gpt-oss", .dim = 256, .layers = 2, .heads = 4, .kv_heads = 2, .ffn = 256,
       .vocab = 1024, .ctx = 131072, .head_dim = 64, .qkv_bias = true, .rope_base = 150000.0f,
       .sliding_window = 128, .rope_scaling = "yarn", .rope_scale = 32.0f, .yarn_beta_fast = 32.0f,
       .yarn_beta_slow = 1.0f, .rope_orig_ctx = 4096, .experts = 8, .experts_used = 2, .expert_ffn = 256},
  };
  return kShapes;
}

std::optional<SynthShape> find_synth_shape(const std::string& name) { return find_shape_named(synth_shapes(), name); }

std::string synth_shape_summary(const SynthShape& s) {
  auto ll = [](int64_t v) { return static_cast<long long>(v); };
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s dim %lld, %lld layers, %lld/%lld heads x %lld, ffn %lld, vocab %lld, ctx %lld",
                s.arch.c_str(), ll(s.dim), ll(s.layers), ll(s.heads), ll(s.kv_heads),
                ll(s.heads > 0 ? head_dim_of(s) : 0), ll(s.ffn), ll(s.vocab), ll(s.ctx));
  std::string out = buf;
  if (s.sliding_window > 0) out += ", window " + std::to_string(s.sliding_window);
  if (!s.rope_scaling.empty()) out += ", rope " + s.rope_scaling + " x" + std::to_string(static_cast<int>(s.rope_scale));
  if (s.tied_embeddings) out += ", tied";
  if (s.experts > 0)
    out += ", " + std::to_string(s.experts) + " experts top-" + std::to_string(s.experts_used) + " x " +
           std::to_string(synth_expert_width(s));
  return out;
}

std::vector<StreamTensorSpec> synth_tensor_specs(const SynthShape& s) {
  const SynthArchLayout l = synth_arch_layout(s.arch).value_or(SynthArchLayout{});
  const uint64_t dim = static_cast<uint64_t>(s.dim), ffn = static_cast<uint64_t>(s.ffn);
  const uint64_t hd = static_cast<uint64_t>(head_dim_of(s)), vocab = static_cast<uint64_t>(s.vocab);
  const uint64_t q = hd * static_cast<uint64_t>(s.heads), kv = hd * static_cast<uint64_t>(s.kv_heads);
  std::vector<StreamTensorSpec> t;
  auto add = [&](std::string name, std::vector<uint64_t> dims) { t.push_back({std::move(name), GgmlType::F32, std::move(dims)}); };
  add("token_embd.weight", {dim, vocab});
  for (int64_t i = 0; i < s.layers; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    if (l.pre_norms) add(b + "attn_norm.weight", {dim});
    if (l.fused_qkv) {
      add(b + "attn_qkv.weight", {dim, q + 2 * kv});
    } else {
      add(b + "attn_q.weight", {dim, q});
      add(b + "attn_k.weight", {dim, kv});
      add(b + "attn_v.weight", {dim, kv});
    }
    if (s.qkv_bias) {
      add(b + "attn_q.bias", {q});
      add(b + "attn_k.bias", {kv});
      add(b + "attn_v.bias", {kv});
    }
    if (l.gpt_oss_extras) add(b + "attn_sinks.weight", {static_cast<uint64_t>(s.heads)});
    if (l.qk_norm == SynthQkNorm::PerHead) {
      add(b + "attn_q_norm.weight", {hd});
      add(b + "attn_k_norm.weight", {hd});
    } else if (l.qk_norm == SynthQkNorm::FullWidth) {
      add(b + "attn_q_norm.weight", {q});
      add(b + "attn_k_norm.weight", {kv});
    }
    add(b + "attn_output.weight", {q, dim});
    if (l.gpt_oss_extras) add(b + "attn_output.bias", {dim});
    if (l.post_norms) add(b + "post_attention_norm.weight", {dim});
    // gpt-oss's converter names the pre-FFN norm post_attention_norm.
    if (l.pre_norms) add(b + (l.gpt_oss_extras ? "post_attention_norm.weight" : "ffn_norm.weight"), {dim});
    if (s.experts > 0) {
      add_synth_expert_specs(t, s, l, b);
    } else if (l.fused_gate_up) {
      add(b + "ffn_up.weight", {dim, 2 * ffn});
    } else {
      add(b + "ffn_gate.weight", {dim, ffn});
      add(b + "ffn_up.weight", {dim, ffn});
    }
    if (s.experts == 0) add(b + "ffn_down.weight", {ffn, dim});
    if (l.post_norms) add(b + "post_ffw_norm.weight", {dim});
  }
  add("output_norm.weight", {dim});
  if (!s.tied_embeddings) add("output.weight", {dim, vocab});
  return t;
}

uint64_t synth_parameter_count(const SynthShape& shape) {
  uint64_t n = 0;
  for (const StreamTensorSpec& t : synth_tensor_specs(shape)) {
    uint64_t e = 1;
    for (uint64_t d : t.dims) e *= d;
    n += e;
  }
  return n;
}

uint64_t synth_active_parameter_count(const SynthShape& shape) {
  uint64_t n = 0;
  for (const StreamTensorSpec& t : synth_tensor_specs(shape)) {
    uint64_t e = 1;
    for (uint64_t d : t.dims) e *= d;
    if (t.name == "token_embd.weight" && !shape.tied_embeddings) e = t.dims[0];  // one row per token
    if (is_synth_expert_tensor(t.name))
      e = e / static_cast<uint64_t>(shape.experts) * static_cast<uint64_t>(shape.experts_used);
    n += e;
  }
  return n;
}

Result<SynthReport> synthesize_model(const std::string& out_path, const SynthOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SynthShape shape = options.shape;
  if (options.ctx > 0) shape.ctx = options.ctx;
  auto ftype = synth_file_type(options.type);
  if (!ftype) return Error{ftype.error()};

  GgufStreamWriter::Metadata md;
  GgufStreamWriter::Metadata vocab_md;
  if (!options.vocab_from.empty()) {
    auto n = synth_vocab_from(vocab_md, options.vocab_from);
    if (!n) return Error{n.error()};
    shape.vocab = *n;
  }
  if (Status s = validate_synth_shape(shape); !s) return Error{s.message()};
  if (options.vocab_from.empty()) add_synth_builtin_vocab(vocab_md, shape.vocab, shape.arch);
  if (Status s = check_synth_vocab_for_name(vocab_md, "synth-" + shape.name); !s) return Error{s.message()};
  // gpt-oss speaks harmony: its built-in vocabulary has the special tokens, and our template uses them.
  if (options.vocab_from.empty() && shape.arch == "gpt-oss")
    vocab_md.emplace_back("tokenizer.chat_template", gguf::Value::str(std::string(harmony_chat_template())));

  const SynthArchLayout layout = *synth_arch_layout(shape.arch);
  add_synth_header(md, {shape.arch, shape.name, options.seed, shape.ctx, shape.dim, shape.layers, shape.ffn, shape.heads});
  add_arch_metadata(md, shape, layout);
  for (auto& kv : vocab_md) md.push_back(std::move(kv));
  md.emplace_back("general.quantization_version", gguf::Value::u32(2));
  md.emplace_back("general.file_type", gguf::Value::u32(ftype->llama_ftype));

  auto specs = synth_typed_specs(*ftype, {shape.arch, shape.layers, shape.heads, shape.kv_heads, shape.experts},
                                 synth_tensor_specs(shape));
  if (!specs) return Error{specs.error()};
  // Merged expert matrices are most of an MoE file: they are drawn from a block pool (synth_weights.h).
  auto pooled = [](const StreamTensorSpec& t) { return t.dims.size() == 3 && is_synth_expert_tensor(t.name); };
  auto written =
      write_synth_weights(out_path, md, *specs, {options.seed, options.threads, options.progress, fill_for, pooled});
  if (!written) return Error{written.error()};
  SynthReport report;
  report.parameters = synth_parameter_count(shape);
  report.output_bytes = written->output_bytes;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pg
