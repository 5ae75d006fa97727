// `playground embed`: JSON vectors equal to BertModel::embed's for an encoder
// (the file's pooling or --pooling), the mean-pooled vector for a decoder,
// --bench reports embeddings/s, and bad arguments fail with a message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "test_process.h"
#include "../engine/model/bert_test_util.h"

namespace pg {
namespace {

TEST(BertEmbedCli, PrintsTheVectorsOfBertModelEmbed) {
  test::BertTempDir dir;
  const std::string path = test::write_synth_bert(dir, "nomic-tiny", "Q8_0");
  auto r = test::run_playground("embed -t 2 -m " + test::shell_quote(path) + " 'first text' 'a second, longer text'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["architecture"], "nomic-bert");
  EXPECT_EQ(out["pooling"], "mean");
  EXPECT_EQ(out["n_embd"], 64);
  ASSERT_EQ(out["embeddings"].size(), 2u);
  auto m = BertModel::load(path);
  ASSERT_TRUE(m) << m.error();
  const std::vector<std::vector<TokenId>> inputs = {(*m)->tokenize("first text"), (*m)->tokenize("a second, longer text")};
  ThreadPool pool(2);
  auto want = (*m)->embed(inputs, pool);
  ASSERT_TRUE(want);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out["tokens"][i], inputs[i].size());
    EXPECT_EQ(out["embeddings"][i].get<std::vector<float>>(), (*want)[i]);
  }
  r = test::run_playground("embed --pooling cls -m " + test::shell_quote(path) + " 'first text'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["pooling"], "cls");
  EXPECT_NE(nlohmann::json::parse(r.out)["embeddings"][0].get<std::vector<float>>(), (*want)[0]);
}

TEST(BertEmbedCli, DecoderModelsGiveTheirMeanHiddenState) {
  auto r = test::run_playground("embed -m " + test::shell_quote(test::source_dir() + "/models/demo/stories260K.gguf") +
                                " 'Once upon a time'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["architecture"], "llama");
  ASSERT_EQ(out["embeddings"].size(), 1u);
  EXPECT_EQ(out["embeddings"][0].size(), out["n_embd"].get<size_t>());
  double norm = 0;
  for (float x : out["embeddings"][0].get<std::vector<float>>()) norm += double(x) * x;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST(BertEmbedCli, BenchAndErrors) {
  test::BertTempDir dir;
  const std::string path = test::write_synth_bert(dir, "bert-tiny", "F16");
  auto r = test::run_playground("embed --bench --batch 4 --tokens 16 -r 1 -t 1 -m " + test::shell_quote(path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 inputs x 16 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("embeddings/s"), std::string::npos) << r.out;
  r = test::run_playground("embed -m " + test::shell_quote(path));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("give at least one text"), std::string::npos) << r.err;
  r = test::run_playground("embed --pooling cls -m " +
                           test::shell_quote(test::source_dir() + "/models/demo/stories260K.gguf") + " x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--pooling applies to encoder models"), std::string::npos) << r.err;
  r = test::run_playground("embed -m " + test::shell_quote(dir.file("missing.gguf")) + " x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("missing.gguf"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pg
