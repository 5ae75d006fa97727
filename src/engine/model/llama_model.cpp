// Loads and validates the tensors of a decoder GGUF model (every architecture
// of engine/model/architecture.h): every tensor the configuration needs present, with the shape the hyper-parameters imply and a type the
// engine can compute with (checked by engine/model/tensor_loader.h).
#include "engine/model/llama_model.h"

#include "engine/model/tensor_loader.h"

#include <cctype>

namespace pg {
namespace {

// Collects the first failure of several lookups, so a layer reads as a list.
struct LayerReader {
  const TensorLoader& L;
  std::string prefix;
  Status status = Status::ok();

  kernels::WeightMatrix matrix(const std::string& name, int64_t cols, int64_t rows) {
    if (!status) return {};
    auto r = L.matrix(prefix + name, cols, rows);
    if (!r) { status = r.status(); return {}; }
    return *r;
  }
  std::vector<float> vector(const std::string& name, int64_t n, bool required) {
    if (!status) return {};
    auto r = required ? L.vector(prefix + name, n) : L.optional_vector(prefix + name, n);
    if (!r) { status = r.status(); return {}; }
    return std::move(*r);
  }
  kernels::WeightMatrix stacked(const std::string& name, int64_t cols, int64_t rows, int64_t count) {
    if (!status) return {};
    auto r = L.stacked_matrices(prefix + name, cols, rows, count);
    if (!r) { status = r.status(); return {}; }
    return *r;
  }
  bool has(const std::string& name) const { return L.has(prefix + name); }
};

// The rows [first, first + rows) of a matrix, as a matrix of their own.
kernels::WeightMatrix row_range(const kernels::WeightMatrix& w, int64_t first, int64_t rows) {
  kernels::WeightMatrix v = w;
  v.rows = rows;
  v.data = static_cast<const uint8_t*>(w.data) + static_cast<uint64_t>(first) * w.row_bytes;
  return v;
}

// The router and experts of a mixture-of-experts layer: merged 3-D tensors
// `ffn_{gate,up,down}_exps` (expert e's rows are the e-th slice), or one
// tensor per expert `ffn_{gate,up,down}.E.weight` as old Mixtral files store them.
void load_experts(LayerReader& r, const ModelConfig& c, LayerWeights& l) {
  const int64_t E = c.n_embd, F = c.n_ff_expert, N = c.n_expert;
  l.router = r.matrix("ffn_gate_inp.weight", E, N);
  l.router_bias = r.vector("ffn_gate_inp.bias", N, false);
  l.experts.resize(static_cast<size_t>(N));
  if (r.has("ffn_up_exps.weight")) {
    const kernels::WeightMatrix gate = r.stacked("ffn_gate_exps.weight", E, F, N);
    const kernels::WeightMatrix up = r.stacked("ffn_up_exps.weight", E, F, N);
    const kernels::WeightMatrix down = r.stacked("ffn_down_exps.weight", F, E, N);
    if (!r.status) return;
    for (int64_t e = 0; e < N; ++e) {
      ExpertWeights& x = l.experts[static_cast<size_t>(e)];
      x.gate = row_range(gate, e * F, F);
      x.up = row_range(up, e * F, F);
      x.down = row_range(down, e * E, E);
    }
  } else {
    for (int64_t e = 0; e < N; ++e) {
      ExpertWeights& x = l.experts[static_cast<size_t>(e)];
      const std::string n = std::to_string(e);
      x.gate = r.matrix("ffn_gate." + n + ".weight", E, F);
      x.up = r.matrix("ffn_up." + n + ".weight", E, F);
      x.down = r.matrix("ffn_down." + n + ".weight", F, E);
    }
  }
  // Expert biases: GGML dims [width, n_expert], one row per expert.
  auto biases = [&](const std::string& name, int64_t width) {
    std::vector<float> out;
    if (!r.has(name)) return out;
    const kernels::WeightMatrix m = r.matrix(name, width, N);
    if (!r.status) return out;
    out.resize(static_cast<size_t>(width * N));
    for (int64_t e = 0; e < N; ++e) kernels::get_row(m, e, out.data() + e * width);
    return out;
  };
  l.experts_b_gate = biases("ffn_gate_exps.bias", F);
  l.experts_b_up = biases("ffn_up_exps.bias", F);
  l.experts_b_down = biases("ffn_down_exps.bias", E);
}

Status load_layer(const TensorLoader& loader, const ModelConfig& c, int64_t i, LayerWeights& l) {
  LayerReader r{loader, "blk." + std::to_string(i) + "."};
  const int64_t E = c.n_embd, Q = c.n_embd_q(), KV = c.n_embd_kv(), F = c.n_ff;
  l.attn_norm = r.vector("attn_norm.weight", E, c.pre_norms);
  l.ffn_norm = r.vector(c.ffn_norm_tensor + ".weight", E, c.pre_norms);
  if (c.attention_sinks) l.attn_sinks = r.vector("attn_sinks.weight", c.n_head, true);
  if (c.post_norms) {
    l.post_attn_norm = r.vector("post_attention_norm.weight", E, true);
    l.post_ffn_norm = r.vector("post_ffw_norm.weight", E, true);
  }
  if (c.qk_norm == QkNorm::PerHead) {
    l.attn_q_norm = r.vector("attn_q_norm.weight", c.head_dim, true);
    l.attn_k_norm = r.vector("attn_k_norm.weight", c.head_dim, true);
  } else if (c.qk_norm == QkNorm::FullWidth) {
    l.attn_q_norm = r.vector("attn_q_norm.weight", Q, true);
    l.attn_k_norm = r.vector("attn_k_norm.weight", KV, true);
  }
  if (r.has("attn_qkv.weight")) {
    const kernels::WeightMatrix qkv = r.matrix("attn_qkv.weight", E, Q + 2 * KV);
    if (r.status) {
      l.wq = row_range(qkv, 0, Q);
      l.wk = row_range(qkv, Q, KV);
      l.wv = row_range(qkv, Q + KV, KV);
    }
  } else {
    l.wq = r.matrix("attn_q.weight", E, Q);
    l.wk = r.matrix("attn_k.weight", E, KV);
    l.wv = r.matrix("attn_v.weight", E, KV);
  }
  l.wo = r.matrix("attn_output.weight", Q, E);
  if (r.has("attn_q.bias")) {
    l.bq = r.vector("attn_q.bias", Q, true);
    l.bk = r.vector("attn_k.bias", KV, true);
    l.bv = r.vector("attn_v.bias", KV, true);
  }
  l.bo = r.vector("attn_output.bias", E, false);
  if (c.is_moe()) {
    load_experts(r, c, l);
    return r.status;
  }
  if (r.has("ffn_gate.weight")) {
    l.w_gate = r.matrix("ffn_gate.weight", E, F);
    l.w_up = r.matrix("ffn_up.weight", E, F);
  } else {
    // Phi-3: one ffn_up of 2F rows, the gate's rows first.
    const kernels::WeightMatrix up = r.matrix("ffn_up.weight", E, 2 * F);
    if (r.status) {
      l.w_gate = row_range(up, 0, F);
      l.w_up = row_range(up, F, F);
    }
  }
  l.w_down = r.matrix("ffn_down.weight", F, E);
  l.b_gate = r.vector("ffn_gate.bias", F, false);
  l.b_up = r.vector("ffn_up.bias", F, false);
  l.b_down = r.vector("ffn_down.bias", E, false);
  return r.status;
}

// Tensors of a vision encoder or projector (Mistral 3 and Gemma 3 files may
// carry them beside the text model), which the text forward pass leaves alone.
bool is_vision_tensor(const std::string& name) {
  return name.starts_with("v.") || name.starts_with("mm.") || name.starts_with("vision") ||
         name.starts_with("multi_modal_projector");
}

}  // namespace

Result<std::unique_ptr<LlamaModel>> LlamaModel::load(const std::string& path) {
  auto file = gguf::GgufFile::open(path, MapMode::Streamed);
  if (!file) return file.status();
  return from_file(std::move(*file));
}

Result<std::unique_ptr<LlamaModel>> LlamaModel::from_file(std::unique_ptr<gguf::GgufFile> file) {
  std::unique_ptr<LlamaModel> m(new LlamaModel());
  m->file_ = std::move(file);
  const gguf::GgufFile& f = *m->file_;
  auto fail = [&](const std::string& msg) -> Result<std::unique_ptr<LlamaModel>> {
    return Error{f.path() + ": " + msg};
  };

  const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) return fail("missing tensor 'token_embd.weight'");
  if (embd->dims.size() < 2) return fail("tensor 'token_embd.weight' must be 2-D");
  auto config = read_model_config(f, static_cast<int64_t>(embd->dims[1]));
  if (!config) return fail(config.error());
  m->config_ = *config;
  const ModelConfig& c = m->config_;

