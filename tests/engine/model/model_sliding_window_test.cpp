// Sliding-window KV rings (Gemma 3's tiny model from ../shared/testdata/arch,
// window 8 on layers 0-4): memory follows the window, and truncation (the
// scheduler's prefix reuse) keeps a prefix only while the rings still hold the
// keys the next position attends to, and then gives the same logits as a
// fresh evaluation.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

std::vector<int32_t> prompt(int n) {
  std::vector<int32_t> ids = {1};
  for (int i = 1; i < n; ++i) ids.push_back(3 + (i * 37) % 500);
  return ids;
}

double max_diff(std::span<const float> a, std::span<const float> b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(double(a[i]) - b[i]));
  return d;
}

class SlidingWindow : public ::testing::Test {
 protected:
  void SetUp() override {
    PG_REQUIRE_SHARED();
    auto m = LlamaModel::load(test::shared_path("testdata/arch/gemma3-F16.gguf"));
    ASSERT_TRUE(m) << m.error();
    model_ = std::move(*m);
    ASSERT_TRUE(model_->config().has_sliding_layers());
    ASSERT_EQ(model_->config().sliding_window, 8);
  }
  SessionOptions options(int64_t max_batch) const {
    return SessionOptions{.n_ctx = 256, .max_batch = max_batch,
                          .kernel_path = kernels::generation_kernel_path(kernels::best_kernel_path())};
  }
  std::unique_ptr<LlamaModel> model_;
  ThreadPool pool_{2};
};

TEST_F(SlidingWindow, TruncationKeepsOnlyPrefixesTheRingsStillHold) {
  const auto ids = prompt(40);
  InferenceSession s(*model_, pool_, options(4));  // sliding rings: 8 + 4 rows
  ASSERT_TRUE(s.eval(ids).is_ok());
  // Rings hold positions 28..39; position n needs n-7..n-1.
  EXPECT_EQ(s.earliest_reusable_position(), 40 - 12 + 8 - 1);
  EXPECT_EQ(s.truncate(36), 36);
  // Re-evaluating the dropped tail (in batches that wrap the ring) gives what
  // a fresh session computes.
  const std::vector<int32_t> tail(ids.begin() + 36, ids.end());
  ASSERT_TRUE(s.eval(tail).is_ok());
  InferenceSession fresh(*model_, pool_, options(4));
  ASSERT_TRUE(fresh.eval(ids).is_ok());
  EXPECT_LE(max_diff(s.last_logits(), fresh.last_logits()), 1e-4);

  // Too far back: the rings have moved past what position 20 attends to.
  EXPECT_EQ(s.truncate(20), 0);
  EXPECT_EQ(s.position(), 0);
  ASSERT_TRUE(s.eval(ids).is_ok());
  EXPECT_LE(max_diff(s.last_logits(), fresh.last_logits()), 1e-4);
}

TEST_F(SlidingWindow, ShortSequencesAndFullAttentionModelsTruncateAnywhere) {
  InferenceSession s(*model_, pool_, options(4));
  ASSERT_TRUE(s.eval(prompt(10)).is_ok());  // fewer positions than a ring holds
  EXPECT_EQ(s.earliest_reusable_position(), 0);
  EXPECT_EQ(s.truncate(3), 3);

  auto qwen = LlamaModel::load(test::shared_path("testdata/arch/qwen3-F16.gguf"));
  ASSERT_TRUE(qwen) << qwen.error();
  InferenceSession full(**qwen, pool_, options(4));
  ASSERT_TRUE(full.eval(prompt(60)).is_ok());
  EXPECT_EQ(full.earliest_reusable_position(), 0);
  EXPECT_EQ(full.truncate(5), 5);
}

TEST_F(SlidingWindow, CacheMemoryFollowsTheWindowOnSlidingLayers) {
  const ModelConfig& c = model_->config();
  InferenceSession s(*model_, pool_, SessionOptions{.n_ctx = 32768, .max_batch = 512, .kernel_path = std::nullopt});
  uint64_t rows = 0;
  for (int64_t l = 0; l < c.n_layer; ++l) {
    EXPECT_EQ(s.kv_rows(l), c.is_sliding(l) ? 8 + 512 : 32768) << l;
    rows += static_cast<uint64_t>(s.kv_rows(l));
  }
  // K and V, F16.
  EXPECT_EQ(s.kv_cache_bytes(), rows * static_cast<uint64_t>(c.n_embd_kv()) * 2 * 2);
  EXPECT_LT(s.kv_cache_bytes(), static_cast<uint64_t>(c.n_layer * 32768 * c.n_embd_kv() * 2 * 2) / 5);
}

}  // namespace
}  // namespace pg
