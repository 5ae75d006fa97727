// Sampling with a token filter (a grammar applied first in the chain): a
// filter that allows everything changes nothing (same tokens for the same
// seed, with every filter combination); greedy picks the best allowed token;
// draws never leave the allowed set and follow the allowed tokens' renormalised
// probabilities; top-k keeps the k best allowed tokens, asking about few.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "engine/sampler/sampler.h"
#include "sampler_test_support.h"

namespace pg {
namespace {

class PredicateFilter final : public TokenFilter {
 public:
  explicit PredicateFilter(std::function<bool(int32_t)> allow) : allow_(std::move(allow)) {}
  bool may_allow(int32_t id) const override { return allow_(id); }
  bool allows(int32_t id) override {
    ++asked;
    return allow_(id);
  }
  int asked = 0;

 private:
  std::function<bool(int32_t)> allow_;
};

std::vector<float> random_logits(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 3.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(SamplerFilter, AllowingEverythingChangesNothing) {
  const auto logits = random_logits(3000, 7);
  std::vector<SamplerParams> sets;
  SamplerParams defaults;
  sets.push_back(defaults);
  sets.push_back(sampler_test::unfiltered(1.2f, 0));
  SamplerParams top_p = sampler_test::unfiltered(0.9f, 0);
  top_p.top_p = 0.8f;
  sets.push_back(top_p);
  SamplerParams min_p = sampler_test::unfiltered(1.0f, 0);
  min_p.min_p = 0.1f;
  min_p.top_k = 5000;
  sets.push_back(min_p);
  SamplerParams greedy;
  greedy.temperature = 0;
  sets.push_back(greedy);
  for (SamplerParams p : sets)
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      p.seed = seed;
      Sampler plain(p, 3000), filtered(p, 3000);
      PredicateFilter all([](int32_t) { return true; });
      for (int step = 0; step < 20; ++step) {
        const auto l = random_logits(3000, static_cast<uint32_t>(seed * 100 + step));
        ASSERT_EQ(plain.sample(l), filtered.sample(l, all)) << "step " << step;
      }
    }
}

TEST(SamplerFilter, GreedyPicksTheBestAllowedToken) {
  const auto logits = random_logits(1000, 3);
  SamplerParams p;
  p.temperature = 0;
  Sampler s(p, 1000);
  PredicateFilter odd([](int32_t id) { return id % 2 == 1; });
  const int32_t got = s.sample(logits, odd);
  int32_t best = 1;
  for (int32_t id = 1; id < 1000; id += 2)
    if (logits[static_cast<size_t>(id)] > logits[static_cast<size_t>(best)]) best = id;
  EXPECT_EQ(got, best);
  PredicateFilter none([](int32_t) { return false; });
  EXPECT_EQ(s.sample(logits, none), -1);
}

TEST(SamplerFilter, DrawsFollowTheAllowedTokensRenormalised) {
  const std::vector<float> logits = {2.0f, 1.0f, 0.5f, 0.0f, 3.0f};
  Sampler s(sampler_test::unfiltered(1.0f, 11), 5);
  PredicateFilter some([](int32_t id) { return id == 1 || id == 2 || id == 3; });
  std::vector<int> counts(5, 0);
  const int draws = 40000;
  for (int i = 0; i < draws; ++i) ++counts[static_cast<size_t>(s.sample(logits, some))];
  EXPECT_EQ(counts[0] + counts[4], 0);
  const double z = std::exp(1.0) + std::exp(0.5) + std::exp(0.0);
  for (int id = 1; id <= 3; ++id)
    EXPECT_NEAR(counts[static_cast<size_t>(id)] / double(draws), std::exp(logits[static_cast<size_t>(id)]) / z, 0.01);
}

TEST(SamplerFilter, TopKKeepsTheBestAllowedAskingAboutFew) {
  const auto logits = random_logits(32000, 5);
  SamplerParams p = sampler_test::unfiltered(1.0f, 9);
  p.top_k = 3;
  std::set<int32_t> best3;
  {
    std::vector<int32_t> ids;
    for (int32_t id = 0; id < 32000; id += 3) ids.push_back(id);
    std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)]; });
    best3 = {ids[0], ids[1], ids[2]};
  }
  Sampler s(p, 32000);
  for (int i = 0; i < 200; ++i) {
    PredicateFilter third([](int32_t id) { return id % 3 == 0; });
    const int32_t got = s.sample(logits, third);
    EXPECT_TRUE(best3.count(got)) << got;
    EXPECT_LT(third.asked, 200) << "the exact check ran on far more tokens than top-k needs";
  }
}

}  // namespace
}  // namespace pg
