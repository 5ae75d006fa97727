// synthesize_model: the Llama-family shape table, tensor list, metadata,
// built-in SentencePiece-style vocabulary and each tensor's distribution; the
// weights are generated and written by models/synth_weights.h.
#include "models/synth.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "engine/gguf/gguf.h"
#include "models/synth_weights.h"

namespace pg {
namespace {

SynthFill fill_for(const StreamTensorSpec& t) {
  if (t.name.find("_norm.weight") != std::string::npos) return {1.0, 0};  // all ones
  if (t.name.find(".bias") != std::string::npos) return {0, 0.02};
  // 1/sqrt(fan_in) keeps each matrix product's output at about unit variance.
  return {0, 1.0 / std::sqrt(static_cast<double>(t.dims[0]))};
}

void add_vocab_builtin(GgufStreamWriter::Metadata& md, int64_t vocab) {
  std::vector<gguf::Value> tokens, scores, types;
  auto push = [&](std::string text, float score, int32_t type) {
    tokens.push_back(gguf::Value::str(std::move(text)));
    scores.push_back(gguf::Value::f32(score));
    types.push_back(gguf::Value::i32(type));
  };
  push("<unk>", 0, 2);
  push("<s>", 0, 3);
  push("</s>", 0, 3);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    push(buf, 0, 6);
  }
  const std::string space = "\xE2\x96\x81";  // SentencePiece's word-start mark
  auto next_score = [&] { return -static_cast<float>(tokens.size()); };
  auto full = [&] { return static_cast<int64_t>(tokens.size()) >= vocab; };
  if (!full()) push(space, next_score(), 1);
  for (int c = 33; c < 127 && !full(); ++c) push(std::string(1, static_cast<char>(c)), next_score(), 1);
  // Then lowercase letter strings of growing length, each as a word start and (length >= 2) inside a word.
  for (int len = 1; !full(); ++len) {
    std::string s(static_cast<size_t>(len), 'a');
    while (!full()) {
      push(space + s, next_score(), 1);
      if (len >= 2 && !full()) push(s, next_score(), 1);
      int i = len - 1;
      while (i >= 0 && s[static_cast<size_t>(i)] == 'z') s[static_cast<size_t>(i--)] = 'a';
      if (i < 0) break;
      ++s[static_cast<size_t>(i)];
    }
  }
  md.emplace_back("tokenizer.ggml.model", gguf::Value::str("llama"));
  md.emplace_back("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::STRING, std::move(tokens)));
  md.emplace_back("tokenizer.ggml.scores", gguf::Value::array(gguf::ValueType::FLOAT32, std::move(scores)));
  md.emplace_back("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::INT32, std::move(types)));
  md.emplace_back("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  md.emplace_back("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  md.emplace_back("tokenizer.ggml.unknown_token_id", gguf::Value::u32(0));
}

}  // namespace

const std::vector<SynthShape>& synth_shapes() {
  static const std::vector<SynthShape> kShapes = [] {
    std::vector<SynthShape> s;
    auto add = [&](std::string name, std::string arch, int64_t dim, int64_t layers, int64_t heads, int64_t kv,
                   int64_t ffn, int64_t vocab, int64_t ctx, float rope_base, float eps) {
      SynthShape x;
      x.name = std::move(name);
      x.arch = std::move(arch);
      x.dim = dim, x.layers = layers, x.heads = heads, x.kv_heads = kv, x.ffn = ffn, x.vocab = vocab, x.ctx = ctx;
      x.rope_base = rope_base;
      x.rms_eps = eps;
      x.qkv_bias = x.tied_embeddings = x.arch == "qwen2";
      s.push_back(std::move(x));
    };
    add("tinyllama-1.1b", "llama", 2048, 22, 32, 4, 5632, 32000, 2048, 10000.0f, 1e-5f);
    add("llama-7b", "llama", 4096, 32, 32, 32, 11008, 32000, 4096, 10000.0f, 1e-5f);
    add("mistral-7b", "llama", 4096, 32, 32, 8, 14336, 32000, 32768, 1000000.0f, 1e-5f);
    add("llama3-8b", "llama", 4096, 32, 32, 8, 14336, 128256, 8192, 500000.0f, 1e-5f);
    add("qwen2-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1000000.0f, 1e-6f);
    return s;
  }();
  return kShapes;
}

std::optional<SynthShape> find_synth_shape(const std::string& name) { return find_shape_named(synth_shapes(), name); }

Status validate_synth_shape(const SynthShape& s) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  const std::string what = "shape '" + s.name + "': ";
  if (s.arch != "llama" && s.arch != "qwen2") return Status::error(what + "architecture must be llama or qwen2");
  if (Status sizes = check_synth_sizes(what, "--", s.dim, s.layers, s.ffn, s.heads); !sizes) return sizes;
  if ((s.dim / s.heads) % 2 != 0)
    return Status::error(what + "head size dim/heads = " + std::to_string(s.dim / s.heads) + " must be even");
  if (!in(s.kv_heads, 1, s.heads) || s.heads % s.kv_heads != 0)
    return Status::error(what + "--kv-heads " + std::to_string(s.kv_heads) + " does not divide --heads " +
                         std::to_string(s.heads));
  if (!in(s.vocab, 260, 1 << 22)) return Status::error(what + "vocabulary size " + std::to_string(s.vocab) + " out of range 260..4194304");
  if (!in(s.ctx, 1, 1 << 24)) return Status::error(what + "context length " + std::to_string(s.ctx) + " out of range");
  return Status::ok();
}

std::vector<StreamTensorSpec> synth_tensor_specs(const SynthShape& s) {
  const uint64_t dim = static_cast<uint64_t>(s.dim), ffn = static_cast<uint64_t>(s.ffn);
  const uint64_t kv = static_cast<uint64_t>(s.dim / s.heads * s.kv_heads), vocab = static_cast<uint64_t>(s.vocab);
  std::vector<StreamTensorSpec> t;
  auto add = [&](std::string name, std::vector<uint64_t> dims) { t.push_back({std::move(name), GgmlType::F32, std::move(dims)}); };
  add("token_embd.weight", {dim, vocab});
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", {dim});
    add(b + "attn_q.weight", {dim, dim});
    add(b + "attn_k.weight", {dim, kv});
    add(b + "attn_v.weight", {dim, kv});
    if (s.qkv_bias) {
      add(b + "attn_q.bias", {dim});
      add(b + "attn_k.bias", {kv});
      add(b + "attn_v.bias", {kv});
    }
    add(b + "attn_output.weight", {dim, dim});
    add(b + "ffn_norm.weight", {dim});
    add(b + "ffn_gate.weight", {dim, ffn});
    add(b + "ffn_up.weight", {dim, ffn});
    add(b + "ffn_down.weight", {ffn, dim});
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
  if (options.vocab_from.empty()) add_vocab_builtin(vocab_md, shape.vocab);

  add_synth_header(md, {shape.arch, shape.name, options.seed, shape.ctx, shape.dim, shape.layers, shape.ffn, shape.heads});
  const std::string p = shape.arch + ".";
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  md.emplace_back(p + "attention.head_count_kv", u32(shape.kv_heads));
  md.emplace_back(p + "rope.dimension_count", u32(shape.dim / shape.heads));
  md.emplace_back(p + "attention.layer_norm_rms_epsilon", gguf::Value::f32(shape.rms_eps));
  md.emplace_back(p + "rope.freq_base", gguf::Value::f32(shape.rope_base));
  for (auto& kv : vocab_md) md.push_back(std::move(kv));
  md.emplace_back("general.quantization_version", gguf::Value::u32(2));
  md.emplace_back("general.file_type", gguf::Value::u32(ftype->llama_ftype));

  auto specs = synth_typed_specs(*ftype, {shape.arch, shape.layers, shape.heads, shape.kv_heads, 0},
                                 synth_tensor_specs(shape));
  if (!specs) return Error{specs.error()};
  auto written = write_synth_weights(out_path, md, *specs, {options.seed, options.threads, options.progress, fill_for});
  if (!written) return Error{written.error()};
  SynthReport report;
  report.parameters = synth_parameter_count(shape);
  report.output_bytes = written->output_bytes;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pg
