// Forward pass of the decoder architectures (engine/model/architecture.h):
// embedding (× scale) → n × ([RMSNorm] → Q/K/V (+bias) → [Q/K norm] → RoPE →
// grouped-query attention over the KV cache (scaled, [soft-capped], [sliding
// window]) → output → [post-norm] → [× residual scale] → residual add →
// [RMSNorm] → SwiGLU or GeGLU feed-forward, or the mixture of experts
// (engine/model/moe_ffn.h) → [post-norm] → [× scale] → residual add) → RMSNorm → logits ([÷ logit scale], [soft-capped]).
#include "engine/model/inference_session.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <string>

#include "engine/kernels/attention.h"
#include "engine/model/ggml_math.h"
#include "engine/model/ops.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"

namespace pg {

InferenceSession::InferenceSession(const LlamaModel& model, ThreadPool& pool, SessionOptions options)
    : model_(model),
      pool_(pool),
      options_(options),
      kernel_path_(options.kernel_path && kernels::kernel_path_supported(*options.kernel_path)
                       ? *options.kernel_path
                       : kernels::best_kernel_path()) {
  const ModelConfig& c = model_.config();
  n_ctx_ = options_.n_ctx > 0 ? options_.n_ctx : std::min<int64_t>(c.n_ctx_train, 4096);
  if (options_.max_batch <= 0) options_.max_batch = 512;
  // A type the heads cannot take (callers check first) falls back to the default.
  for (KvCacheType* type : {&options_.type_k, &options_.type_v})
    if (!check_kv_cache_type(*type, c.head_dim)) *type = kDefaultKvCacheType;
  layer_rows_.resize(static_cast<size_t>(c.n_layer));
  layer_first_row_.resize(static_cast<size_t>(c.n_layer));
  int64_t rows = 0;
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const int64_t r = kv_cache_rows(c, l, n_ctx_, options_.max_batch);
    layer_rows_[static_cast<size_t>(l)] = r;
    layer_first_row_[static_cast<size_t>(l)] = rows;
    rows += r;
  }
  k_head_bytes_ = kv_cache_row_bytes(options_.type_k, c.head_dim);
  v_head_bytes_ = kv_cache_row_bytes(options_.type_v, c.head_dim);
  k_cache_.assign(static_cast<size_t>(rows * c.n_head_kv) * k_head_bytes_, 0);
  v_cache_.assign(static_cast<size_t>(rows * c.n_head_kv) * v_head_bytes_, 0);
  const std::vector<float>& factors = model_.rope_factors_for(n_ctx_);
  layer_rope_.resize(static_cast<size_t>(c.n_layer));
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const LayerRope& lr = c.layer_rope[static_cast<size_t>(l)];
    ops::RopeParams& rp = layer_rope_[static_cast<size_t>(l)];
    rp = ops::RopeParams{c.n_rot, lr.freq_base, lr.freq_scale, c.rope_style,
                         factors.empty() ? nullptr : factors.data()};
    rp.ext_factor = lr.ext_factor;
    rp.attn_factor = lr.attn_factor;
    ops::yarn_corr_dims(c.n_rot, c.n_ctx_orig > 0 ? c.n_ctx_orig : c.n_ctx_train, lr.freq_base, c.yarn_beta_fast,
                        c.yarn_beta_slow, rp.corr_dims);
  }
}

uint64_t InferenceSession::kv_cache_bytes() const {
  return k_cache_.size() + v_cache_.size();
}

int64_t InferenceSession::earliest_reusable_position() const {
  const ModelConfig& c = model_.config();
  int64_t earliest = 0;
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const int64_t rows = layer_rows_[static_cast<size_t>(l)];
    if (!c.is_sliding(l) || n_past_ <= rows) continue;
    // Positions [n_past - rows, n_past) are in the ring; position n attends
    // to [n - window + 1, n).
    earliest = std::max(earliest, n_past_ - rows + c.sliding_window - 1);
  }
  return std::min(earliest, n_past_);
}

int64_t InferenceSession::truncate(int64_t n) {
  n = std::clamp<int64_t>(n, 0, n_past_);
  if (n < earliest_reusable_position()) n = 0;
  n_past_ = n;
  return n;
}

