// Which tokens end a generation, for the chat families of issue 21, checked on
// vocabularies built here in the shape their GGUFs have: besides the eos, eot
// and eom ids of the metadata, a token whose whole text is one llama.cpp lists
// (src/llama-vocab.cpp: <|eot_id|>, <|im_end|>, <|end|>, <end_of_turn>,
// <|endoftext|>, <|end_of_text|>, </s>, <|return|>, <|call|>, <EOT>, ...) ends
// it too, whatever its type in the file, even when eos_token_id names another
// token: Gemma's <end_of_turn>, Phi-3's <|end|>, Qwen's <|im_end|>, Granite's
// <|end_of_text|>, OLMo's <|endoftext|>, Mistral's </s>. The tokens that open
// turns (<start_of_turn>, <|assistant|>, <|im_start|>, [INST], ...) never do.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"

namespace pg {
namespace {

using gguf::Value;
using gguf::ValueType;

constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4;

struct Token {
  std::string text;
  int32_t type = kNormal;
};

// A vocabulary of `tokens` (SentencePiece "llama" with scores, or byte-level
// "gpt2" with no merges) with `eos` as tokenizer.ggml.eos_token_id (-1: none given).
std::unique_ptr<Tokenizer> vocabulary(const std::string& model, const std::vector<Token>& tokens, int eos,
                                      const std::string& pre = "") {
  gguf::GgufWriter w;
  w.set("general.architecture", Value::str("llama"));
  w.set("tokenizer.ggml.model", Value::str(model));
  if (!pre.empty()) w.set("tokenizer.ggml.pre", Value::str(pre));
  std::vector<Value> texts, types, scores;
  for (const Token& t : tokens) {
    texts.push_back(Value::str(t.text));
    types.push_back(Value::i32(t.type));
    scores.push_back(Value::f32(0));
  }
  w.set("tokenizer.ggml.tokens", Value::array(ValueType::STRING, texts));
  w.set("tokenizer.ggml.token_type", Value::array(ValueType::INT32, types));
  if (model == "llama") w.set("tokenizer.ggml.scores", Value::array(ValueType::FLOAT32, scores));
  if (model == "gpt2") w.set("tokenizer.ggml.merges", Value::array(ValueType::STRING, {}));
  if (eos >= 0) w.set("tokenizer.ggml.eos_token_id", Value::u32(static_cast<uint32_t>(eos)));
  auto bytes = w.to_bytes();
  EXPECT_TRUE(bytes) << bytes.error();
  if (!bytes) return nullptr;
  auto file = gguf::GgufFile::from_bytes(std::move(*bytes));
  EXPECT_TRUE(file) << file.error();
  if (!file) return nullptr;
  auto tok = Tokenizer::from_gguf(**file);
  EXPECT_TRUE(tok) << tok.error();
  return tok ? std::move(*tok) : nullptr;
}

// The texts of the tokens that end generation, sorted by id.
std::vector<std::string> end_texts(const Tokenizer& tok) {
  std::vector<std::string> out;
  for (TokenId id : tok.end_of_generation_ids()) out.push_back(tok.token_text(id));
  return out;
}

using Texts = std::vector<std::string>;

TEST(EndOfGeneration, GemmaEndsOnEndOfTurnAndEos) {
  // Gemma 2/3: <eos> is eos_token_id, <end_of_turn> closes every model turn.
  auto tok = vocabulary("llama", {{"<pad>", kControl}, {"<eos>", kControl}, {"<bos>", kControl}, {"<unk>", 2},
                                  {"<start_of_turn>", kControl}, {"<end_of_turn>", kControl}, {"a"}, {"b"}},
                        1);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(end_texts(*tok), (Texts{"<eos>", "<end_of_turn>"}));
  EXPECT_EQ(tok->eot_id(), 5);
  EXPECT_FALSE(tok->is_end_of_generation(4));  // <start_of_turn>
}

TEST(EndOfGeneration, PhiEndsOnEndEvenAsAUserDefinedToken) {
  // Phi-3/3.5/4-mini: eos_token_id is <|endoftext|>; the turn ends with <|end|>,
  // which some converters write as USER_DEFINED (it becomes control, as in llama.cpp).
  auto tok = vocabulary("llama", {{"<unk>", 2}, {"<s>", kControl}, {"</s>", kControl}, {"a"}, {"b"},
                                  {"<|endoftext|>", kControl}, {"<|assistant|>", kUserDefined},
                                  {"<|end|>", kUserDefined}, {"<|user|>", kUserDefined}, {"<|system|>", kUserDefined}},
                        5);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(end_texts(*tok), (Texts{"</s>", "<|endoftext|>", "<|end|>"}));
  EXPECT_EQ(tok->token_attr(7), TokenAttr::CONTROL);
  for (TokenId turn : {6, 8, 9}) EXPECT_FALSE(tok->is_end_of_generation(turn)) << tok->token_text(turn);
  // Phi-4 (ChatML with <|im_sep|>): <|im_end|> ends, <|im_sep|> does not.
  tok = vocabulary("gpt2", {{"a"}, {"<|endoftext|>", kControl}, {"<|im_start|>", kControl}, {"<|im_sep|>", kControl},
                            {"<|im_end|>", kControl}},
                   1, "gpt-4o");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(end_texts(*tok), (Texts{"<|endoftext|>", "<|im_end|>"}));
}

TEST(EndOfGeneration, QwenEndsOnImEndWhateverEosTheFileNames) {
  const std::vector<Token> qwen = {{"a"},
                                   {"b"},
                                   {"<|endoftext|>", kControl},
                                   {"<|im_start|>", kControl},
                                   {"<|im_end|>", kControl},
                                   {"<think>", kUserDefined},
                                   {"</think>", kUserDefined},
                                   {"<tool_call>", kUserDefined}};
  for (int eos : {2, 4, -1}) {
    SCOPED_TRACE(eos);
    auto tok = vocabulary("gpt2", qwen, eos, "qwen2");
    ASSERT_NE(tok, nullptr);
    EXPECT_EQ(end_texts(*tok), (Texts{"<|endoftext|>", "<|im_end|>"}));
    for (TokenId id : {3, 5, 6, 7}) EXPECT_FALSE(tok->is_end_of_generation(id)) << tok->token_text(id);
  }
}

TEST(EndOfGeneration, GraniteAndOlmoEndOnTheirEndOfText) {
  // Granite 3.x: <|end_of_text|> is id 0 and eos; here eos_token_id names a plain
  // token, and <|end_of_text|> still ends generation (by its text).
  auto granite = vocabulary("gpt2", {{"<|end_of_text|>", kControl}, {"<|start_of_role|>", kControl},
                                     {"<|end_of_role|>", kControl}, {"<|tool_call|>", kControl}, {"x"}},
                            4, "refact");
  ASSERT_NE(granite, nullptr);
  EXPECT_EQ(end_texts(*granite), (Texts{"<|end_of_text|>", "x"}));
  for (TokenId id : {1, 2, 3}) EXPECT_FALSE(granite->is_end_of_generation(id)) << granite->token_text(id);
  // OLMo 2: <|endoftext|> is both BOS and EOS; <|user|>/<|assistant|> are plain added tokens.
  auto olmo = vocabulary("gpt2", {{"a"}, {"<|endoftext|>", kControl}, {"<|pad|>", kControl},
                                  {"<|user|>", kUserDefined}, {"<|assistant|>", kUserDefined}, {"<|system|>", kUserDefined}},
                         -1, "dbrx");
  ASSERT_NE(olmo, nullptr);
  EXPECT_EQ(end_texts(*olmo), (Texts{"<|endoftext|>"}));
  EXPECT_EQ(olmo->eot_id(), 1);
}

TEST(EndOfGeneration, MistralEndsOnEosOnly) {
  auto tok = vocabulary("llama", {{"<unk>", 2}, {"<s>", kControl}, {"</s>", kControl}, {"[INST]", kControl},
                                  {"[/INST]", kControl}, {"[SYSTEM_PROMPT]", kControl}, {"[/SYSTEM_PROMPT]", kControl},
                                  {"[TOOL_CALLS]", kControl}, {"[THINK]", kControl}, {"[/THINK]", kControl}, {"a"}},
                        2);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(end_texts(*tok), (Texts{"</s>"}));
}

TEST(EndOfGeneration, OnlyWholeTextsCountAndHarmonyKeepsEndForMessages) {
  // A text that merely contains an end marker is an ordinary token.
  auto tok = vocabulary("gpt2", {{"a"}, {"<end_of_turn>x"}, {" <|im_end|>"}, {"<|END|>", kControl}}, -1, "gpt-2");
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->end_of_generation_ids().empty()) << end_texts(*tok).size();
  // gpt-oss: with <|return|> and <|call|>, <|end|> only ends a message.
  tok = vocabulary("gpt2", {{"a"}, {"<|start|>", kControl}, {"<|end|>", kControl}, {"<|return|>", kControl},
                            {"<|call|>", kControl}, {"<|channel|>", kControl}, {"<|endoftext|>", kControl}},
                   3, "gpt-4o");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(end_texts(*tok), (Texts{"<|return|>", "<|call|>", "<|endoftext|>"}));
}

}  // namespace
}  // namespace pg
