// Sentence embeddings (engine/model/embedding.h) from the demo model: n_embd
// values of unit length, the same for the same tokens whatever the session
// held before, different for different texts, and the mean of the final
// normed hidden states that eval_hidden returns (BOS not averaged).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/kernels/thread_pool.h"
#include "engine/model/embedding.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

TEST(ModelEmbedding, UnitLengthDeterministicAndTheMeanOfHiddenStates) {
  auto model = LlamaModel::load(test::source_dir() + "/models/demo/stories260K.gguf");
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1);
  InferenceSession session(**model, pool);
  const auto a_ids = (*model)->tokenizer().encode("The cat sat on the mat.", true, false);
  const auto b_ids = (*model)->tokenizer().encode("Lily went to the park.", true, false);
  auto a = sentence_embedding(session, a_ids);
  ASSERT_TRUE(a) << a.error();
  ASSERT_EQ(a->size(), static_cast<size_t>((*model)->config().n_embd));
  double norm = 0;
  for (float x : *a) norm += double(x) * x;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-6);
  auto b = sentence_embedding(session, b_ids);
  ASSERT_TRUE(b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*sentence_embedding(session, a_ids), *a);  // the session is reset, not continued

  // The same direction as the plain mean of eval_hidden's rows after BOS.
  session.truncate(0);
  std::vector<float> hidden;
  ASSERT_TRUE(session.eval_hidden(a_ids, hidden));
  const size_t E = a->size();
  ASSERT_EQ(hidden.size(), a_ids.size() * E);
  std::vector<double> mean(E, 0.0);
  for (size_t t = 1; t < a_ids.size(); ++t)
    for (size_t i = 0; i < E; ++i) mean[i] += hidden[t * E + i];
  double len = 0;
  for (double v : mean) len += v * v;
  len = std::sqrt(len);
  for (size_t i = 0; i < E; ++i) EXPECT_NEAR((*a)[i], mean[i] / len, 1e-5);

  std::vector<int32_t> too_long(static_cast<size_t>(session.context_size()) + 1, 5);
  EXPECT_FALSE(sentence_embedding(session, too_long));
}

}  // namespace
}  // namespace pg
