// Generation with real models: the demo model's known greedy story, batched vs
// token-by-token evaluation, thread-count independence, context limits.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/generate/generator.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

std::string demo_path() { return test::source_dir() + "/models/demo/stories260K.gguf"; }

const std::vector<int32_t> kKnownIds = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298,
                                        315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
                                        410, 408, 419, 292, 411, 322, 265, 282, 295, 433,
                                        426, 385, 328, 432, 358, 394, 261, 370, 432, 352};
const char* kKnownText =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
    "One day, she saw a big, red ball. She wanted to play with it, but it was too high.";

SamplerParams greedy() {
  SamplerParams p;
  p.temperature = 0;
  p.repeat_penalty = 1.0f;
  return p;
}

TEST(ModelGeneration, DemoModelTellsTheKnownStoryFromBos) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  InferenceSession s(**model, pool);
  DecodeRequest req;
  req.prompt_ids = {(*model)->tokenizer().bos_id()};
  req.max_tokens = 80;
  req.sampling = greedy();
  auto r = generate(s, req);
  ASSERT_TRUE(r) << r.error();
  ASSERT_GE(r->tokens.size(), kKnownIds.size());
  EXPECT_EQ(std::vector<int32_t>(r->tokens.begin(), r->tokens.begin() + 40), kKnownIds);
  EXPECT_EQ(r->text.substr(0, std::string(kKnownText).size()), kKnownText);
}

TEST(ModelGeneration, BatchedPromptEqualsTokenByToken) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  std::vector<int32_t> ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298};
  InferenceSession batched(**model, pool);
  ASSERT_TRUE(batched.eval(ids, true).is_ok());
  InferenceSession single(**model, pool);
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t one[1] = {ids[i]};
    ASSERT_TRUE(single.eval(one).is_ok());
    auto a = batched.logits_at(static_cast<int64_t>(i));
    auto b = single.last_logits();
    ASSERT_EQ(a.size(), b.size());
    for (size_t j = 0; j < a.size(); ++j) ASSERT_NEAR(a[j], b[j], 1e-4) << "position " << i << " logit " << j;
  }
}

TEST(ModelGeneration, PromptSplitIntoSmallBatchesGivesSameLogits) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1);
  std::vector<int32_t> ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298};
  InferenceSession whole(**model, pool);
  ASSERT_TRUE(whole.eval(ids).is_ok());
  SessionOptions small;
  small.max_batch = 3;
  InferenceSession chunked(**model, pool, small);
  ASSERT_TRUE(chunked.eval(ids).is_ok());
  for (size_t j = 0; j < whole.last_logits().size(); ++j)
    ASSERT_NEAR(whole.last_logits()[j], chunked.last_logits()[j], 1e-4);
}

TEST(ModelGeneration, ContextLimitIsAClearError) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1);
  SessionOptions opt;
  opt.n_ctx = 8;
  InferenceSession s(**model, pool, opt);
  std::vector<int32_t> ids(9, 300);
  Status st = s.eval(ids);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("context"), std::string::npos) << st.message();
  EXPECT_EQ(s.position(), 0);
  // Generation stops at the limit instead of failing.
  DecodeRequest req;
  req.prompt_ids = {1, 403};
  req.max_tokens = 100;
  req.sampling = greedy();
  auto r = generate(s, req);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->finish, FinishReason::ContextFull);
  EXPECT_EQ(s.position(), 8);
}

TEST(ModelGeneration, OutOfVocabularyIdIsRejected) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1);
  InferenceSession s(**model, pool);
  const int32_t bad[2] = {1, 512};
  Status st = s.eval(bad);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("512"), std::string::npos);
}

TEST(ModelGeneration, TinyRandomLlamaIsDeterministicAcrossThreadCounts) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/gguf/llama-2-tiny-random.gguf"));
  ASSERT_TRUE(model) << model.error();
  auto run = [&](int threads) {
    ThreadPool pool(threads);
    InferenceSession s(**model, pool);
    DecodeRequest req;
    req.prompt_ids = (*model)->tokenizer().encode("The quick brown fox", true, true);
    req.max_tokens = 24;
    req.sampling = greedy();
    auto r = generate(s, req);
    EXPECT_TRUE(r) << r.error();
    return r ? r->tokens : std::vector<int32_t>{};
  };
  const auto one = run(1);
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(1));
  EXPECT_EQ(one, run(3));
}

TEST(ModelGeneration, SameSeedSameText) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  auto run = [&](uint64_t seed) {
    InferenceSession s(**model, pool);
    DecodeRequest req;
    req.prompt_ids = {1};
    req.max_tokens = 40;
    req.sampling.temperature = 1.0f;
    req.sampling.seed = seed;
    auto r = generate(s, req);
    EXPECT_TRUE(r) << r.error();
    return r ? r->text : std::string();
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

TEST(ModelGeneration, StopSequenceEndsAndIsNotEmitted) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  InferenceSession s(**model, pool);
  DecodeRequest req;
  req.prompt_ids = {1};
  req.max_tokens = 100;
  req.sampling = greedy();
  req.stop = {"Lily"};
  std::string streamed;
  auto r = generate(s, req, [&](std::string_view t) { streamed += t; return true; });
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->finish, FinishReason::StopSequence);
  EXPECT_EQ(r->text, "Once upon a time, there was a little girl named ");
  EXPECT_EQ(streamed, r->text);
}

TEST(ModelGeneration, CallbackCancels) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1);
  InferenceSession s(**model, pool);
  DecodeRequest req;
  req.prompt_ids = {1};
  req.max_tokens = 100;
  req.sampling = greedy();
  int calls = 0;
  auto r = generate(s, req, [&](std::string_view) { return ++calls < 3; });
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->finish, FinishReason::Cancelled);
  EXPECT_EQ(calls, 3);
  EXPECT_LE(r->stats.generated_tokens, 4);
}

}  // namespace
}  // namespace pg
