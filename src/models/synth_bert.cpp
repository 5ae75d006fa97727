// synthesize_bert_model: encoder shape table, tensor list, built-in WordPiece
// vocabulary and the row-seeded weight generator, streamed through
// GgufStreamWriter and typed the way `playground quantize` types tensors.
#include "models/synth_bert.h"

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

// Approximately N(0, 1) (Irwin-Hall with four uniforms), integer and IEEE
// double arithmetic only, so every platform produces the same values.
double approx_normal(uint64_t& state) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
  return (sum - 2.0) * 1.7320508075688772;  // sqrt(3)
}

// value = mean + stddev * N(0, 1)
struct TensorFill {
  double mean = 0, stddev = 0;
};

TensorFill fill_for(const StreamTensorSpec& t) {
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
  for (const BertSynthShape& s : bert_synth_shapes())
    if (s.name == name) return s;
  return std::nullopt;
}

Status validate_bert_synth_shape(const BertSynthShape& s) {
  auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  const std::string what = "shape '" + s.name + "': ";
  if (!is_encoder_architecture(s.arch)) return Status::error(what + "architecture must be bert or nomic-bert");
  if (!in(s.dim, 2, 1 << 16)) return Status::error(what + "dim " + std::to_string(s.dim) + " out of range 2..65536");
  if (!in(s.layers, 1, 1024)) return Status::error(what + "layers " + std::to_string(s.layers) + " out of range 1..1024");
  if (!in(s.ffn, 1, 1 << 18)) return Status::error(what + "ffn " + std::to_string(s.ffn) + " out of range 1..262144");
  if (!in(s.heads, 1, s.dim) || s.dim % s.heads != 0)
    return Status::error(what + "heads " + std::to_string(s.heads) + " does not divide dim " + std::to_string(s.dim));
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

Result<BertSynthReport> synthesize_bert_model(const std::string& out_path, const BertSynthOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  BertSynthShape shape = options.shape;
  if (options.ctx > 0) shape.ctx = options.ctx;
  if (options.pooling) shape.pooling = *options.pooling;
  if (Status s = validate_bert_synth_shape(shape); !s) return Error{s.message()};
  auto ftype = find_quant_file_type(options.type);
  if (!ftype) {
    std::string names;
    for (std::string_view n : quant_file_type_names()) names += (names.empty() ? "" : ", ") + std::string(n);
    return Error{"unknown --type '" + options.type + "' (supported: " + names + ")"};
  }

  GgufStreamWriter::Metadata vocab_md;
  auto vocab = options.vocab_from.empty() ? add_vocab_builtin(vocab_md) : add_vocab_from(vocab_md, options.vocab_from);
  if (!vocab) return Error{vocab.error()};

  GgufStreamWriter::Metadata md;
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

  std::vector<StreamTensorSpec> natural = bert_synth_tensor_specs(shape, *vocab);
  std::vector<RecipeTensor> recipe;
  for (const auto& t : natural) recipe.push_back({t.name, t.type, t.dims});
  const std::vector<size_t> order = llama_tensor_order(recipe);
  std::vector<RecipeTensor> ordered;
  for (size_t i : order) ordered.push_back(recipe[i]);
  RecipeModel model{shape.arch, shape.layers, shape.heads, shape.heads, 0};
  auto plan = plan_tensor_types(*ftype, model, ordered);
  if (!plan) return Error{plan.error()};
  std::vector<StreamTensorSpec> specs;
  for (size_t i = 0; i < ordered.size(); ++i) specs.push_back({ordered[i].name, plan->types[i], ordered[i].dims});

  auto writer = GgufStreamWriter::create(out_path, md, specs);
  if (!writer) return Error{writer.error()};
  ThreadPool pool(options.threads > 0 ? options.threads : physical_core_count());
  std::vector<float> rows_f32;
  std::vector<uint8_t> rows_out;
  uint64_t parameters = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const StreamTensorSpec& t = specs[i];
    if (options.progress) options.progress(i, specs.size(), t.name, std::string(ggml_type_name(t.type)));
    const TensorFill fill = fill_for(t);
    const int64_t n_per_row = static_cast<int64_t>(t.dims[0]);
    const int64_t n_rows = t.dims.size() > 1 ? static_cast<int64_t>(t.dims[1]) : 1;
    parameters += static_cast<uint64_t>(n_per_row * n_rows);
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
            dst[k] = static_cast<float>(fill.mean + fill.stddev * approx_normal(state));
        }
      });
      rows_out.resize(static_cast<size_t>(rows) * out_row);
      if (Status s = convert_rows(t.type, rows_f32.data(), rows, n_per_row, rows_out.data(), pool); !s)
        return Error{"tensor '" + t.name + "': " + s.message()};
      if (Status s = (*writer)->append(rows_out.data(), rows_out.size()); !s) return Error{s.message()};
    }
  }
  if (Status s = (*writer)->finish(); !s) return Error{s.message()};
  BertSynthReport report;
  report.parameters = parameters;
  auto size = GgufStreamWriter::file_size(md, specs);
  report.output_bytes = size ? *size : 0;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace pg
