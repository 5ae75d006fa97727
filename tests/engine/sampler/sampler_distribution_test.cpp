// Statistical checks of the sampling chain with fixed seeds (so they are
// deterministic): empirical frequencies against softmax(logits / T), and top-k /
// top-p / min-p never letting an excluded token through, in llama.cpp's chain order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "engine/sampler/sampler.h"
#include "sampler_test_support.h"

namespace pg {
namespace {

using sampler_test::draw_counts;
using sampler_test::unfiltered;

// Reference softmax in double with the C library's exp.
std::vector<double> softmax(const std::vector<float>& logits, double temperature) {
  const double max = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double total = 0;
  for (size_t i = 0; i < p.size(); ++i) total += p[i] = std::exp((logits[i] - max) / temperature);
  for (double& x : p) x /= total;
  return p;
}

// Every count within 5 standard deviations of its expectation (a false failure is
// < 1e-5 per cell, and with fixed seeds the outcome never changes between runs).
void expect_frequencies(const std::vector<int>& counts, const std::vector<double>& expected,
                        int draws) {
  ASSERT_EQ(counts.size(), expected.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const double p = expected[i];
    const double sigma = std::sqrt(p * (1 - p) / draws);
    EXPECT_NEAR(counts[i] / static_cast<double>(draws), p, 5 * sigma + 1e-9) << "token " << i;
  }
}

std::vector<float> logs_of(const std::vector<double>& probabilities) {
  std::vector<float> out;
  for (double p : probabilities) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

TEST(SamplerDistribution, FrequenciesMatchSoftmaxAtSeveralTemperatures) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f, 0.0f};
  constexpr int kDraws = 100000;
  uint64_t seed = 1000;
  for (double temperature : {0.5, 1.0, 1.7}) {
    Sampler s(unfiltered(static_cast<float>(temperature), ++seed), 6);
    const auto counts = draw_counts(s, logits, kDraws);
    SCOPED_TRACE(temperature);
    expect_frequencies(counts, softmax(logits, static_cast<float>(temperature)), kDraws);
  }
}

TEST(SamplerDistribution, TopKKeepsOnlyTheBestK) {
  const std::vector<float> logits = {0.3f, 1.0f, 0.9f, 0.1f, 0.95f, -0.5f};
  SamplerParams p = unfiltered(5.0f, 17);  // hot: every token would show up unfiltered
  p.top_k = 3;
  Sampler s(p, 6);
  constexpr int kDraws = 30000;
  const auto counts = draw_counts(s, logits, kDraws);
  const std::vector<float> kept = {1.0f, 0.9f, 0.95f};
  const auto q = softmax(kept, 5.0);
  expect_frequencies(counts, {0, q[0], q[1], 0, q[2], 0}, kDraws);
}

TEST(SamplerDistribution, TopPExcludesTheTailBeforeTemperature) {
  const std::vector<float> logits = logs_of({0.5, 0.3, 0.15, 0.05});
  constexpr int kDraws = 30000;
  // Cumulative mass 0.5, 0.8, 0.95, 1.0: top_p 0.75 keeps two tokens, 0.9 three.
  // At T = 3 the tail would hold far more mass, so this also checks that top-p
  // sees the untempered distribution, as in llama.cpp's chain.
  for (float temperature : {1.0f, 3.0f}) {
    SamplerParams p = unfiltered(temperature, 23);
    p.top_p = 0.75f;
    Sampler two(p, 4);
    auto counts = draw_counts(two, logits, kDraws);
    SCOPED_TRACE(temperature);
    const auto q2 = softmax({logits[0], logits[1]}, temperature);
    expect_frequencies(counts, {q2[0], q2[1], 0, 0}, kDraws);

    p.top_p = 0.9f;
    Sampler three(p, 4);
    counts = draw_counts(three, logits, kDraws);
    const auto q3 = softmax({logits[0], logits[1], logits[2]}, temperature);
    expect_frequencies(counts, {q3[0], q3[1], q3[2], 0}, kDraws);
  }
}

TEST(SamplerDistribution, MinPExcludesTokensBelowTheScaledMaximum) {
  // Relative to the best (0.5): 1, 0.6, 0.08, 0.32. min_p 0.1 drops only token 2.
  const std::vector<float> logits = logs_of({0.5, 0.3, 0.04, 0.16});
  constexpr int kDraws = 30000;
  for (float temperature : {1.0f, 3.0f}) {
    SamplerParams p = unfiltered(temperature, 29);
    p.min_p = 0.1f;
    Sampler s(p, 4);
    const auto counts = draw_counts(s, logits, kDraws);
    SCOPED_TRACE(temperature);
    const auto q = softmax({logits[0], logits[1], logits[3]}, temperature);
    expect_frequencies(counts, {q[0], q[1], 0, q[2]}, kDraws);
  }
  SamplerParams only_best = unfiltered(2.0f, 30);
  only_best.min_p = 1.0f;
  Sampler s(only_best, 4);
  const auto counts = draw_counts(s, logits, 1000);
  EXPECT_EQ(counts[0], 1000);
}

TEST(SamplerDistribution, FiltersStackInChainOrder) {
  // top_k 3 -> {0,1,2} renormalised to 0.526, 0.316, 0.158 -> top_p 0.8 keeps {0,1}
  // (0.842) -> token 1 is 0.6 of the best, so min_p 0.5 keeps it and 0.7 drops it.
  const std::vector<float> logits = logs_of({0.5, 0.3, 0.15, 0.05});
  SamplerParams p = unfiltered(10.0f, 37);
  p.top_k = 3;
  p.top_p = 0.8f;
  p.min_p = 0.5f;
  Sampler s(p, 4);
  auto counts = draw_counts(s, logits, 20000);
  EXPECT_EQ(counts[2] + counts[3], 0);
  EXPECT_GT(counts[1], 8000);  // at T = 10 the two survivors are nearly even
  p.min_p = 0.7f;
  Sampler strict(p, 4);
  counts = draw_counts(strict, logits, 2000);
  EXPECT_EQ(counts[0], 2000);

  // top-p must normalise over everything top-k kept, even though the sampler prunes
  // by min-p before sorting: 0.5 < 0.6 keeps token 1, whereas normalising over the
  // min-p survivors {0, 1} alone would give 0.625 >= 0.6 and drop it.
  SamplerParams q = unfiltered(10.0f, 38);
  q.top_p = 0.6f;
  q.min_p = 0.5f;
  Sampler both(q, 4);
  counts = draw_counts(both, logits, 20000);
  EXPECT_EQ(counts[2] + counts[3], 0);
  EXPECT_GT(counts[1], 8000);
}

TEST(SamplerDistribution, LargeVocabularyTopKKeepsExactlyTheBestK) {
  // Logits on a 0.1 grid so the k-th place is tied: ties must go to the lower id.
  constexpr size_t kVocab = 3000;
  constexpr int kTopK = 50;
  std::mt19937 gen(123);
  std::vector<float> logits(kVocab);
  for (float& x : logits) x = static_cast<float>(static_cast<int>(gen() % 61) - 30) / 10.0f;
  std::vector<int32_t> order(kVocab);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  ASSERT_EQ(logits[order[kTopK - 1]], logits[order[kTopK]]);  // the cut falls inside a tie
  const std::set<int32_t> best(order.begin(), order.begin() + kTopK);

  SamplerParams p = unfiltered(100.0f, 55);  // nearly flat over the kept tokens
  p.top_k = kTopK;
  Sampler s(p, kVocab);
  std::set<int32_t> drawn;
  for (int i = 0; i < 5000; ++i) {
    const int32_t id = s.sample(logits);
    ASSERT_TRUE(best.count(id)) << "token " << id << " is not among the best " << kTopK;
    drawn.insert(id);
  }
  EXPECT_EQ(drawn.size(), static_cast<size_t>(kTopK));
}

// Reference top-p set: sort the whole vocabulary, keep the shortest prefix reaching p.
std::set<int32_t> reference_top_p(const std::vector<float>& logits, double top_p) {
  const auto prob = softmax(logits, 1.0);
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::set<int32_t> kept;
  double cumulative = 0;
  for (int32_t id : order) {
    kept.insert(id);
    cumulative += prob[id];
    if (cumulative >= top_p) break;
  }
  return kept;
}

TEST(SamplerDistribution, LargeVocabularyTopPMatchesFullSortReference) {
  constexpr size_t kVocab = 4000;
  std::mt19937 gen(99);
  std::vector<float> logits(kVocab);
  for (float& x : logits) x = static_cast<float>(gen() % 60001) / 10000.0f - 3.0f;
  logits[1234] = 9.0f;  // one standout token
  const auto kept = reference_top_p(logits, 0.6);
  ASSERT_GT(kept.size(), 256u);  // the chunked sort must grow past its first chunks

  SamplerParams p = unfiltered(1.0f, 41);
  p.top_p = 0.6f;
  Sampler chunked(p, kVocab);  // top_k off: sorts growing chunks
  p.top_k = static_cast<int>(kVocab) - 1;
  Sampler full(p, kVocab);  // top_k just below the vocabulary: sorts everything first
  std::set<int32_t> drawn;
  for (int i = 0; i < 300; ++i) {
    const int32_t a = chunked.sample(logits);
    ASSERT_EQ(a, full.sample(logits)) << "draw " << i;
    ASSERT_TRUE(kept.count(a)) << "token " << a << " is outside the top-p set";
    drawn.insert(a);
  }
  EXPECT_GT(drawn.size(), 50u);
}

}  // namespace
}  // namespace pg