  auto tok = Tokenizer::from_gguf(f);
  if (!tok) return fail(tok.error());
  m->tokenizer_ = std::move(*tok);
  if (static_cast<int64_t>(m->tokenizer_->vocab_size()) != c.n_vocab)
    return fail("tokenizer has " + std::to_string(m->tokenizer_->vocab_size()) +
                " tokens but token_embd.weight has " + std::to_string(c.n_vocab) + " rows");

  TensorLoader L(f);
  auto e = L.matrix("token_embd.weight", c.n_embd, c.n_vocab);
  if (!e) return fail(e.error());
  m->token_embd_ = *e;
  if (L.has("output.weight")) {
    auto o = L.matrix("output.weight", c.n_embd, c.n_vocab);
    if (!o) return fail(o.error());
    m->output_ = *o;
  } else {
    m->output_ = m->token_embd_;  // tied embedding
  }
  auto on = L.vector("output_norm.weight", c.n_embd);
  if (!on) return fail(on.error());
  m->output_norm_ = std::move(*on);
  auto rf = L.optional_vector("rope_freqs.weight", c.n_rot / 2);
  auto rl = L.optional_vector("rope_factors_long.weight", c.n_rot / 2);
  auto rs = L.optional_vector("rope_factors_short.weight", c.n_rot / 2);
  for (const Status& s : {rf.status(), rl.status(), rs.status()})
    if (!s) return fail(s.message());
  m->rope_freqs_ = std::move(*rf);
  m->rope_long_ = std::move(*rl);
  m->rope_short_ = std::move(*rs);

