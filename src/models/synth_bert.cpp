// synthesize_bert_model: encoder shape table, tensor list, metadata, built-in
// WordPiece vocabulary and each tensor's distribution; the weights are
// generated and written by models/synth_weights.h.
#include "models/synth_bert.h"

#include <chrono>
#include <cmath>

#include "engine/gguf/gguf.h"
#include "models/synth_weights.h"

namespace pg {
namespace {

SynthFill fill_for(const StreamTensorSpec& t) {
  // Norm weights near one and biases clearly non-zero, so a forward pass that
  // ignored either would give visibly different vectors.
  if (t.name.find("_norm.weight") != std::string::npos) return {1.0, 0.1};
  if (t.name.find(".bias") != std::string::npos) return {0.0, 0.1};
  // 1/sqrt(fan_in) keeps each matrix product's output at about unit variance.
  return {0.0, 1.0 / std::sqrt(static_cast<double>(t.dims[0]))};
}

// A small WordPiece vocabulary in GGUF form (llama.cpp's converter marks word
// starts with U+2581 and drops the "##" of continuations): specials,
// printable ASCII characters as word starts and continuations, and lowercase
// letter pairs in both forms. Every ASCII text tokenizes without [UNK].
Result<int64_t> add_vocab_builtin(GgufStreamWriter::Metadata& md) {
  std::vector<gguf::Value> tokens, types;
  auto push = [&](std::string text, int32_t type) {
    tokens.push_back(gguf::Value::str(std::move(text)));
    types.push_back(gguf::Value::i32(type));
  };
  for (const char* s : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) push(s, 3);
  const std::string word_start = "\xE2\x96\x81";
  for (int c = 33; c < 127; ++c) {
    if (c >= 'A' && c <= 'Z') continue;  // the tokenizer lowercases
    push(word_start + static_cast<char>(c), 1);
    push(std::string(1, static_cast<char>(c)), 1);
  }
  for (char a = 'a'; a <= 'z'; ++a)
    for (char b = 'a'; b <= 'z'; ++b) {
      push(word_start + a + b, 1);
      push(std::string{a, b}, 1);
    }
  const int64_t n = static_cast<int64_t>(tokens.size());
  md.emplace_back("tokenizer.ggml.model", gguf::Value::str("bert"));
  md.emplace_back("tokenizer.ggml.pre", gguf::Value::str("default"));
  md.emplace_back("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::STRING, std::move(tokens)));
  md.emplace_back("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::INT32, std::move(types)));
  md.emplace_back("tokenizer.ggml.padding_token_id", gguf::Value::u32(0));
  md.emplace_back("tokenizer.ggml.unknown_token_id", gguf::Value::u32(1));
  md.emplace_back("tokenizer.ggml.cls_token_id", gguf::Value::u32(2));
  md.emplace_back("tokenizer.ggml.seperator_token_id", gguf::Value::u32(3));  // llama.cpp's spelling
  md.emplace_back("tokenizer.ggml.mask_token_id", gguf::Value::u32(4));
  return n;
}

}  // namespace

const std::vector<BertSynthShape>& bert_synth_shapes() {
  static const std::vector<BertSynthShape> kShapes = [] {
    std::vector<BertSynthShape> s;
    auto add = [&](std::string name, std::string arch, int64_t dim, int64_t layers, int64_t heads, int64_t ffn,
                   int64_t ctx, float eps) {
      BertSynthShape x;
      x.name = std::move(name);
      x.arch = std::move(arch);
      x.dim = dim, x.layers = layers, x.heads = heads, x.ffn = ffn, x.ctx = ctx;
      x.norm_eps = eps;
      x.pooling = x.name.rfind("bge", 0) == 0 ? PoolingType::Cls : PoolingType::Mean;
      s.push_back(std::move(x));
    };
    add("minilm-l6", "bert", 384, 6, 12, 1536, 512, 1e-12f);
    add("bge-small", "bert", 384, 12, 12, 1536, 512, 1e-12f);
    add("bge-base", "bert", 768, 12, 12, 3072, 512, 1e-12f);
    add("nomic-embed-text", "nomic-bert", 768, 12, 12, 3072, 2048, 1e-12f);
    add("bert-tiny", "bert", 64, 2, 4, 128, 64, 1e-12f);
    add("nomic-tiny", "nomic-bert", 64, 2, 4, 128, 64, 1e-12f);
    return s;
  }();
  return kShapes;
}

std::optional<BertSynthShape> find_bert_synth_shape(const std::string& name) {
  return find_shape_named(bert_synth_shapes(), name);
}

Status validate_bert_synth_shape(const BertSynthShape& s) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  const std::string what = "shape '" + s.name + "': ";
  if (!is_encoder_architecture(s.arch)) return Status::error(what + "architecture must be bert or nomic-bert");
  if (Status sizes = check_synth_sizes(what, "", s.dim, s.layers, s.ffn, s.heads); !sizes) return sizes;
  if (s.arch == "nomic-bert" && (s.dim / s.heads) % 2 != 0)
    return Status::error(what + "head size must be even for rotary positions");
  if (!in(s.ctx, 1, 1 << 20)) return Status::error(what + "context length " + std::to_string(s.ctx) + " out of range");
  return Status::ok();
}

std::vector<StreamTensorSpec> bert_synth_tensor_specs(const BertSynthShape& s, int64_t vocab) {
  const uint64_t E = static_cast<uint64_t>(s.dim), F = static_cast<uint64_t>(s.ffn);
  const bool nomic = s.arch == "nomic-bert";
  std::vector<StreamTensorSpec> t;
  auto add = [&](std::string name, std::vector<uint64_t> dims) { t.push_back({std::move(name), GgmlType::F32, std::move(dims)}); };
  add("token_embd.weight", {E, static_cast<uint64_t>(vocab)});
  add("token_types.weight", {E, 2});
  if (!nomic) add("position_embd.weight", {E, static_cast<uint64_t>(s.ctx)});
  add("token_embd_norm.weight", {E});
  add("token_embd_norm.bias", {E});
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    if (nomic) {
      add(b + "attn_qkv.weight", {E, 3 * E});
    } else {
      for (const char* m : {"attn_q", "attn_k", "attn_v"}) {
        add(b + m + ".weight", {E, E});
        add(b + m + ".bias", {E});
      }
    }
    add(b + "attn_output.weight", {E, E});
    if (!nomic) add(b + "attn_output.bias", {E});
    add(b + "attn_output_norm.weight", {E});
    add(b + "attn_output_norm.bias", {E});
    add(b + "ffn_up.weight", {E, F});
    if (nomic) add(b + "ffn_gate.weight", {E, F});
    else add(b + "ffn_up.bias", {F});
    add(b + "ffn_down.weight", {F, E});
    if (!nomic) add(b + "ffn_down.bias", {E});
    add(b + "layer_output_norm.weight", {E});
    add(b + "layer_output_norm.bias", {E});
  }
  return t;
}

Result<SynthReport> synthesize_bert_model(const std::string& out_path, const BertSynthOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  BertSynthShape shape = options.shape;
  if (options.ctx > 0) shape.ctx = options.ctx;
  if (options.pooling) shape.pooling = *options.pooling;
  if (Status s = validate_bert_synth_shape(shape); !s) return Error{s.message()};
  auto ftype = synth_file_type(options.type);
  if (!ftype) return Error{ftype.error()};

  GgufStreamWriter::Metadata vocab_md;
  auto vocab = options.vocab_from.empty() ? add_vocab_builtin(vocab_md) : synth_vocab_from(vocab_md, options.vocab_from);
  if (!vocab) return Error{vocab.error()};

  GgufStreamWriter::Metadata md;
  add_synth_header(md, {shape.arch, shape.name, options.seed, shape.ctx, shape.dim, shape.layers, shape.ffn, shape.heads});
  const std::string p = shape.arch + ".";
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  md.emplace_back(p + "attention.layer_norm_epsilon", gguf::Value::f32(shape.norm_eps));
  md.emplace_back(p + "attention.causal", gguf::Value::boolean(false));
  md.emplace_back(p + "pooling_type", u32(static_cast<int64_t>(shape.pooling)));
  if (shape.arch == "nomic-bert") md.emplace_back(p + "rope.freq_base", gguf::Value::f32(shape.rope_base));
  bool has_type_count = false;
  for (auto& kv : vocab_md) {
    has_type_count = has_type_count || kv.first == "tokenizer.ggml.token_type_count";
    md.push_back(std::move(kv));
  }
  if (!has_type_count) md.emplace_back("tokenizer.ggml.token_type_count", u32(2));
  md.emplace_back("general.quantization_version", gguf::Value::u32(2));
  md.emplace_back("general.file_type", gguf::Value::u32(ftype->llama_ftype));

  auto specs = synth_typed_specs(*ftype, {shape.arch, shape.layers, shape.heads, shape.heads, 0},
                                 bert_synth_tensor_specs(shape, *vocab));
  if (!specs) return Error{specs.error()};
  auto written = write_synth_weights(out_path, md, *specs, {options.seed, options.threads, options.progress, fill_for, {}});
  if (!written) return Error{written.error()};
  SynthReport report;
  report.parameters = written->parameters;
  report.output_bytes = written->output_bytes;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pg
