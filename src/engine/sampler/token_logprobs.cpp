// Log-softmax of one step's logits for the chosen token and the best few;
// see token_logprobs.h. Two passes over the vocabulary (max, then the sum
// and a small heap of the best), in double precision.
#include "engine/sampler/token_logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pg {

TokenLogprob token_logprob(std::span<const float> logits, int32_t chosen, int top_n) {
  TokenLogprob out;
  out.token = chosen;
  const size_t n = logits.size();
  auto value = [&](size_t i) {
    const float v = logits[i];
    return std::isnan(v) ? -std::numeric_limits<float>::infinity() : v;
  };
  float max_logit = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i) max_logit = std::max(max_logit, value(i));
  if (n == 0 || !std::isfinite(max_logit)) {
    out.logprob = -std::numeric_limits<float>::infinity();
    return out;
  }
  const size_t k = static_cast<size_t>(std::clamp(top_n, 0, kMaxTopLogprobs));
  // Heap of the best k (worst on top).
  auto better = [&](int32_t a, int32_t b) {
    const float la = value(static_cast<size_t>(a)), lb = value(static_cast<size_t>(b));
    return la > lb || (la == lb && a < b);
  };
  std::vector<int32_t> best;
  best.reserve(k + 1);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += std::exp(static_cast<double>(value(i)) - max_logit);
    if (k == 0) continue;
    const auto id = static_cast<int32_t>(i);
    if (best.size() < k) {
      best.push_back(id);
      std::push_heap(best.begin(), best.end(), better);
    } else if (better(id, best.front())) {
      std::pop_heap(best.begin(), best.end(), better);
      best.back() = id;
      std::push_heap(best.begin(), best.end(), better);
    }
  }
  std::sort_heap(best.begin(), best.end(), better);
  const double log_total = std::log(sum) + max_logit;
  auto logprob = [&](int32_t id) {
    if (id < 0 || static_cast<size_t>(id) >= n) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(static_cast<double>(value(static_cast<size_t>(id))) - log_total);
  };
  out.logprob = logprob(chosen);
  for (int32_t id : best) out.top.emplace_back(id, logprob(id));
  return out;
}

}  // namespace pg