std::span<const float> InferenceSession::last_logits() const {
  const int64_t n_vocab = model_.config().n_vocab;
  if (logits_rows_ == 0) return {};
  return {logits_.data() + (logits_rows_ - 1) * n_vocab, static_cast<size_t>(n_vocab)};
}

std::span<const float> InferenceSession::logits_at(int64_t i) const {
  const int64_t n_vocab = model_.config().n_vocab;
  if (i < 0 || i >= logits_rows_) return {};
  return {logits_.data() + i * n_vocab, static_cast<size_t>(n_vocab)};
}

Status InferenceSession::check_tokens(std::span<const int32_t> tokens) const {
  const ModelConfig& c = model_.config();
  if (tokens.empty()) return Status::error("eval: no tokens to evaluate");
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.n_vocab)
      return Status::error("token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                           " is outside the vocabulary (0.." + std::to_string(c.n_vocab - 1) + ")");
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n_past_ + n > n_ctx_)
    return Status::error("context length exceeded: " + std::to_string(n_past_) + " tokens in context + " +
                         std::to_string(n) + " new > context size " + std::to_string(n_ctx_));
  return Status::ok();
}

Status InferenceSession::eval_hidden(std::span<const int32_t> tokens, std::vector<float>& hidden) {
  if (Status s = check_tokens(tokens); !s) return s;
  const int64_t n = static_cast<int64_t>(tokens.size());
  for (int64_t start = 0; start < n; start += options_.max_batch) {
    const int64_t len = std::min(options_.max_batch, n - start);
    forward(tokens.subspan(static_cast<size_t>(start), static_cast<size_t>(len)), false, kernel_path_, &hidden);
  }
  return Status::ok();
}

Status InferenceSession::eval(std::span<const int32_t> tokens, bool all_logits, EvalRole role) {
  const ModelConfig& c = model_.config();
  if (Status s = check_tokens(tokens); !s) return s;
  const int64_t n = static_cast<int64_t>(tokens.size());
  const kernels::KernelPath path =
      role == EvalRole::Generated ? kernels::generation_kernel_path(kernel_path_) : kernel_path_;
  std::vector<float> all;
  for (int64_t start = 0; start < n; start += options_.max_batch) {
    const int64_t len = std::min(options_.max_batch, n - start);
    const bool last_chunk = start + len == n;
    if (!all_logits && !last_chunk) {
      // Intermediate prompt chunks only fill the KV cache.
      forward(tokens.subspan(static_cast<size_t>(start), static_cast<size_t>(len)), false, path);
      continue;
    }
    forward(tokens.subspan(static_cast<size_t>(start), static_cast<size_t>(len)), all_logits, path);
    if (all_logits) {
      all.insert(all.end(), logits_.begin(), logits_.begin() + len * c.n_vocab);
    }
  }
  if (all_logits) {
    logits_ = std::move(all);
    logits_rows_ = n;
  }
  return Status::ok();
}

void InferenceSession::forward(std::span<const int32_t> tokens, bool all_logits, kernels::KernelPath path,
                               std::vector<float>* hidden) {
  slots_.resize(tokens.size());
  for (size_t t = 0; t < tokens.size(); ++t) slots_[t] = {this, n_past_ + static_cast<int64_t>(t)};
  forward_slots(tokens, all_logits, path, hidden);
  n_past_ += static_cast<int64_t>(tokens.size());
}

