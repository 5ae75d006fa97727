// BertModel (engine/model/bert_model.h) on random-weight encoder GGUF files
// written by models/synth_bert.h into a temp dir: embed equals the scalar
// double-precision reference (bert_reference.h) on several inputs, for bert
// and nomic-bert, F32/F16/Q8_0 weights, the scalar and the best kernel path;
// batched equals one by one bit for bit; pooling types; unit length.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "engine/model/bert_reference.h"
#include "bert_test_util.h"

namespace pg {
namespace {

const std::vector<std::string> kTexts = {
    "Hello world, this is a test.",
    "The quick brown fox jumps over the lazy dog!",
    "a",
    "Retrieval-augmented generation answers from documents; citations [1] must be checked.",
};

std::vector<std::vector<TokenId>> tokenize_all(const BertModel& m) {
  std::vector<std::vector<TokenId>> out;
  for (const auto& t : kTexts) out.push_back(m.tokenize(t));
  return out;
}

// Largest |embed - reference| over kTexts.
float max_diff_to_reference(const BertModel& m, ThreadPool& pool, std::optional<kernels::KernelPath> path) {
  const auto inputs = tokenize_all(m);
  BertModel::EmbedOptions o;
  o.kernel_path = path;
  auto got = m.embed(inputs, pool, o);
  EXPECT_TRUE(got) << got.error();
  if (!got) return INFINITY;
  float worst = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto want = bert_reference_embedding(m, inputs[i], m.pooling());
    EXPECT_TRUE(want) << want.error();
    if (!want) return INFINITY;
    worst = std::max(worst, test::max_abs_diff((*got)[i], *want));
    EXPECT_NEAR(test::l2_norm((*got)[i]), 1.0, 1e-5);
  }
  return worst;
}

struct Case {
  const char* shape;
  const char* type;
  float scalar_tol;  // kernels' scalar path vs the double reference
  float best_tol;    // this CPU's best path vs the double reference
};

// Tolerances: F32 weights differ from the double reference only by float
// rounding; F16 weights multiply F16-rounded activations (GGML's vec_dot_type)
// and, on AMX, BF16 tiles; Q8_0 weights multiply Q8_0-quantized activations.
// Every value is a component of a unit vector of 64 values (typically ~0.12).
const Case kCases[] = {
    {"bert-tiny", "F32", 1e-6f, 1e-6f},  {"bert-tiny", "F16", 5e-4f, 5e-3f}, {"bert-tiny", "Q8_0", 6e-3f, 6e-3f},
    {"nomic-tiny", "F32", 1e-6f, 1e-6f}, {"nomic-tiny", "F16", 5e-4f, 5e-3f}, {"nomic-tiny", "Q8_0", 6e-3f, 6e-3f},
};

TEST(BertModel, EmbedEqualsScalarReferenceWithTheSharedWordPieceVocab) {
  PG_REQUIRE_SHARED();
  test::BertTempDir dir;
  ThreadPool pool(2);
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.shape) + " " + c.type);
    auto m = BertModel::load(test::write_synth_bert(dir, c.shape, c.type, test::shared_bert_vocab()));
    ASSERT_TRUE(m) << m.error();
    EXPECT_EQ((*m)->tokenizer().kind(), TokenizerKind::WordPiece);
    EXPECT_EQ((*m)->tokenizer().vocab_size(), 30522u);
    const float scalar = max_diff_to_reference(**m, pool, kernels::KernelPath::Scalar);
    const float best = max_diff_to_reference(**m, pool, std::nullopt);
    EXPECT_LE(scalar, c.scalar_tol);
    EXPECT_LE(best, c.best_tol);
    std::printf("[ %s %s ] max |embed - reference|: scalar path %.2e, %s path %.2e\n", c.shape, c.type, scalar,
                std::string(kernels::kernel_path_name(kernels::best_kernel_path())).c_str(), best);
  }
}

