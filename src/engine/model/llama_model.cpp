// Loads and validates the tensors of a Llama-family GGUF model: every expected
// tensor present, with the shape the hyper-parameters imply and a type the
// engine can compute with (checked by engine/model/tensor_loader.h).
#include "engine/model/llama_model.h"

#include "engine/model/tensor_loader.h"

namespace pg {
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
  if (L.has("rope_freqs.weight")) {
    auto rf = L.vector("rope_freqs.weight", c.n_rot / 2);
    if (!rf) return fail(rf.error());
    m->rope_freqs_ = std::move(*rf);
  }

  m->layers_.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    LayerWeights& l = m->layers_[static_cast<size_t>(i)];
    auto an = L.vector(b + "attn_norm.weight", c.n_embd);
    auto fn = L.vector(b + "ffn_norm.weight", c.n_embd);
    auto wq = L.matrix(b + "attn_q.weight", c.n_embd, c.n_embd_q());
    auto wk = L.matrix(b + "attn_k.weight", c.n_embd, c.n_embd_kv());
    auto wv = L.matrix(b + "attn_v.weight", c.n_embd, c.n_embd_kv());
    auto wo = L.matrix(b + "attn_output.weight", c.n_embd_q(), c.n_embd);
    auto wg = L.matrix(b + "ffn_gate.weight", c.n_embd, c.n_ff);
    auto wu = L.matrix(b + "ffn_up.weight", c.n_embd, c.n_ff);
    auto wd = L.matrix(b + "ffn_down.weight", c.n_ff, c.n_embd);
    for (const Status& s : {an.status(), fn.status(), wq.status(), wk.status(), wv.status(),
                            wo.status(), wg.status(), wu.status(), wd.status()}) {
      if (!s) return fail(s.message());
    }
    l.attn_norm = std::move(*an);
    l.ffn_norm = std::move(*fn);
    l.wq = *wq; l.wk = *wk; l.wv = *wv; l.wo = *wo;
    l.w_gate = *wg; l.w_up = *wu; l.w_down = *wd;
    if (L.has(b + "attn_q.bias")) {
      auto bq = L.vector(b + "attn_q.bias", c.n_embd_q());
      auto bk = L.vector(b + "attn_k.bias", c.n_embd_kv());
      auto bv = L.vector(b + "attn_v.bias", c.n_embd_kv());
      for (const Status& s : {bq.status(), bk.status(), bv.status()})
        if (!s) return fail(s.message());
      l.bq = std::move(*bq); l.bk = std::move(*bk); l.bv = std::move(*bv);
    }
  }
  return m;
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

}  // namespace pg
