// Compares Sampler token for token with a plain reference written from the spec:
// full sort, llama.cpp's filter chain in order, the C library's exp, and the same
// mt19937_64 draw. Any difference in filtering, penalties, candidate order or RNG
// use shows up as a diverging sequence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "engine/sampler/sampler.h"

namespace pg {
namespace {

class ReferenceSampler {
 public:
  ReferenceSampler(const SamplerParams& p) : p_(p), rng_(p.seed) {}

  void accept(int32_t id) { history_.push_back(id); }

  int32_t sample(const std::vector<float>& input) {
    std::vector<float> logits = input;
    std::map<int32_t, int> counts;
    const size_t n = p_.repeat_last_n < 0 ? history_.size()
                                          : std::min(history_.size(), size_t(p_.repeat_last_n));
    for (size_t i = history_.size() - n; i < history_.size(); ++i) ++counts[history_[i]];
    for (auto [id, count] : counts) {
      float& l = logits[id];
      l = l <= 0 ? l * p_.repeat_penalty : l / p_.repeat_penalty;
      l -= float(count) * p_.frequency_penalty + p_.presence_penalty;
    }
    std::vector<int32_t> sorted(logits.size());
    std::iota(sorted.begin(), sorted.end(), 0);
    std::sort(sorted.begin(), sorted.end(), [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    if (p_.temperature <= 0) return sorted[0];
    const double max = logits[sorted[0]];
    auto weight = [&](int32_t id, double t) { return std::exp((logits[id] - max) / t); };

    std::vector<int32_t> kept = sorted;
    if (p_.top_k > 0 && size_t(p_.top_k) < kept.size()) kept.resize(p_.top_k);
    if (p_.top_p < 1) {
      double total = 0, cumulative = 0;
      for (int32_t id : kept) total += weight(id, 1.0);
      for (size_t j = 0; j < kept.size(); ++j) {
        cumulative += weight(kept[j], 1.0) / total;
        if (cumulative >= p_.top_p) {
          kept.resize(j + 1);
          break;
        }
      }
    }
    if (p_.min_p > 0)
      std::erase_if(kept, [&](int32_t id) { return weight(id, 1.0) < p_.min_p; });
    // The draw walks best-first once a sorting filter ran, otherwise in id order.
    if (!(p_.top_k > 0 && size_t(p_.top_k) < logits.size()) && p_.top_p >= 1)
      std::sort(kept.begin(), kept.end());

    double total = 0;
    for (int32_t id : kept) total += weight(id, p_.temperature);
    const double target = double(rng_() >> 11) * 0x1.0p-53 * total;
    double cumulative = 0;
    for (int32_t id : kept) {
      cumulative += weight(id, p_.temperature);
      if (target < cumulative) return id;
    }
    return kept.back();
  }

 private:
  SamplerParams p_;
  std::mt19937_64 rng_;
  std::vector<int32_t> history_;
};

void expect_same_sequence(const SamplerParams& params, size_t vocab, int steps) {
  std::mt19937 gen(static_cast<uint32_t>(params.seed));
  Sampler sampler(params, static_cast<int32_t>(vocab));
  ReferenceSampler reference(params);
  std::vector<float> logits(vocab);
  for (int step = 0; step < steps; ++step) {
    // Few distinct values, so ties and repeated tokens are common.
    for (float& x : logits) x = static_cast<float>(static_cast<int>(gen() % 81) - 40) / 8.0f;
    const int32_t want = reference.sample(logits);
    ASSERT_EQ(sampler.sample(logits), want) << "step " << step;
    sampler.accept(want);
    reference.accept(want);
  }
}

TEST(SamplerReference, DefaultChainMatches) {
  SamplerParams p;
  p.seed = 1;
  expect_same_sequence(p, 1000, 400);
}

TEST(SamplerReference, TopPWithoutTopKMatches) {
  SamplerParams p;
  p.seed = 2;
  p.top_k = 0;
  p.top_p = 0.7f;
  p.min_p = 0.0f;
  p.temperature = 1.3f;
  expect_same_sequence(p, 1000, 200);
}

TEST(SamplerReference, AllFiltersAndPenaltiesMatch) {
  SamplerParams p;
  p.seed = 3;
  p.top_k = 200;
  p.top_p = 0.9f;
  p.min_p = 0.02f;
  p.temperature = 0.6f;
  p.repeat_penalty = 1.3f;
  p.repeat_last_n = 16;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.3f;
  expect_same_sequence(p, 500, 400);
}

TEST(SamplerReference, UnsortedPathsMatch) {
  SamplerParams p;
  p.seed = 4;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.1f;
  p.temperature = 2.0f;
  p.repeat_last_n = -1;
  expect_same_sequence(p, 300, 400);
  p.min_p = 0.0f;
  p.seed = 5;
  expect_same_sequence(p, 300, 400);
}

}  // namespace
}  // namespace pg
