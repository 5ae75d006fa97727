// synthesize_model: shape table, tensor list, built-in SentencePiece-style
// vocabulary, and the row-seeded weight generator streamed through
// GgufStreamWriter (typed like `playground quantize` would type them).
#include "models/synth.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/gguf/gguf.h"
#include "engine/kernels/thread_pool.h"
#include "models/quant_recipe.h"
#include "models/quantize.h"

namespace pg {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b * 0xD1B54A32D192ED03ull);
  return splitmix64(s);
}

// Approximately N(0, 1): the sum of four uniforms (Irwin-Hall), centred and
// scaled to unit variance. Only integer and IEEE double arithmetic, so every
// platform produces the same values.
double approx_normal(uint64_t& state) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
  return (sum - 2.0) * 1.7320508075688772;  // sqrt(3)
}

enum class Fill { Ones, Random };

struct TensorFill {
  Fill fill = Fill::Random;
  double stddev = 0;
};

TensorFill fill_for(const StreamTensorSpec& t) {
  if (t.name.find("_norm.weight") != std::string::npos) return {Fill::Ones, 0};
  if (t.name.find(".bias") != std::string::npos) return {Fill::Random, 0.02};
  // 1/sqrt(fan_in) keeps each matrix product's output at about unit variance.
  return {Fill::Random, 1.0 / std::sqrt(static_cast<double>(t.dims[0]))};
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

// Copies every tokenizer.* key; returns the vocabulary size.
Result<int64_t> add_vocab_from(GgufStreamWriter::Metadata& md, const std::string& path) {
  auto f = gguf::GgufFile::open(path);
  if (!f) return Error{"--vocab-from: " + f.error()};
  const gguf::Value* tokens = (*f)->find("tokenizer.ggml.tokens");
  const gguf::Array* arr = tokens ? tokens->as_array() : nullptr;
  if (arr == nullptr || arr->items.empty())
    return Error{"--vocab-from " + path + ": no tokenizer.ggml.tokens array (not a model with a vocabulary)"};
  for (const auto& [key, value] : (*f)->metadata())
    if (key.rfind("tokenizer.", 0) == 0) md.emplace_back(key, value);
  return static_cast<int64_t>(arr->items.size());
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

std::optional<SynthShape> find_synth_shape(const std::string& name) {
  for (const SynthShape& s : synth_shapes())
    if (s.name == name) return s;
  return std::nullopt;
}

Status validate_synth_shape(const SynthShape& s) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  const std::string what = "shape '" + s.name + "': ";
  if (s.arch != "llama" && s.arch != "qwen2") return Status::error(what + "architecture must be llama or qwen2");
  if (!in(s.dim, 2, 1 << 16)) return Status::error(what + "--dim " + std::to_string(s.dim) + " out of range 2..65536");
  if (!in(s.layers, 1, 1024)) return Status::error(what + "--layers " + std::to_string(s.layers) + " out of range 1..1024");
  if (!in(s.ffn, 1, 1 << 18)) return Status::error(what + "--ffn " + std::to_string(s.ffn) + " out of range 1..262144");
  if (!in(s.heads, 1, s.dim) || s.dim % s.heads != 0)
    return Status::error(what + "--heads " + std::to_string(s.heads) + " does not divide --dim " + std::to_string(s.dim));
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
  auto ftype = find_quant_file_type(options.type);
  if (!ftype) {
    std::string names;
    for (std::string_view n : quant_file_type_names()) names += (names.empty() ? "" : ", ") + std::string(n);
    return Error{"unknown --type '" + options.type + "' (supported: " + names + ")"};
  }

  GgufStreamWriter::Metadata md;
  GgufStreamWriter::Metadata vocab_md;
  if (!options.vocab_from.empty()) {
    auto n = add_vocab_from(vocab_md, options.vocab_from);
    if (!n) return Error{n.error()};
    shape.vocab = *n;
  }
  if (Status s = validate_synth_shape(shape); !s) return Error{s.message()};
  if (options.vocab_from.empty()) add_vocab_builtin(vocab_md, shape.vocab);

  const std::string p = shape.arch + ".";
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  md.emplace_back("general.architecture", gguf::Value::str(shape.arch));
  md.emplace_back("general.name", gguf::Value::str("synth-" + shape.name));
  md.emplace_back("general.description",
                  gguf::Value::str("random weights from playground synth (seed " + std::to_string(options.seed) + ")"));
  md.emplace_back(p + "context_length", u32(shape.ctx));
  md.emplace_back(p + "embedding_length", u32(shape.dim));
  md.emplace_back(p + "block_count", u32(shape.layers));
  md.emplace_back(p + "feed_forward_length", u32(shape.ffn));
  md.emplace_back(p + "attention.head_count", u32(shape.heads));
  md.emplace_back(p + "attention.head_count_kv", u32(shape.kv_heads));
  md.emplace_back(p + "rope.dimension_count", u32(shape.dim / shape.heads));
  md.emplace_back(p + "attention.layer_norm_rms_epsilon", gguf::Value::f32(shape.rms_eps));
  md.emplace_back(p + "rope.freq_base", gguf::Value::f32(shape.rope_base));
  for (auto& kv : vocab_md) md.push_back(std::move(kv));
  md.emplace_back("general.quantization_version", gguf::Value::u32(2));
  md.emplace_back("general.file_type", gguf::Value::u32(ftype->llama_ftype));

  // Type the tensors the way `playground quantize` would type an F32 file.
  std::vector<StreamTensorSpec> natural = synth_tensor_specs(shape);
  std::vector<RecipeTensor> recipe;
  for (const auto& t : natural) recipe.push_back({t.name, t.type, t.dims});
  const std::vector<size_t> order = llama_tensor_order(recipe);
  std::vector<RecipeTensor> ordered;
  for (size_t i : order) ordered.push_back(recipe[i]);
  RecipeModel model{shape.arch, shape.layers, shape.heads, shape.kv_heads, 0};
  auto plan = plan_tensor_types(*ftype, model, ordered);
  if (!plan) return Error{plan.error()};
  std::vector<StreamTensorSpec> specs;
  for (size_t i = 0; i < ordered.size(); ++i) specs.push_back({ordered[i].name, plan->types[i], ordered[i].dims});

  auto writer = GgufStreamWriter::create(out_path, md, specs);
  if (!writer) return Error{writer.error()};
  ThreadPool pool(options.threads > 0 ? options.threads : physical_core_count());
  std::vector<float> rows_f32;
  std::vector<uint8_t> rows_out;
  for (size_t i = 0; i < specs.size(); ++i) {
    const StreamTensorSpec& t = specs[i];
    if (options.progress) options.progress(i, specs.size(), t.name, std::string(ggml_type_name(t.type)));
    const TensorFill fill = fill_for(t);
    const int64_t n_per_row = static_cast<int64_t>(t.dims[0]);
    const int64_t n_rows = t.dims.size() > 1 ? static_cast<int64_t>(t.dims[1]) : 1;
    const uint64_t out_row = *ggml_row_bytes(t.type, t.dims[0]);
    const int64_t chunk_rows = std::max<int64_t>(1, (int64_t{1} << 22) / n_per_row);
    // Seeds depend on the tensor's name, not its position, so reordering never changes values.
    uint64_t name_hash = 1469598103934665603ull;  // FNV-1a
    for (char c : t.name) name_hash = (name_hash ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    const uint64_t tensor_seed = mix(options.seed, name_hash);
    for (int64_t first = 0; first < n_rows; first += chunk_rows) {
      const int64_t rows = std::min(chunk_rows, n_rows - first);
      rows_f32.resize(static_cast<size_t>(rows * n_per_row));
      pool.run([&](int th, int n) {
        for (int64_t r = rows * th / n; r < rows * (th + 1) / n; ++r) {
          float* dst = rows_f32.data() + r * n_per_row;
          uint64_t state = mix(tensor_seed, static_cast<uint64_t>(first + r));
          for (int64_t k = 0; k < n_per_row; ++k)
            dst[k] = fill.fill == Fill::Ones ? 1.0f : static_cast<float>(fill.stddev * approx_normal(state));
        }
      });
      rows_out.resize(static_cast<size_t>(rows) * out_row);
      if (Status s = convert_rows(t.type, rows_f32.data(), rows, n_per_row, rows_out.data(), pool); !s)
        return Error{"tensor '" + t.name + "': " + s.message()};
      if (Status s = (*writer)->append(rows_out.data(), rows_out.size()); !s) return Error{s.message()};
    }
  }
  if (Status s = (*writer)->finish(); !s) return Error{s.message()};
  SynthReport report;
  report.parameters = synth_parameter_count(shape);
  auto size = GgufStreamWriter::file_size(md, specs);
  report.output_bytes = size ? *size : 0;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pg
