// Expert routing and the grouped expert FFN; see moe_ffn.h. The arithmetic
// follows llama.cpp's build_moe_ffn step by step (GGML's soft_max, argsort,
// sum_rows in double, the clamp of the sum at 2^-14, mul, then the adds of the
// k weighted outputs in choice order) so the same file gives the same logits.
#include "engine/model/moe_ffn.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/model/ggml_math.h"
#include "engine/model/ops.h"

namespace pg {

void route_token(const ModelConfig& c, float* logits, ExpertChoice* out) {
  const int64_t n = c.n_expert, k = c.n_expert_used;
  // The values the experts are chosen by, which are also their weights
  // (before the gpt-oss softmax over the chosen and the normalization).
  switch (c.expert_gating) {
    case ExpertGating::Softmax: ops::ggml_softmax_row(logits, n); break;
    case ExpertGating::Sigmoid:
      for (int64_t e = 0; e < n; ++e) logits[e] = 1.0f / (1.0f + std::exp(-logits[e]));
      break;
    case ExpertGating::SoftmaxOfChosen: break;
  }
  int32_t order[4096];
  std::iota(order, order + n, 0);
  // NaN (from a hostile file) sorts last, so the order stays strict and total.
  auto key = [&](int32_t e) { return std::isnan(logits[e]) ? -INFINITY : logits[e]; };
  std::partial_sort(order, order + k, order + n, [&](int32_t a, int32_t b) {
    return key(a) > key(b) || (key(a) == key(b) && a < b);
  });
  float weights[4096];
  for (int64_t i = 0; i < k; ++i) weights[i] = logits[order[i]];
  if (c.expert_gating == ExpertGating::SoftmaxOfChosen) ops::ggml_softmax_row(weights, k);
  if (c.expert_weights_norm) {
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(weights[i]);
    const float clamped = std::max(static_cast<float>(sum), 6.103515625e-5f);
    for (int64_t i = 0; i < k; ++i) weights[i] /= clamped;
  }
  if (c.expert_weights_scale != 0.0f && c.expert_weights_scale != 1.0f)
    for (int64_t i = 0; i < k; ++i) weights[i] *= c.expert_weights_scale;
  for (int64_t i = 0; i < k; ++i) out[i] = {order[i], weights[i]};
}

void MoeFeedForward::forward(const ModelConfig& c, const LayerWeights& w, const float* x, int64_t T, float* y,
                             const MatmulFn& matmul, const MatmulManyFn& matmul_many) {
  const int64_t E = c.n_embd, F = c.n_ff_expert, N = c.n_expert, K = c.n_expert_used;
  router_logits_.resize(static_cast<size_t>(T * N));
  matmul(w.router, x, T, router_logits_.data());
  choices_.resize(static_cast<size_t>(T * K));
  for (int64_t t = 0; t < T; ++t) {
    float* logits = &router_logits_[t * N];
    if (!w.router_bias.empty())
      for (int64_t e = 0; e < N; ++e) logits[e] += w.router_bias[static_cast<size_t>(e)];
    route_token(c, logits, &choices_[t * K]);
  }

  // Group the (token, slot) items by expert, tokens in batch order.
  member_count_.assign(static_cast<size_t>(N + 1), 0);
  for (const ExpertChoice& ch : choices_) ++member_count_[static_cast<size_t>(ch.expert) + 1];
  std::partial_sum(member_count_.begin(), member_count_.end(), member_count_.begin());
  members_.resize(choices_.size());
  {
    std::vector<int64_t> next(member_count_.begin(), member_count_.end() - 1);
    for (int64_t item = 0; item < T * K; ++item)
      members_[static_cast<size_t>(next[static_cast<size_t>(choices_[static_cast<size_t>(item)].expert)]++)] = item;
  }

  // Each chosen expert's tokens, gathered into one block of rows (the batch
  // itself when every token chose the expert, as a single token always does).
  const int64_t items = T * K;
  in_.resize(static_cast<size_t>(items * E));
  gate_.resize(static_cast<size_t>(items * F));
  up_.resize(static_cast<size_t>(items * F));
  out_.resize(static_cast<size_t>(items * E));
  jobs_.clear();
  for (int64_t e = 0; e < N; ++e) {
    const int64_t begin = member_count_[static_cast<size_t>(e)], n = member_count_[static_cast<size_t>(e) + 1] - begin;
    if (n == 0) continue;  // an expert no token chose is never read
    const float* input = x;
    if (n != T) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t t = members_[static_cast<size_t>(begin + i)] / K;
        std::copy(x + t * E, x + (t + 1) * E, in_.begin() + (begin + i) * E);
      }
      input = &in_[begin * E];
    }
    const ExpertWeights& ex = w.experts[static_cast<size_t>(e)];
    jobs_.push_back({&ex.up, input, n, &up_[begin * F]});
    jobs_.push_back({&ex.gate, input, n, &gate_[begin * F]});
  }
  matmul_many(jobs_);
  for (int64_t e = 0; e < N; ++e) {
    const int64_t begin = member_count_[static_cast<size_t>(e)], end = member_count_[static_cast<size_t>(e) + 1];
    for (int64_t i = begin; i < end; ++i) {
      float* g = &gate_[i * F];
      float* u = &up_[i * F];
      if (!w.experts_b_up.empty())
        for (int64_t j = 0; j < F; ++j) u[j] += w.experts_b_up[static_cast<size_t>(e * F + j)];
      if (!w.experts_b_gate.empty())
        for (int64_t j = 0; j < F; ++j) g[j] += w.experts_b_gate[static_cast<size_t>(e * F + j)];
      switch (c.ffn_activation) {
        case FfnActivation::Silu: ops::ggml_swiglu(g, u, F); break;
        case FfnActivation::GeluTanh: ops::geglu(g, u, F); break;
        case FfnActivation::SwigluClamped: ops::ggml_swiglu_oai(g, u, F, 1.702f, 7.0f); break;
      }
    }
  }
  jobs_.clear();
  for (int64_t e = 0; e < N; ++e) {
    const int64_t begin = member_count_[static_cast<size_t>(e)], n = member_count_[static_cast<size_t>(e) + 1] - begin;
    if (n > 0) jobs_.push_back({&w.experts[static_cast<size_t>(e)].down, &gate_[begin * F], n, &out_[begin * E]});
  }
  matmul_many(jobs_);

  // Each (token, slot) item's output × its weight, in the item's place.
  weighted_.resize(static_cast<size_t>(items * E));
  for (int64_t e = 0; e < N; ++e) {
    const int64_t begin = member_count_[static_cast<size_t>(e)], end = member_count_[static_cast<size_t>(e) + 1];
    for (int64_t i = begin; i < end; ++i) {
      const int64_t item = members_[static_cast<size_t>(i)];
      const float weight = choices_[static_cast<size_t>(item)].weight;
      const float* o = &out_[i * E];
      float* dst = &weighted_[item * E];
      for (int64_t j = 0; j < E; ++j) {
        float v = o[j];
        if (!w.experts_b_down.empty()) v += w.experts_b_down[static_cast<size_t>(e * E + j)];
        dst[j] = v * weight;
      }
    }
  }
  // The k weighted outputs of each token, added in choice order.
  for (int64_t t = 0; t < T; ++t) {
    float* out = y + t * E;
    const float* first = &weighted_[t * K * E];
    std::copy(first, first + E, out);
    for (int64_t k = 1; k < K; ++k) {
      const float* part = &weighted_[(t * K + k) * E];
      for (int64_t j = 0; j < E; ++j) out[j] += part[j];
    }
  }
}

}  // namespace pg