Status InferenceSession::eval_generated_batch(std::span<InferenceSession* const> sessions,
                                              std::span<const int32_t> tokens) {
  if (sessions.empty()) return Status::error("eval_generated_batch: no sessions");
  if (sessions.size() != tokens.size())
    return Status::error("eval_generated_batch: " + std::to_string(sessions.size()) + " sessions but " +
                         std::to_string(tokens.size()) + " tokens");
  InferenceSession& lead = *sessions[0];
  for (size_t i = 0; i < sessions.size(); ++i) {
    InferenceSession* s = sessions[i];
    if (s == nullptr) return Status::error("eval_generated_batch: session " + std::to_string(i) + " is null");
    if (&s->model_ != &lead.model_ || &s->pool_ != &lead.pool_ || s->kernel_path_ != lead.kernel_path_ ||
        s->options_.type_k != lead.options_.type_k || s->options_.type_v != lead.options_.type_v)
      return Status::error("eval_generated_batch: session " + std::to_string(i) +
                           " does not share the first one's model, thread pool and kernels");
    for (size_t j = 0; j < i; ++j)
      if (sessions[j] == s) return Status::error("eval_generated_batch: session " + std::to_string(i) + " appears twice");
    if (Status st = s->check_tokens(tokens.subspan(i, 1)); !st)
      return Status::error("eval_generated_batch: session " + std::to_string(i) + ": " + st.message());
  }
  lead.slots_.resize(sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) lead.slots_[i] = {sessions[i], sessions[i]->n_past_};
  lead.forward_slots(tokens, true, kernels::generation_kernel_path(lead.kernel_path_), nullptr);
  const int64_t n_vocab = lead.model_.config().n_vocab;
  for (size_t i = sessions.size(); i-- > 0;) {  // the lead's own logits last: they are the source
    InferenceSession& s = *sessions[i];
    const float* row = lead.logits_.data() + static_cast<int64_t>(i) * n_vocab;
    if (&s != &lead) s.logits_.assign(row, row + n_vocab);
    else std::copy(row, row + n_vocab, s.logits_.begin());
    s.logits_rows_ = 1;
    s.n_past_ += 1;
  }
  lead.logits_.resize(static_cast<size_t>(n_vocab));
  return Status::ok();
}