  m->layers_.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i) {
    if (Status s = load_layer(L, c, i, m->layers_[static_cast<size_t>(i)]); !s) return fail(s.message());
  }
  size_t vision = 0;
  for (const auto& t : f.tensors()) vision += is_vision_tensor(t.name) ? 1 : 0;
  if (vision > 0)
    m->notices_.push_back("ignoring " + std::to_string(vision) +
                          " vision tensors: this engine runs the text model only (images are not supported)");
  return m;
}

const std::vector<float>& LlamaModel::rope_factors_for(int64_t n_ctx) const {
  if (!rope_freqs_.empty()) return rope_freqs_;
  if (n_ctx > config_.n_ctx_orig) return rope_long_;
  return rope_short_;
}

uint64_t LlamaModel::parameter_count() const {
  uint64_t n = 0;
  for (const auto& t : file_->tensors()) n += t.n_elements;
  return n;
}

uint64_t LlamaModel::weight_bytes() const {
  uint64_t n = 0;
  for (const auto& t : file_->tensors()) n += t.n_bytes;
  return n;
}

namespace {
// A merged expert tensor (`blk.N.ffn_up_exps.weight`, its bias) or one expert's
// own tensor in the old layout (`blk.N.ffn_up.E.weight`).
bool is_expert_tensor(const std::string& name) {
  if (name.find("_exps.") != std::string::npos) return true;
  for (const char* ffn : {".ffn_gate.", ".ffn_up.", ".ffn_down."}) {
    const size_t at = name.find(ffn);
    if (at == std::string::npos) continue;
    const size_t digits = at + std::string(ffn).size();
    size_t end = digits;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    return end > digits && name.compare(end, std::string::npos, ".weight") == 0;
  }
  return false;
}
}  // namespace

uint64_t LlamaModel::active_weight_bytes() const { return pg::active_weight_bytes(*file_, config_); }

uint64_t active_weight_bytes(const gguf::GgufFile& f, const ModelConfig& c) {
  const bool tied = f.find_tensor("output.weight") == nullptr;
  uint64_t n = 0;
  for (const auto& t : f.tensors()) {
    if (t.name == "token_embd.weight" && !tied) {
      n += c.n_vocab > 0 ? t.n_bytes / static_cast<uint64_t>(c.n_vocab) : 0;
    } else if (c.n_expert > 0 && is_expert_tensor(t.name)) {
      n += t.n_bytes / static_cast<uint64_t>(c.n_expert) * static_cast<uint64_t>(c.n_expert_used);
    } else {
      n += t.n_bytes;
    }
  }
  return n;
}

}  // namespace pg
