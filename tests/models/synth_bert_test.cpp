// Random-weight encoder files (models/synth_bert.h): deterministic bytes, the
// vocabulary copied from --vocab-from or built in, every weight type loads and
// embeds, the all-MiniLM-L6 shape has the real model's parameter count, and
// `playground synth --shape ...` writes the same file as the library.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "models/synth_bert.h"
#include "test_process.h"
#include "../engine/model/bert_test_util.h"

namespace pg {
namespace {

TEST(BertSynth, SameOptionsGiveTheSameBytesAndASeedChangesThem) {
  test::BertTempDir dir;
  const std::string a = test::write_synth_bert(dir, "nomic-tiny", "Q8_0", "", std::nullopt, 7);
  const std::string copy = dir.file("copy.gguf");
  std::filesystem::copy_file(a, copy);
  std::filesystem::remove(a);
  const std::string again = test::write_synth_bert(dir, "nomic-tiny", "Q8_0", "", std::nullopt, 7);
  EXPECT_EQ(test::slurp(copy), test::slurp(again));
  const std::string other = test::write_synth_bert(dir, "nomic-tiny", "Q8_0", "", std::nullopt, 8);
  EXPECT_NE(test::slurp(copy), test::slurp(other));
}

TEST(BertSynth, VocabFromCopiesTheTokenizer) {
  PG_REQUIRE_SHARED();
  test::BertTempDir dir;
  auto model_file = gguf::GgufFile::open(test::write_synth_bert(dir, "bert-tiny", "F16", test::shared_bert_vocab()));
  ASSERT_TRUE(model_file) << model_file.error();
  auto vocab_file = gguf::GgufFile::open(test::shared_bert_vocab());
  ASSERT_TRUE(vocab_file) << vocab_file.error();
  for (const auto& [key, value] : (*vocab_file)->metadata()) {
    if (key.rfind("tokenizer.", 0) != 0) continue;
    const gguf::Value* copied = (*model_file)->find(key);
    ASSERT_NE(copied, nullptr) << key;
    EXPECT_TRUE(*copied == value) << key;
  }
  EXPECT_EQ((*model_file)->get_int("tokenizer.ggml.token_type_count"), 2);
  EXPECT_EQ((*model_file)->find_tensor("token_embd.weight")->dims[1], 30522u);
  auto model = BertModel::load((*model_file)->path());
  ASSERT_TRUE(model) << model.error();
  auto vocab_tok = Tokenizer::from_gguf(**vocab_file);
  ASSERT_TRUE(vocab_tok);
  const std::string text = "Hello world, this is a test.";
  EXPECT_EQ((*model)->tokenize(text), (*vocab_tok)->encode(text, true, false));
  EXPECT_EQ((*model)->tokenize(text), (std::vector<TokenId>{101, 7592, 2088, 1010, 2023, 2003, 1037, 3231, 1012, 102}));
}

TEST(BertSynth, BuiltInVocabularyTokenizesAsciiWithoutUnknowns) {
  test::BertTempDir dir;
  auto m = BertModel::load(test::write_synth_bert(dir, "bert-tiny"));
  ASSERT_TRUE(m) << m.error();
  const auto ids = (*m)->tokenize("Any ASCII text: 42 apples, (3) pears & #tags!");
  const TokenId unk = (*m)->tokenizer().unk_id();
  ASSERT_GE(unk, 0);
  EXPECT_GT(ids.size(), 10u);
  for (TokenId id : ids) EXPECT_NE(id, unk);
  const std::string text = (*m)->tokenizer().decode(ids);
  EXPECT_NE(text.find("any ascii text : 42 apples, ( 3 ) pears & # tags!"), std::string::npos) << text;
}

TEST(BertSynth, EveryWeightTypeLoadsAndEmbeds) {
  test::BertTempDir dir;
  ThreadPool pool(2);
  std::vector<float> f32;
  for (const char* type : {"F32", "F16", "BF16", "Q8_0", "Q5_1", "Q4_0", "Q4_K_M", "Q6_K", "IQ4_NL"}) {
    SCOPED_TRACE(type);
    auto m = BertModel::load(test::write_synth_bert(dir, "bert-tiny", type));
    ASSERT_TRUE(m) << m.error();
    const auto ids = (*m)->tokenize("every type embeds");
    auto v = (*m)->embed(std::span(&ids, 1), pool);
    ASSERT_TRUE(v) << v.error();
    EXPECT_NEAR(test::l2_norm((*v)[0]), 1.0, 1e-5);
    if (f32.empty()) f32 = (*v)[0];
    // Quantization moves the vector, but not far: same weights, fewer bits.
    double dot = 0;
    for (size_t i = 0; i < f32.size(); ++i) dot += double(f32[i]) * (*v)[0][i];
    EXPECT_GT(dot, 0.9);
  }
}

TEST(BertSynth, ShapeTableMatchesTheRealModels) {
  auto minilm = find_bert_synth_shape("minilm-l6");
  ASSERT_TRUE(minilm);
  EXPECT_EQ(minilm->arch, "bert");
  EXPECT_EQ(minilm->dim, 384);
  EXPECT_EQ(minilm->layers, 6);
  EXPECT_EQ(minilm->heads, 12);
  EXPECT_EQ(minilm->ffn, 1536);
  EXPECT_EQ(minilm->ctx, 512);
  // all-MiniLM-L6-v2 has 22,713,216 parameters with its pooler (384 x 384 + 384),
  // which sentence embeddings do not use and GGUF files leave out.
  uint64_t n = 0;
  for (const auto& t : bert_synth_tensor_specs(*minilm, 30522)) {
    uint64_t e = 1;
    for (uint64_t d : t.dims) e *= d;
    n += e;
  }
  EXPECT_EQ(n + 384 * 384 + 384, 22713216u);
  EXPECT_EQ(find_bert_synth_shape("bge-small")->pooling, PoolingType::Cls);
  EXPECT_EQ(find_bert_synth_shape("nomic-embed-text")->arch, "nomic-bert");
  EXPECT_FALSE(find_bert_synth_shape("tinyllama-1.1b"));
  BertSynthShape bad = *minilm;
  bad.heads = 7;
  EXPECT_FALSE(validate_bert_synth_shape(bad));
}

TEST(BertSynth, CliWritesTheSameFileAsTheLibrary) {
  test::BertTempDir dir;
  const std::string lib = test::write_synth_bert(dir, "bert-tiny", "Q8_0", "", PoolingType::Cls, 3);
  const std::string cli = dir.file("cli.gguf");
  auto r = test::run_playground("synth --shape bert-tiny --type Q8_0 --pooling cls --seed 3 --threads 2 " +
                                test::shell_quote(cli));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bert-tiny shape"), std::string::npos) << r.out;
  EXPECT_EQ(test::slurp(lib), test::slurp(cli));
  r = test::run_playground("synth --shape tinyllama-1.1b --pooling cls " + test::shell_quote(dir.file("x.gguf")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--pooling applies to encoder shapes only"), std::string::npos) << r.err;
  r = test::run_playground("synth --help");
  EXPECT_NE(r.out.find("minilm-l6"), std::string::npos);
}

}  // namespace
}  // namespace pg
