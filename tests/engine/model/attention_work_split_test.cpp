// Attention's work items (InferenceSession::attention): one token's query heads
// of one KV head, split in halves while there are fewer than two items per
// thread. Which thread computes which heads must never change a logit: a
// grouped-query model (qwen3: 4 query heads on 2 KV heads) gives the same logits
// bit for bit with 1, 2, 3 and 8 threads, for a prompt (many items) and for one
// generated token (2 items: the groups are split for 2 threads and more).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

TEST(AttentionWorkSplit, LogitsAreBitIdenticalForEveryThreadCount) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/arch/qwen3-F16.gguf"));
  ASSERT_TRUE(model) << model.error();
  const std::vector<int32_t> prompt = {1, 45, 499, 173, 17, 299, 43, 172, 97, 27, 366, 112};  // a 512-token vocabulary
  const int32_t next[1] = {263};
  auto run = [&](int threads) {
    ThreadPool pool(threads);
    InferenceSession s(**model, pool);
    std::vector<float> logits;
    EXPECT_TRUE(s.eval(prompt, true));
    for (int64_t i = 0; i < static_cast<int64_t>(prompt.size()); ++i) {
      const std::span<const float> l = s.logits_at(i);
      logits.insert(logits.end(), l.begin(), l.end());
    }
    EXPECT_TRUE(s.eval_generated(next));
    const std::span<const float> l = s.last_logits();
    logits.insert(logits.end(), l.begin(), l.end());
    return logits;
  };
  const std::vector<float> one = run(1);
  ASSERT_FALSE(one.empty());
  for (int threads : {2, 3, 8}) {
    const std::vector<float> other = run(threads);
    ASSERT_EQ(other.size(), one.size());
    EXPECT_EQ(std::memcmp(other.data(), one.data(), one.size() * sizeof(float)), 0) << threads << " threads";
  }
}

}  // namespace
}  // namespace pg
