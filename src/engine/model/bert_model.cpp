// Loads and validates the tensors of a BERT-family GGUF model (every expected
// tensor present, with the shape the hyper-parameters imply and a type the
// engine computes with), tokenizes, and runs batched embeddings through
// engine/model/bert_forward.h.
#include "engine/model/bert_model.h"

#include <algorithm>

#include "engine/model/bert_forward.h"
#include "engine/model/bert_pooling.h"
#include "engine/model/tensor_loader.h"

namespace pg {
namespace {

// Collects the first error of several loads.
class FirstError {
 public:
  template <typename T>
  void take(Result<T>& r, T& into) {
    if (!r) {
      if (message_.empty()) message_ = r.error();
      return;
    }
    into = std::move(*r);
  }
  bool failed() const { return !message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

Status load_layer(const TensorLoader& L, const BertConfig& c, int64_t i, BertLayerWeights& l) {
  const std::string b = "blk." + std::to_string(i) + ".";
  const int64_t E = c.n_embd, KV = c.n_embd_kv(), F = c.n_ff;
  const bool bert = !c.rotary();
  FirstError e;
  auto required = [&](const std::string& name, int64_t n, std::vector<float>& into) {
    auto v = L.vector(name, n);
    e.take(v, into);
  };
  // bert files carry every bias (llama.cpp's graph adds them unconditionally);
  // nomic-bert has none, but a bias that is present is used and checked.
  auto bias = [&](const std::string& name, int64_t n, std::vector<float>& into) {
    auto v = bert ? L.vector(name, n) : L.optional_vector(name, n);
    e.take(v, into);
  };
  auto matrix = [&](const std::string& name, int64_t cols, int64_t rows, kernels::WeightMatrix& into) {
    auto m = L.matrix(name, cols, rows);
    e.take(m, into);
  };

  if (L.has(b + "attn_qkv.weight")) {
    matrix(b + "attn_qkv.weight", E, E + 2 * KV, l.wqkv);
    auto v = L.optional_vector(b + "attn_qkv.bias", E + 2 * KV);
    e.take(v, l.bqkv);
  } else {
    matrix(b + "attn_q.weight", E, E, l.wq);
    matrix(b + "attn_k.weight", E, KV, l.wk);
    matrix(b + "attn_v.weight", E, KV, l.wv);
    bias(b + "attn_q.bias", E, l.bq);
    bias(b + "attn_k.bias", KV, l.bk);
    bias(b + "attn_v.bias", KV, l.bv);
  }
  matrix(b + "attn_output.weight", E, E, l.wo);
  bias(b + "attn_output.bias", E, l.bo);
  required(b + "attn_output_norm.weight", E, l.attn_out_norm);
  required(b + "attn_output_norm.bias", E, l.attn_out_norm_b);
  matrix(b + "ffn_up.weight", E, F, l.ffn_up);
  if (bert) {
    bias(b + "ffn_up.bias", F, l.ffn_up_b);
  } else {
    matrix(b + "ffn_gate.weight", E, F, l.ffn_gate);
    bias(b + "ffn_up.bias", F, l.ffn_up_b);
  }
  matrix(b + "ffn_down.weight", F, E, l.ffn_down);
  bias(b + "ffn_down.bias", E, l.ffn_down_b);
  required(b + "layer_output_norm.weight", E, l.out_norm);
  required(b + "layer_output_norm.bias", E, l.out_norm_b);
  if (e.failed()) return Status::error(e.message());
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<BertModel>> BertModel::load(const std::string& path) {
  auto file = gguf::GgufFile::open(path, MapMode::Streamed);
  if (!file) return file.status();
  return from_file(std::move(*file));
}

Result<std::unique_ptr<BertModel>> BertModel::from_file(std::unique_ptr<gguf::GgufFile> file) {
  std::unique_ptr<BertModel> m(new BertModel());
  m->file_ = std::move(file);
  const gguf::GgufFile& f = *m->file_;
  auto fail = [&](const std::string& msg) -> Result<std::unique_ptr<BertModel>> { return Error{f.path() + ": " + msg}; };

  const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) return fail("missing tensor 'token_embd.weight'");
  if (embd->dims.size() != 2)
    return fail("tensor 'token_embd.weight' must be 2-D, has shape " + tensor_shape_string(embd->dims));
  auto config = read_bert_config(f, static_cast<int64_t>(embd->dims[1]));
  if (!config) return fail(config.error());
  m->config_ = *config;
  const BertConfig& c = m->config_;

  auto tok = Tokenizer::from_gguf(f);
  if (!tok) return fail(tok.error());
  m->tokenizer_ = std::move(*tok);
  if (static_cast<int64_t>(m->tokenizer_->vocab_size()) != c.n_vocab)
    return fail("tokenizer has " + std::to_string(m->tokenizer_->vocab_size()) + " tokens but token_embd.weight has " +
                std::to_string(c.n_vocab) + " rows");

  TensorLoader L(f);
  auto e = L.matrix("token_embd.weight", c.n_embd, c.n_vocab);
  if (!e) return fail(e.error());
  m->token_embd_ = *e;
  if (!c.rotary()) {
    auto pos = L.matrix("position_embd.weight", c.n_embd, c.n_ctx_train);
    if (!pos) return fail(pos.error());
    m->position_embd_ = *pos;
  }
  m->token_type0_.assign(static_cast<size_t>(c.n_embd), 0.0f);
  if (L.has("token_types.weight")) {
    const gguf::TensorInfo* types = f.find_tensor("token_types.weight");
    int64_t n_types = c.n_token_types;
    if (n_types == 0) n_types = types->dims.size() >= 2 ? static_cast<int64_t>(types->dims[1]) : 1;
    if (n_types < 1) return fail("tensor 'token_types.weight' has no rows");
    auto t = L.matrix("token_types.weight", c.n_embd, n_types);
    if (!t) return fail(t.error());
    kernels::get_row(*t, 0, m->token_type0_.data());
  }
  auto norm = L.vector("token_embd_norm.weight", c.n_embd);
  if (!norm) return fail(norm.error());
  m->embd_norm_ = std::move(*norm);
  auto norm_b = L.vector("token_embd_norm.bias", c.n_embd);
  if (!norm_b) return fail(norm_b.error());
  m->embd_norm_b_ = std::move(*norm_b);

  m->layers_.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i)
    if (Status s = load_layer(L, c, i, m->layers_[static_cast<size_t>(i)]); !s) return fail(s.message());
  return m;
}

uint64_t BertModel::parameter_count() const {
  uint64_t n = 0;
  for (const auto& t : file_->tensors()) n += t.n_elements;
  return n;
}

uint64_t BertModel::weight_bytes() const {
  uint64_t n = 0;
  for (const auto& t : file_->tensors()) n += t.n_bytes;
  return n;
}

std::vector<TokenId> BertModel::tokenize(std::string_view text) const {
  std::vector<TokenId> ids = tokenizer_->encode(text, true, false);
  const size_t limit = static_cast<size_t>(std::max<int64_t>(1, config_.n_ctx_train));
  if (ids.size() > limit) {
    const TokenId sep = tokenizer_->sep_id();
    const bool ends_with_sep = sep >= 0 && ids.back() == sep;
    ids.resize(limit);
    if (ends_with_sep) ids.back() = sep;
  }
  return ids;
}

Status BertModel::check_input(std::span<const TokenId> tokens, size_t index) const {
  const std::string which = "input " + std::to_string(index);
  if (tokens.empty()) return Status::error(which + " is empty (an embedding needs at least one token)");
  if (static_cast<int64_t>(tokens.size()) > config_.n_ctx_train)
    return Status::error(which + " has " + std::to_string(tokens.size()) + " tokens, more than the model's context of " +
                         std::to_string(config_.n_ctx_train));
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= config_.n_vocab)
      return Status::error(which + ": token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                           " is outside the vocabulary (0.." + std::to_string(config_.n_vocab - 1) + ")");
  return Status::ok();
}

Result<std::vector<std::vector<float>>> BertModel::embed(std::span<const std::vector<TokenId>> inputs,
                                                         ThreadPool& pool) const {
  return embed(inputs, pool, EmbedOptions{});
}

Result<std::vector<std::vector<float>>> BertModel::embed(std::span<const std::vector<TokenId>> inputs, ThreadPool& pool,
                                                         const EmbedOptions& options) const {
  if (inputs.empty()) return Error{"embed: no inputs"};
  const PoolingType pooling = options.pooling.value_or(config_.pooling);
  if (pooling != PoolingType::Mean && pooling != PoolingType::Cls && pooling != PoolingType::Last)
    return Error{"pooling type '" + std::string(pooling_type_name(pooling)) +
                 "' gives no sentence vector (supported: mean, cls, last)"};
  for (size_t i = 0; i < inputs.size(); ++i)
    if (Status s = check_input(inputs[i], i); !s) return Error{s.message()};
  const kernels::KernelPath path = options.kernel_path && kernels::kernel_path_supported(*options.kernel_path)
                                       ? *options.kernel_path
                                       : kernels::best_kernel_path();
  const int64_t max_tokens = std::max<int64_t>(options.max_batch_tokens, 1);

  std::vector<std::vector<float>> out;
  out.reserve(inputs.size());
  BertForward forward(*this, pool, path);
  std::vector<float> hidden;
  for (size_t first = 0; first < inputs.size();) {
    // A group: as many whole inputs as fit in max_tokens (at least one).
    size_t last = first;
    int64_t tokens = 0;
    while (last < inputs.size() && (last == first || tokens + static_cast<int64_t>(inputs[last].size()) <= max_tokens))
      tokens += static_cast<int64_t>(inputs[last++].size());
    const auto group = inputs.subspan(first, last - first);
    forward.run(group, hidden);
    std::vector<std::vector<float>> vectors = pool_and_normalize(hidden, group, config_.n_embd, pooling);
    for (auto& v : vectors) out.push_back(std::move(v));
    first = last;
  }
  return out;
}

}  // namespace pg