// The real all-MiniLM-L6 shape (384 wide, 12 heads of 32, 6 layers), where
// the kernels' large-matrix paths (AMX tiles, token tiles) are taken.
TEST(BertModel, MiniLmShapeEqualsScalarReference) {
  test::BertTempDir dir;
  ThreadPool pool(2);
  for (const char* type : {"F16", "Q8_0"}) {
    SCOPED_TRACE(type);
    auto m = BertModel::load(test::write_synth_bert(dir, "minilm-l6", type));
    ASSERT_TRUE(m) << m.error();
    const std::vector<std::vector<TokenId>> inputs = {(*m)->tokenize("a short sentence to embed"),
                                                      (*m)->tokenize("and another one, a little longer than that")};
    auto got = (*m)->embed(inputs, pool);
    ASSERT_TRUE(got) << got.error();
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto want = bert_reference_embedding(**m, inputs[i], PoolingType::Mean);
      ASSERT_TRUE(want) << want.error();
      const float diff = test::max_abs_diff((*got)[i], *want);
      std::printf("[ minilm-l6 %s ] input %zu: max |embed - reference| %.2e\n", type, i, diff);
      EXPECT_LE(diff, std::string(type) == "F16" ? 5e-4f : 6e-3f);
    }
  }
}

TEST(BertModel, LoadsHyperParametersFromTheFile) {
  test::BertTempDir dir;
  auto bert = BertModel::load(test::write_synth_bert(dir, "bert-tiny"));
  ASSERT_TRUE(bert) << bert.error();
  EXPECT_EQ((*bert)->architecture(), "bert");
  EXPECT_EQ((*bert)->n_embd(), 64);
  EXPECT_EQ((*bert)->n_ctx(), 64);
  EXPECT_EQ((*bert)->config().n_layer, 2);
  EXPECT_EQ((*bert)->config().n_head, 4);
  EXPECT_EQ((*bert)->config().n_token_types, 2);
  EXPECT_FLOAT_EQ((*bert)->config().norm_eps, 1e-12f);
  EXPECT_EQ((*bert)->pooling(), PoolingType::Mean);
  EXPECT_GT((*bert)->position_embedding().rows, 0);
  auto nomic = BertModel::load(test::write_synth_bert(dir, "nomic-tiny", "F16", "", PoolingType::Cls));
  ASSERT_TRUE(nomic) << nomic.error();
  EXPECT_EQ((*nomic)->architecture(), "nomic-bert");
  EXPECT_TRUE((*nomic)->config().rotary());
  EXPECT_FLOAT_EQ((*nomic)->config().rope_freq_base, 1000.0f);
  EXPECT_EQ((*nomic)->pooling(), PoolingType::Cls);
  EXPECT_EQ((*nomic)->position_embedding().rows, 0);
  EXPECT_GT((*nomic)->layer(0).wqkv.rows, 0);
  EXPECT_TRUE(BertModel::is_encoder_architecture("bert"));
  EXPECT_TRUE(BertModel::is_encoder_architecture("nomic-bert"));
  EXPECT_FALSE(BertModel::is_encoder_architecture("llama"));
}

TEST(BertModel, BatchedEqualsOneByOneAndAnyThreadCount) {
  test::BertTempDir dir;
  for (const char* shape : {"bert-tiny", "nomic-tiny"}) {
    for (const char* type : {"F16", "Q8_0"}) {
      SCOPED_TRACE(std::string(shape) + " " + type);
      auto m = BertModel::load(test::write_synth_bert(dir, shape, type));
      ASSERT_TRUE(m) << m.error();
      const auto inputs = tokenize_all(**m);
      ThreadPool pool2(2), pool1(1);
      auto batched = (*m)->embed(inputs, pool2);
      ASSERT_TRUE(batched) << batched.error();
      ASSERT_EQ(batched->size(), inputs.size());
      for (size_t i = 0; i < inputs.size(); ++i) {
        auto alone = (*m)->embed(std::span(&inputs[i], 1), pool1);
        ASSERT_TRUE(alone) << alone.error();
        EXPECT_EQ((*alone)[0], (*batched)[i]) << "input " << i;
      }
      // Groups of at most 20 tokens: every input in its own forward pass but the short ones.
      BertModel::EmbedOptions small;
      small.max_batch_tokens = 20;
      auto grouped = (*m)->embed(inputs, pool2, small);
      ASSERT_TRUE(grouped);
      EXPECT_EQ(*grouped, *batched);
      // Different texts give different vectors.
      EXPECT_NE((*batched)[0], (*batched)[1]);
    }
  }
}