void InferenceSession::forward_slots(std::span<const int32_t> tokens, bool all_logits, kernels::KernelPath path,
                                     std::vector<float>* hidden) {
  const ModelConfig& c = model_.config();
  const int64_t T = static_cast<int64_t>(tokens.size());
  const int64_t E = c.n_embd, Q = c.n_embd_q(), KV = c.n_embd_kv(), F = c.is_moe() ? 0 : c.n_ff;
  x_.resize(static_cast<size_t>(T * E));
  xb_.resize(static_cast<size_t>(T * std::max(E, Q)));
  q_.resize(static_cast<size_t>(T * Q));
  k_.resize(static_cast<size_t>(T * KV));
  v_.resize(static_cast<size_t>(T * KV));
  attn_out_.resize(static_cast<size_t>(T * Q));
  gate_.resize(static_cast<size_t>(T * F));
  up_.resize(static_cast<size_t>(T * F));
  rope_cs_.resize(static_cast<size_t>(T * c.n_rot));

  for (int64_t t = 0; t < T; ++t) kernels::get_row(model_.token_embedding(), tokens[t], &x_[t * E]);
  if (c.embedding_scale != 0.0f)
    for (float& v : x_) v *= c.embedding_scale;

  auto add_bias = [](float* y, const std::vector<float>& b) {
    for (size_t i = 0; i < b.size(); ++i) y[i] += b[i];
  };
  // A branch's output (in xb_) joins the residual stream x_.
  auto add_branch = [&](int64_t t, const std::vector<float>& post_norm) {
    float* out = &xb_[t * E];
    if (!post_norm.empty()) ops::rms_norm(out, post_norm.data(), out, E, c.rms_eps);
    if (c.residual_scale != 0.0f)
      for (int64_t i = 0; i < E; ++i) out[i] *= c.residual_scale;
    for (int64_t i = 0; i < E; ++i) x_[t * E + i] += out[i];
  };

  for (int64_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& w = model_.layer(l);
    const float* attn_in = x_.data();
    if (!w.attn_norm.empty()) {
      for_each_token(T, [&](int64_t t) { ops::rms_norm(&x_[t * E], w.attn_norm.data(), &xb_[t * E], E, c.rms_eps); });
      attn_in = xb_.data();
    }
    matmul(path, w.wq, attn_in, T, q_.data());
    matmul(path, w.wk, attn_in, T, k_.data());
    matmul(path, w.wv, attn_in, T, v_.data());
    const ops::RopeParams& rp = layer_rope_[static_cast<size_t>(l)];
    for_each_token(T, [&](int64_t t) {
      if (!w.bq.empty()) {
        add_bias(&q_[t * Q], w.bq);
        add_bias(&k_[t * KV], w.bk);
        add_bias(&v_[t * KV], w.bv);
      }
      ops::rope_angles(slots_[static_cast<size_t>(t)].position, rp, &rope_cs_[t * c.n_rot]);
      prepare_qk(l, t);
      store_kv(l, t);
    });
    attention(l, T);
    matmul(path, w.wo, attn_out_.data(), T, xb_.data());
    const float* ffn_in = x_.data();
    for_each_token(T, [&](int64_t t) {
      if (!w.bo.empty()) add_bias(&xb_[t * E], w.bo);
      add_branch(t, w.post_attn_norm);
      if (!w.ffn_norm.empty()) ops::rms_norm(&x_[t * E], w.ffn_norm.data(), &xb_[t * E], E, c.rms_eps);
    });
    if (!w.ffn_norm.empty()) ffn_in = xb_.data();
    if (c.is_moe()) {
      // ffn_in may be xb_, which the experts' sum overwrites: route from a copy.
      moe_in_.assign(ffn_in, ffn_in + T * E);
      moe_.forward(
          c, w, moe_in_.data(), T, xb_.data(),
          [&](const kernels::WeightMatrix& m, const float* in, int64_t n, float* out) { matmul(path, m, in, n, out); },
          [&](std::span<const kernels::MatmulJob> jobs) { matmul_many(path, jobs); });
      for_each_token(T, [&](int64_t t) { add_branch(t, w.post_ffn_norm); });
      continue;
    }
    matmul(path, w.w_gate, ffn_in, T, gate_.data());
    matmul(path, w.w_up, ffn_in, T, up_.data());
    for_each_token(T, [&](int64_t t) {
      if (!w.b_gate.empty()) add_bias(&gate_[t * F], w.b_gate);
      if (!w.b_up.empty()) add_bias(&up_[t * F], w.b_up);
      if (c.ffn_activation == FfnActivation::GeluTanh) ops::geglu(&gate_[t * F], &up_[t * F], F);
      else ops::ggml_swiglu(&gate_[t * F], &up_[t * F], F);
    });
    matmul(path, w.w_down, gate_.data(), T, xb_.data());
    for_each_token(T, [&](int64_t t) {
      if (!w.b_down.empty()) add_bias(&xb_[t * E], w.b_down);
      add_branch(t, w.post_ffn_norm);
    });
  }

  if (hidden) {
    const size_t at = hidden->size();
    hidden->resize(at + static_cast<size_t>(T * E));
    for (int64_t t = 0; t < T; ++t)
      ops::rms_norm(&x_[t * E], model_.output_norm().data(), hidden->data() + at + t * E, E, c.rms_eps);
    logits_rows_ = 0;
    return;
  }

  // Only the rows whose logits are wanted go through the output layer.
  const int64_t first = all_logits ? 0 : T - 1;
  const int64_t rows = T - first;
  for (int64_t t = first; t < T; ++t)
    ops::rms_norm(&x_[t * E], model_.output_norm().data(), &xb_[(t - first) * E], E, c.rms_eps);
  logits_.resize(static_cast<size_t>(rows * c.n_vocab));
  matmul(path, model_.output(), xb_.data(), rows, logits_.data());
  if (c.logit_scale != 0.0f) {
    const float inv = 1.0f / c.logit_scale;
    for (float& v : logits_) v *= inv;
  }
  if (c.final_softcap != 0.0f) ops::softcap(logits_.data(), rows * c.n_vocab, c.final_softcap);
  logits_rows_ = rows;
}

