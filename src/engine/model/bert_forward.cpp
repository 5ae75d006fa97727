// Batched BERT / nomic-bert forward pass; see bert_forward.h.
#include "engine/model/bert_forward.h"

#include <cmath>
#include <limits>

#include "engine/model/bert_ops.h"
#include "engine/model/ops.h"

namespace pg {
namespace {

const float* bias_or_null(const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); }

}  // namespace

BertForward::BertForward(const BertModel& model, ThreadPool& pool, kernels::KernelPath path)
    : model_(model), pool_(pool), path_(path) {}

void BertForward::matmul(const kernels::WeightMatrix& w, const float* x, int64_t n_tokens, float* y) {
  // The loader validated every matrix, so this cannot fail; NaN output makes
  // any such bug visible at once.
  if (!kernels::matmul_with_path(path_, w, x, n_tokens, y, pool_, scratch_))
    std::fill(y, y + w.rows * n_tokens, std::numeric_limits<float>::quiet_NaN());
}

void BertForward::run(std::span<const std::vector<TokenId>> inputs, std::vector<float>& hidden) {
  const BertConfig& c = model_.config();
  const int64_t E = c.n_embd, KV = c.n_embd_kv(), F = c.n_ff;
  starts_.clear();
  int64_t T = 0;
  for (const auto& in : inputs) {
    starts_.push_back(T);
    T += static_cast<int64_t>(in.size());
  }
  x_.resize(static_cast<size_t>(T * E));
  q_.resize(static_cast<size_t>(T * E));
  k_.resize(static_cast<size_t>(T * KV));
  v_.resize(static_cast<size_t>(T * KV));
  attn_.resize(static_cast<size_t>(T * E));
  cur_.resize(static_cast<size_t>(T * E));
  up_.resize(static_cast<size_t>(T * F));

  embed_tokens(inputs);
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const BertLayerWeights& w = model_.layer(l);
    project_qkv(w, T);
    if (c.rotary()) {
      const ops::RopeParams rp{c.head_dim, c.rope_freq_base, 1.0f, RopeStyle::NeoX, nullptr};
      for (size_t s = 0; s < inputs.size(); ++s) {
        const int64_t start = starts_[s], n = static_cast<int64_t>(inputs[s].size());
        for_each_row(n, [&](int64_t pos) {
          const int64_t t = start + pos;
          for (int64_t h = 0; h < c.n_head; ++h) ops::rope(&q_[t * E + h * c.head_dim], pos, rp);
          for (int64_t h = 0; h < c.n_head_kv; ++h) ops::rope(&k_[t * KV + h * c.head_dim], pos, rp);
        });
      }
    }
    attention(inputs);
    matmul(w.wo, attn_.data(), T, cur_.data());
    for_each_row(T, [&](int64_t t) {
      float* row = &cur_[t * E];
      ops::add_bias(row, bias_or_null(w.bo), E);
      for (int64_t i = 0; i < E; ++i) row[i] += x_[t * E + i];
      ops::layer_norm(row, w.attn_out_norm.data(), w.attn_out_norm_b.data(), &x_[t * E], E, c.norm_eps);
    });
    feed_forward(w, T);
    for_each_row(T, [&](int64_t t) {
      float* row = &cur_[t * E];
      ops::add_bias(row, bias_or_null(w.ffn_down_b), E);
      for (int64_t i = 0; i < E; ++i) row[i] += x_[t * E + i];
      ops::layer_norm(row, w.out_norm.data(), w.out_norm_b.data(), &x_[t * E], E, c.norm_eps);
    });
  }
  hidden.assign(x_.begin(), x_.end());
}

void BertForward::embed_tokens(std::span<const std::vector<TokenId>> inputs) {
  const BertConfig& c = model_.config();
  const int64_t E = c.n_embd;
  const std::vector<float>& type0 = model_.token_type_row();
  for (size_t s = 0; s < inputs.size(); ++s) {
    const auto& ids = inputs[s];
    const int64_t start = starts_[s];
    for_each_row(static_cast<int64_t>(ids.size()), [&](int64_t pos) {
      float* row = &x_[(start + pos) * E];
      kernels::get_row(model_.token_embedding(), ids[static_cast<size_t>(pos)], row);
      for (int64_t i = 0; i < E; ++i) row[i] += type0[static_cast<size_t>(i)];
      if (!c.rotary()) {
        // Positions go into a scratch row of cur_ (free until the first layer).
        float* p = &cur_[(start + pos) * E];
        kernels::get_row(model_.position_embedding(), pos, p);
        for (int64_t i = 0; i < E; ++i) row[i] += p[i];
      }
      ops::layer_norm(row, model_.embd_norm().data(), model_.embd_norm_b().data(), row, E, c.norm_eps);
    });
  }
}