TEST(BertModel, PoolingTypesFollowTheFileAndTheOverride) {
  test::BertTempDir dir;
  ThreadPool pool(2);
  for (const char* shape : {"bert-tiny", "nomic-tiny"}) {
    SCOPED_TRACE(shape);
    std::vector<std::vector<float>> per_pooling;
    for (PoolingType p : {PoolingType::Mean, PoolingType::Cls, PoolingType::Last}) {
      auto m = BertModel::load(test::write_synth_bert(dir, shape, "F32", "", p));
      ASSERT_TRUE(m) << m.error();
      ASSERT_EQ((*m)->pooling(), p);
      const auto ids = (*m)->tokenize("pooling decides which rows count");
      auto v = (*m)->embed(std::span(&ids, 1), pool);
      ASSERT_TRUE(v) << v.error();
      // The reference's hidden states pooled by hand: mean of all rows (CLS and SEP
      // included), row 0, or the last row; then unit length.
      auto hidden = bert_reference_hidden(**m, ids);
      ASSERT_TRUE(hidden) << hidden.error();
      const size_t E = 64, n = ids.size();
      std::vector<float> want(E);
      for (size_t i = 0; i < E; ++i) {
        double s = 0;
        if (p == PoolingType::Mean)
          for (size_t t = 0; t < n; ++t) s += (*hidden)[t * E + i];
        else
          s = (*hidden)[(p == PoolingType::Cls ? 0 : n - 1) * E + i];
        want[i] = static_cast<float>(s);
      }
      const double len = test::l2_norm(want);
      for (float& x : want) x = static_cast<float>(x / len);
      EXPECT_LE(test::max_abs_diff((*v)[0], want), 2e-5f);
      // The override gives the same as a file with that pooling.
      BertModel::EmbedOptions o;
      o.pooling = PoolingType::Last;
      auto last = (*m)->embed(std::span(&ids, 1), pool, o);
      ASSERT_TRUE(last);
      if (p == PoolingType::Last) EXPECT_EQ((*last)[0], (*v)[0]);
      else EXPECT_NE((*last)[0], (*v)[0]);
      per_pooling.push_back((*v)[0]);
    }
    EXPECT_NE(per_pooling[0], per_pooling[1]);
    EXPECT_NE(per_pooling[1], per_pooling[2]);
  }
}

TEST(BertModel, TokenizeAddsClsSepAndCutsToTheContext) {
  test::BertTempDir dir;
  auto m = BertModel::load(test::write_synth_bert(dir, "bert-tiny"));
  ASSERT_TRUE(m) << m.error();
  const Tokenizer& tok = (*m)->tokenizer();
  const auto ids = (*m)->tokenize("hi there");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), *tok.find_token("[CLS]"));
  EXPECT_EQ(ids.back(), *tok.find_token("[SEP]"));
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const auto cut = (*m)->tokenize(long_text);
  ASSERT_EQ(cut.size(), 64u);  // bert-tiny's context
  EXPECT_EQ(cut.front(), *tok.find_token("[CLS]"));
  EXPECT_EQ(cut.back(), *tok.find_token("[SEP]"));
  ThreadPool pool(1);
  EXPECT_TRUE((*m)->embed(std::span(&cut, 1), pool));
}

}  // namespace
}  // namespace pg