void InferenceSession::prepare_qk(int64_t layer, int64_t t) {
  const ModelConfig& c = model_.config();
  const LayerWeights& w = model_.layer(layer);
  const int64_t Q = c.n_embd_q(), KV = c.n_embd_kv(), hd = c.head_dim;
  float* q = &q_[t * Q];
  float* k = &k_[t * KV];
  if (c.qk_norm == QkNorm::PerHead) {
    for (int64_t h = 0; h < c.n_head; ++h) ops::rms_norm(q + h * hd, w.attn_q_norm.data(), q + h * hd, hd, c.rms_eps);
    for (int64_t h = 0; h < c.n_head_kv; ++h)
      ops::rms_norm(k + h * hd, w.attn_k_norm.data(), k + h * hd, hd, c.rms_eps);
  } else if (c.qk_norm == QkNorm::FullWidth) {
    ops::rms_norm(q, w.attn_q_norm.data(), q, Q, c.rms_eps);
    ops::rms_norm(k, w.attn_k_norm.data(), k, KV, c.rms_eps);
  }
  const float* cs = &rope_cs_[t * c.n_rot];
  for (int64_t h = 0; h < c.n_head; ++h) ops::rope_apply(q + h * hd, cs, c.n_rot, c.rope_style);
  for (int64_t h = 0; h < c.n_head_kv; ++h) ops::rope_apply(k + h * hd, cs, c.n_rot, c.rope_style);
  // Scales of the queries before their products with the keys (the query is
  // rounded to F16 after them, as in GGML).
  const int64_t position = slots_[static_cast<size_t>(t)].position;
  if (c.attn_temp_scale != 0.0f) {
    // llama.cpp computes it from a float position in double precision.
    const float steps = std::floor(static_cast<float>(position) / static_cast<float>(c.attn_temp_length));
    const float temp =
        static_cast<float>(std::log(static_cast<double>(steps) + 1.0) * c.attn_temp_scale + 1.0);
    for (int64_t i = 0; i < Q; ++i) q[i] *= temp;
  }
  if (c.query_scale != 1.0f)
    for (int64_t i = 0; i < Q; ++i) q[i] *= c.query_scale;
}

