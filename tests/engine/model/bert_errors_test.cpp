// Hostile and unusable encoder files and inputs: a missing tensor, a tensor of
// the wrong shape or type, bad metadata, a decoder file, and inputs that are
// empty, too long or outside the vocabulary all give an error that names the
// problem (never a crash, never a silently wrong vector).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "engine/model/bert_reference.h"
#include "bert_test_util.h"

namespace pg {
namespace {

// Loads a copy of `src` edited by the functions; returns the load error ("" if it loaded).
std::string load_error(const test::BertTempDir& dir, const std::string& src,
                       const std::function<bool(test::TensorEdit&)>& edit_tensor,
                       const std::function<void(gguf::GgufWriter&)>& edit_metadata = {}) {
  static int counter = 0;
  const std::string dst = dir.file("edited-" + std::to_string(++counter) + ".gguf");
  test::rewrite_gguf(src, dst, edit_tensor, edit_metadata);
  auto m = BertModel::load(dst);
  return m ? "" : m.error();
}

TEST(BertErrors, UneditedCopyLoads) {
  test::BertTempDir dir;
  const std::string src = test::write_synth_bert(dir, "bert-tiny");
  EXPECT_EQ(load_error(dir, src, {}), "");
}

TEST(BertErrors, MissingTensorsAreNamed) {
  test::BertTempDir dir;
  const std::string bert = test::write_synth_bert(dir, "bert-tiny");
  const std::string nomic = test::write_synth_bert(dir, "nomic-tiny");
  for (const auto& [src, name] : std::vector<std::pair<std::string, std::string>>{
           {bert, "blk.1.ffn_up.bias"},
           {bert, "blk.0.attn_k.weight"},
           {bert, "position_embd.weight"},
           {bert, "token_embd_norm.bias"},
           {bert, "blk.1.layer_output_norm.weight"},
           {nomic, "blk.1.ffn_gate.weight"},
           {nomic, "blk.0.attn_output_norm.bias"},
           {nomic, "token_embd.weight"}}) {
    const std::string err = load_error(dir, src, [&](test::TensorEdit& e) { return e.name != name; });
    EXPECT_NE(err.find("missing tensor '" + name + "'"), std::string::npos) << err;
  }
  // Optional tensors: token types (zeros then) and nomic's absent biases.
  EXPECT_EQ(load_error(dir, bert, [](test::TensorEdit& e) { return e.name != "token_types.weight"; }), "");
}

TEST(BertErrors, WrongShapesAndTypesAreNamed) {
  test::BertTempDir dir;
  const std::string bert = test::write_synth_bert(dir, "bert-tiny");
  const std::string nomic = test::write_synth_bert(dir, "nomic-tiny");
  // attn_q.weight [64, 64] rewritten as [32, 128] (same bytes).
  std::string err = load_error(dir, bert, [](test::TensorEdit& e) {
    if (e.name == "blk.1.attn_q.weight") e.dims = {32, 128};
    return true;
  });
  EXPECT_NE(err.find("tensor 'blk.1.attn_q.weight' has shape [32, 128], expected [64, 64]"), std::string::npos) << err;
  // A bias one value short.
  err = load_error(dir, bert, [](test::TensorEdit& e) {
    if (e.name == "blk.0.ffn_down.bias") {
      e.dims = {63};
      e.data.resize(63 * 4);
    }
    return true;
  });
  EXPECT_NE(err.find("'blk.0.ffn_down.bias' has shape [63], expected [64]"), std::string::npos) << err;
  // nomic's fused QKV with rows for Q and K only.
  err = load_error(dir, nomic, [](test::TensorEdit& e) {
    if (e.name == "blk.0.attn_qkv.weight") {
      e.dims = {64, 128};
      e.data.resize(e.data.size() * 2 / 3);
    }
    return true;
  });
  EXPECT_NE(err.find("'blk.0.attn_qkv.weight' has shape [64, 128], expected [64, 192]"), std::string::npos) << err;
  // A position table shorter than the context the file claims.
  err = load_error(dir, bert, [](test::TensorEdit& e) {
    if (e.name == "position_embd.weight") {
      e.dims = {64, 32};
      e.data.resize(e.data.size() / 2);
    }
    return true;
  });
  EXPECT_NE(err.find("'position_embd.weight' has shape [64, 32], expected [64, 64]"), std::string::npos) << err;
  // An integer tensor where weights belong.
  err = load_error(dir, bert, [](test::TensorEdit& e) {
    if (e.name == "blk.0.attn_output.weight") e.type = GgmlType::I32;
    return true;
  });
  EXPECT_NE(err.find("'blk.0.attn_output.weight' has type"), std::string::npos) << err;
}

TEST(BertErrors, BadMetadataIsNamed) {
  test::BertTempDir dir;
  const std::string bert = test::write_synth_bert(dir, "bert-tiny");
  auto with = [&](const std::string& key, gguf::Value v) {
    return load_error(dir, bert, {}, [&](gguf::GgufWriter& w) { w.set(key, v); });
  };
  EXPECT_NE(with("bert.attention.head_count", gguf::Value::u32(5)).find("not a multiple of attention.head_count 5"),
            std::string::npos);
  EXPECT_NE(with("bert.pooling_type", gguf::Value::u32(4)).find("rank"), std::string::npos);
  EXPECT_NE(with("bert.pooling_type", gguf::Value::u32(9)).find("'bert.pooling_type' = 9 is out of range"),
            std::string::npos);
  EXPECT_NE(with("bert.attention.causal", gguf::Value::boolean(true)).find("causal"), std::string::npos);
  EXPECT_NE(with("bert.attention.layer_norm_epsilon", gguf::Value::f32(-1)).find("layer_norm_epsilon"),
            std::string::npos);
  EXPECT_NE(with("bert.block_count", gguf::Value::u32(3)).find("missing tensor 'blk.2."), std::string::npos);
  EXPECT_NE(with("general.architecture", gguf::Value::str("llama")).find("not an encoder"), std::string::npos);
  EXPECT_NE(with("bert.embedding_length", gguf::Value::u32(0)).find("'bert.embedding_length' = 0 is out of range"),
            std::string::npos);
}

TEST(BertErrors, BadInputsAreRefused) {
  test::BertTempDir dir;
  auto m = BertModel::load(test::write_synth_bert(dir, "bert-tiny"));
  ASSERT_TRUE(m) << m.error();
  ThreadPool pool(1);
  const std::vector<TokenId> ok = (*m)->tokenize("fine");
  auto run = [&](std::vector<std::vector<TokenId>> inputs) {
    auto r = (*m)->embed(inputs, pool);
    return r ? std::string() : r.error();
  };
  EXPECT_NE(run({}).find("no inputs"), std::string::npos);
  EXPECT_NE(run({ok, {}}).find("input 1 is empty"), std::string::npos);
  EXPECT_NE(run({std::vector<TokenId>(65, 5)}).find("input 0 has 65 tokens, more than the model's context of 64"),
            std::string::npos);
  const int vocab = static_cast<int>((*m)->tokenizer().vocab_size());
  EXPECT_NE(run({ok, {2, vocab, 3}}).find("input 1: token id " + std::to_string(vocab) + " at index 1"),
            std::string::npos);
  EXPECT_NE(run({{2, -1, 3}}).find("token id -1"), std::string::npos);
  EXPECT_EQ(run({ok, std::vector<TokenId>(64, 5)}), "");
  EXPECT_FALSE(bert_reference_hidden(**m, std::vector<TokenId>{}));

  auto none = BertModel::load(test::write_synth_bert(dir, "bert-tiny", "F32", "", PoolingType::None));
  ASSERT_TRUE(none) << none.error();
  auto r = (*none)->embed(std::span(&ok, 1), pool);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("pooling type 'none'"), std::string::npos) << r.error();
}

TEST(BertErrors, DecoderFileIsNotAnEncoder) {
  auto m = BertModel::load(test::source_dir() + "/models/demo/stories260K.gguf");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().find("architecture 'llama' is not an encoder"), std::string::npos) << m.error();
}

}  // namespace
}  // namespace pg