void BertForward::project_qkv(const BertLayerWeights& w, int64_t T) {
  const BertConfig& c = model_.config();
  const int64_t E = c.n_embd, KV = c.n_embd_kv();
  if (w.wqkv.rows > 0) {
    const int64_t R = E + 2 * KV;
    qkv_.resize(static_cast<size_t>(T * R));
    matmul(w.wqkv, x_.data(), T, qkv_.data());
    for_each_row(T, [&](int64_t t) {
      float* row = &qkv_[t * R];
      ops::add_bias(row, bias_or_null(w.bqkv), R);
      std::copy(row, row + E, &q_[t * E]);
      std::copy(row + E, row + E + KV, &k_[t * KV]);
      std::copy(row + E + KV, row + R, &v_[t * KV]);
    });
    return;
  }
  matmul(w.wq, x_.data(), T, q_.data());
  matmul(w.wk, x_.data(), T, k_.data());
  matmul(w.wv, x_.data(), T, v_.data());
  if (w.bq.empty() && w.bk.empty() && w.bv.empty()) return;
  for_each_row(T, [&](int64_t t) {
    ops::add_bias(&q_[t * E], bias_or_null(w.bq), E);
    ops::add_bias(&k_[t * KV], bias_or_null(w.bk), KV);
    ops::add_bias(&v_[t * KV], bias_or_null(w.bv), KV);
  });
}

void BertForward::attention(std::span<const std::vector<TokenId>> inputs) {
  const BertConfig& c = model_.config();
  const int64_t E = c.n_embd, KV = c.n_embd_kv(), hd = c.head_dim;
  const int64_t group = c.n_head / c.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  int64_t longest = 0;
  for (const auto& in : inputs) longest = std::max(longest, static_cast<int64_t>(in.size()));
  const int64_t per_thread = (hd + 1) * longest;
  per_thread_.resize(static_cast<size_t>(per_thread * pool_.size()));
  const int64_t items = static_cast<int64_t>(inputs.size()) * c.n_head;
  pool_.run([&](int ti, int nt) {
    float* scratch = &per_thread_[static_cast<size_t>(ti * per_thread)];
    for (int64_t item = ti; item < items; item += nt) {
      const size_t s = static_cast<size_t>(item / c.n_head);
      const int64_t h = item % c.n_head, kvh = h / group;
      const int64_t start = starts_[s], L = static_cast<int64_t>(inputs[s].size());
      const ops::HeadView view{&q_[start * E + h * hd], &k_[start * KV + kvh * hd], &v_[start * KV + kvh * hd],
                               &attn_[start * E + h * hd], E, KV, KV, E};
      ops::attention_head(view, L, hd, scale, scratch);
    }
  });
}

void BertForward::feed_forward(const BertLayerWeights& w, int64_t T) {
  const BertConfig& c = model_.config();
  const int64_t F = c.n_ff;
  matmul(w.ffn_up, x_.data(), T, up_.data());
  if (w.ffn_gate.rows > 0) {
    gate_.resize(static_cast<size_t>(T * F));
    matmul(w.ffn_gate, x_.data(), T, gate_.data());
    for_each_row(T, [&](int64_t t) {
      ops::add_bias(&up_[t * F], bias_or_null(w.ffn_up_b), F);
      ops::swiglu_approx(&gate_[t * F], &up_[t * F], F);
    });
    matmul(w.ffn_down, gate_.data(), T, cur_.data());
    return;
  }
  for_each_row(T, [&](int64_t t) {
    ops::add_bias(&up_[t * F], bias_or_null(w.ffn_up_b), F);
    ops::gelu(&up_[t * F], F);
  });
  matmul(w.ffn_down, up_.data(), T, cur_.data());
}

}  // namespace pg