namespace {

// One row of n floats written as a cache row of `type` (GGML's conversions:
// round-to-nearest-even F16, and the CPU backend's row quantizers).
void write_cache_row(KvCacheType type, const float* x, int64_t n, uint8_t* row) {
  switch (type) {
    case KvCacheType::F32: std::memcpy(row, x, static_cast<size_t>(n) * sizeof(float)); return;
    case KvCacheType::F16: {
      auto* out = reinterpret_cast<uint16_t*>(row);
      for (int64_t i = 0; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
      return;
    }
    case KvCacheType::Q8_0: quant::reference_ops(GgmlType::Q8_0)->quantize_row(x, row, n); return;
    case KvCacheType::Q4_0: quant::reference_ops(GgmlType::Q4_0)->quantize_row(x, row, n); return;
  }
}

GgmlType block_type(KvCacheType type) { return type == KvCacheType::Q4_0 ? GgmlType::Q4_0 : GgmlType::Q8_0; }
bool quantized(KvCacheType type) { return type == KvCacheType::Q8_0 || type == KvCacheType::Q4_0; }

}  // namespace

void InferenceSession::store_kv(int64_t layer, int64_t t) {
  const ModelConfig& c = model_.config();
  const int64_t KV = c.n_embd_kv();
  const TokenSlot& slot = slots_[static_cast<size_t>(t)];
  InferenceSession& s = *slot.session;
  const int64_t row = s.kv_row(layer, slot.position), hd = c.head_dim;
  for (int64_t h = 0; h < c.n_head_kv; ++h) {
    write_cache_row(options_.type_k, &k_[t * KV + h * hd], hd, s.k_at(layer, h, row));
    write_cache_row(options_.type_v, &v_[t * KV + h * hd], hd, s.v_at(layer, h, row));
  }
}

void InferenceSession::attention(int64_t layer, int64_t n_tokens) {
  const ModelConfig& c = model_.config();
  const int64_t hd = c.head_dim, Q = c.n_embd_q();
  const int64_t group = c.n_head / c.n_head_kv;
  const bool sliding = c.is_sliding(layer);
  const std::vector<float>& sinks = model_.layer(layer).attn_sinks;
  int64_t longest = 0;  // the most keys any token of the batch attends to
  for (int64_t t = 0; t < n_tokens; ++t) {
    const TokenSlot& slot = slots_[static_cast<size_t>(t)];
    longest = std::max(longest, sliding ? std::min(slot.position + 1, c.sliding_window) : slot.position + 1);
  }
  // A work item is one token's query heads that share a KV head (the kernels
  // read each cached row once for all of them), split in halves while there
  // are fewer than two items per thread (one token of a model with few KV heads).
  const int64_t threads = static_cast<int64_t>(pool_.size());
  int64_t heads_per_item = group;
  while (heads_per_item > 1 && n_tokens * c.n_head_kv * ((group + heads_per_item - 1) / heads_per_item) < 2 * threads)
    heads_per_item = (heads_per_item + 1) / 2;
  const int64_t blocks = (group + heads_per_item - 1) / heads_per_item;
  // Per thread: each head's scores, the query, an accumulator row and each head's value lanes.
  const int64_t per_thread = heads_per_item * longest + 2 * hd + heads_per_item * kernels::kValueLanes * hd;
  scores_.resize(static_cast<size_t>(per_thread * threads));
  const KvCacheType type_k = options_.type_k, type_v = options_.type_v;
  // The query in the keys' dot type: F16 for F16 keys, Q8_0 for quantized ones.
  const uint64_t query_bytes = type_k == KvCacheType::F16 ? static_cast<uint64_t>(hd) * sizeof(uint16_t)
                               : quantized(type_k)        ? kv_cache_row_bytes(KvCacheType::Q8_0, hd)
                                                          : 0;
  query_bytes_.resize(static_cast<size_t>(query_bytes * static_cast<uint64_t>(heads_per_item * threads)));
  const uint64_t k_head_bytes = k_head_bytes_, v_head_bytes = v_head_bytes_;

  pool_.run([&](int ti, int nt) {
    float* const thread_scores = &scores_[static_cast<size_t>(ti * per_thread)];
    float* qv = thread_scores + heads_per_item * longest;
    float* acc = qv + hd;
    float* lanes = acc + hd;
    uint8_t* queries = query_bytes_.data() + static_cast<uint64_t>(ti * heads_per_item) * query_bytes;
    const int64_t items = n_tokens * c.n_head_kv * blocks;
    for (int64_t item = ti; item < items; item += nt) {
      const int64_t t = item / (c.n_head_kv * blocks), kvh = item / blocks % c.n_head_kv;
      const int64_t h0 = kvh * group + item % blocks * heads_per_item;
      const int64_t heads = std::min(heads_per_item, (kvh + 1) * group - h0);
      const TokenSlot& slot = slots_[static_cast<size_t>(t)];
      InferenceSession& s = *slot.session;
      // Causal, and within the window on sliding layers: positions [first, position].
      const int64_t first = sliding ? std::max<int64_t>(0, slot.position - c.sliding_window + 1) : 0;
      const int64_t n_keys = slot.position - first + 1;
      // The keys are one run of cache rows, or two when the ring wraps.
      const int64_t rows = s.layer_rows_[static_cast<size_t>(layer)];
      const int64_t first_row = first % rows;
      const int64_t run1 = std::min(n_keys, rows - first_row), run2 = n_keys - run1;
      // Where run r (0, 1) starts in this KV head's K and V rows.
      const uint8_t* k_run[2] = {s.k_at(layer, kvh, first_row), s.k_at(layer, kvh, 0)};
      const uint8_t* v_run[2] = {s.v_at(layer, kvh, first_row), s.v_at(layer, kvh, 0)};
      const int64_t run_rows[2] = {run1, run2};
      const int64_t k_stride = static_cast<int64_t>(k_head_bytes), v_stride = static_cast<int64_t>(v_head_bytes);
      // Head h0 + g: query, output and scores (longest apart).
      auto q_of = [&](int64_t g) { return &q_[t * Q + (h0 + g) * hd]; };
      auto out_of = [&](int64_t g) { return &attn_out_[t * Q + (h0 + g) * hd]; };
      auto scores_of = [&](int64_t g) { return thread_scores + g * longest; };

      // Scores: K . q.
      if (type_k == KvCacheType::F16) {
        // As GGML: the query is rounded to F16 for the F16 K.Q product.
        auto* q16 = reinterpret_cast<uint16_t*>(queries);
        for (int64_t g = 0; g < heads; ++g)
          for (int64_t i = 0; i < hd; ++i) q16[g * hd + i] = fp32_to_fp16(q_of(g)[i]);
        for (int r = 0, done = 0; r < 2; done += static_cast<int>(run_rows[r]), ++r)
          if (run_rows[r] > 0)
            kernels::f16_dots(kernel_path_, reinterpret_cast<const uint16_t*>(k_run[r]), k_stride / 2, run_rows[r], q16,
                              heads, hd, thread_scores + done, longest);
      } else if (quantized(type_k)) {
        // As GGML's flash attention: the query quantized to Q8_0 for the block products.
        for (int64_t g = 0; g < heads; ++g) {
          quant::reference_ops(GgmlType::Q8_0)->quantize_row(q_of(g), queries, hd);
          for (int r = 0, done = 0; r < 2; done += static_cast<int>(run_rows[r]), ++r)
            if (run_rows[r] > 0)
              kernels::quant_dots(kernel_path_, block_type(type_k), k_run[r], k_stride, run_rows[r], queries, hd,
                                  scores_of(g) + done);
        }
      } else {
        for (int64_t g = 0; g < heads; ++g)
          for (int r = 0, done = 0; r < 2; done += static_cast<int>(run_rows[r]), ++r)
            for (int64_t j = 0; j < run_rows[r]; ++j) {
              const auto* key = reinterpret_cast<const float*>(k_run[r] + j * k_stride);
              double dot = 0.0;
              for (int64_t i = 0; i < hd; ++i) dot += static_cast<double>(q_of(g)[i]) * key[i];
              scores_of(g)[done + j] = static_cast<float>(dot);
            }
      }
      for (int64_t g = 0; g < heads; ++g) {
        if (c.attn_softcap != 0.0f) ops::softcap(scores_of(g), n_keys, c.attn_softcap);
        const float* sink = sinks.empty() ? nullptr : &sinks[static_cast<size_t>(h0 + g)];
        ops::ggml_softmax_cells(scores_of(g), n_keys, c.kq_scale, first, sink);
      }

      // Output: the probability-weighted sum of the values.
      if (type_v == KvCacheType::F16) {
        // As GGML: the probabilities are rounded to F16 before they weight the
        // F16 values, summed in the lanes of cache positions as GGML's product sums them.
        for (int64_t g = 0; g < heads; ++g) kernels::round_through_f16(kernel_path_, scores_of(g), n_keys);
        std::fill(lanes, lanes + heads * kernels::kValueLanes * hd, 0.0f);
        for (int r = 0, done = 0; r < 2; done += static_cast<int>(run_rows[r]), ++r)
          if (run_rows[r] > 0)
            kernels::f16_weighted_sum_lanes(kernel_path_, reinterpret_cast<const uint16_t*>(v_run[r]), v_stride / 2,
                                            run_rows[r], thread_scores + done, longest, heads, hd, first + done, lanes);
        for (int64_t g = 0; g < heads; ++g)
          kernels::reduce_value_lanes(lanes + g * kernels::kValueLanes * hd, hd, out_of(g));
        continue;
      }
      for (int64_t g = 0; g < heads; ++g) {
        const float* p = scores_of(g);
        std::fill(acc, acc + hd, 0.0f);
        if (quantized(type_v)) {
          for (int r = 0, done = 0; r < 2; done += static_cast<int>(run_rows[r]), ++r)
            if (run_rows[r] > 0)
              kernels::quant_weighted_sum(block_type(type_v), v_run[r], v_stride, run_rows[r], p + done, hd, qv, acc);
        } else {
          for (int r = 0, done = 0; r < 2; done += static_cast<int>(run_rows[r]), ++r)
            for (int64_t j = 0; j < run_rows[r]; ++j) {
              const auto* value = reinterpret_cast<const float*>(v_run[r] + j * v_stride);
              for (int64_t i = 0; i < hd; ++i) acc[i] += p[done + j] * value[i];
            }
        }
        std::copy(acc, acc + hd, out_of(g));
      }
    }
  });
}

void InferenceSession::matmul_many(kernels::KernelPath path, std::span<const kernels::MatmulJob> jobs) {
  // As matmul: validated matrices cannot fail; NaN would show a bug at once.
  if (!kernels::matmul_many_with_path(path, jobs, pool_, scratch_)) {
    for (const kernels::MatmulJob& j : jobs)
      std::fill(j.y, j.y + j.w->rows * j.n_tokens, std::numeric_limits<float>::quiet_NaN());
  }
}

void InferenceSession::matmul(kernels::KernelPath path, const kernels::WeightMatrix& w, const float* x,
                              int64_t n_tokens, float* y) {
  // The model loader validated every matrix, so this cannot fail; NaN output
  // (as kernels::matmul gives) would make any such bug visible at once.
  if (!kernels::matmul_with_path(path, w, x, n_tokens, y, pool_, scratch_)) {
    std::fill(y, y + w.rows * n_tokens, std::numeric_limits<float>::quiet_NaN());
  }
}

}  // namespace pg
