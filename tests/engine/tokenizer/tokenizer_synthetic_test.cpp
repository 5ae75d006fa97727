// Tokenizers built from small in-memory GGUF vocabularies: BPE merge order and
// ties, ignore_merges, user-defined and control tokens, end-of-generation
// detection by text, SentencePiece options, decode clean-up, and every way a
// hostile vocabulary is refused (with an error that names the key) or tolerated
// (with a warning). Needs no files.
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

struct VocabSpec {
  std::string model = "gpt2";
  std::string pre = "gpt-2";
  std::vector<std::string> tokens;
  std::vector<int32_t> types;       // empty: all NORMAL
  std::vector<float> scores;        // empty: none written
  std::vector<std::string> merges;  // gpt2 only
  std::vector<std::pair<std::string, Value>> extra;
};

Result<std::unique_ptr<Tokenizer>> build(const VocabSpec& spec) {
  gguf::GgufWriter w;
  w.set("general.architecture", Value::str("llama"));
  w.set("tokenizer.ggml.model", Value::str(spec.model));
  if (!spec.pre.empty()) w.set("tokenizer.ggml.pre", Value::str(spec.pre));
  std::vector<Value> tokens, types, scores, merges;
  for (const auto& t : spec.tokens) tokens.push_back(Value::str(t));
  if (spec.types.empty()) {
    types.assign(spec.tokens.size(), Value::i32(1));
  } else {
    for (int32_t t : spec.types) types.push_back(Value::i32(t));
  }
  for (float s : spec.scores) scores.push_back(Value::f32(s));
  for (const auto& m : spec.merges) merges.push_back(Value::str(m));
  w.set("tokenizer.ggml.tokens", Value::array(ValueType::STRING, tokens));
  w.set("tokenizer.ggml.token_type", Value::array(ValueType::INT32, types));
  if (!spec.scores.empty()) w.set("tokenizer.ggml.scores", Value::array(ValueType::FLOAT32, scores));
  if (spec.model == "gpt2") w.set("tokenizer.ggml.merges", Value::array(ValueType::STRING, merges));
  for (const auto& [k, v] : spec.extra) w.set(k, v);
  auto bytes = w.to_bytes();
  if (!bytes) return Error{"writer: " + bytes.error()};
  auto file = gguf::GgufFile::from_bytes(std::move(*bytes));
  if (!file) return Error{"reader: " + file.error()};
  return Tokenizer::from_gguf(**file);
}

std::unique_ptr<Tokenizer> build_ok(const VocabSpec& spec) {
  auto tok = build(spec);
  EXPECT_TRUE(tok) << tok.error();
  return tok ? std::move(*tok) : nullptr;
}

// "Ġ" is GPT-2's stand-in for the space byte.
const std::string kSpace = "\xC4\xA0";

VocabSpec small_bpe() {
  VocabSpec s;
  s.tokens = {"a", "b", "c", kSpace, "ab", "bc", "abc", kSpace + "a", "<|im_end|>", "<tool>", "!", "x"};
  s.types = {1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 1};
  s.merges = {"a b", "b c", "ab c", kSpace + " a"};
  return s;
}

TEST(TokenizerSynthetic, BpeMergesByRankThenLeftmost) {
  auto tok = build_ok(small_bpe());
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->kind(), TokenizerKind::BytePairEncoding);
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<TokenId>{6}));      // a+b first (rank 0), then ab+c
  EXPECT_EQ(tok->encode("bc", false, false), (std::vector<TokenId>{5}));
  EXPECT_EQ(tok->encode(" abc", false, false), (std::vector<TokenId>{3, 6}));  // "Ġ a" (rank 3) loses to "a b"
  EXPECT_EQ(tok->encode(" a", false, false), (std::vector<TokenId>{7}));
  // "abab": two "a b" candidates of equal rank; the leftmost goes first, then
  // the second; no "ab ab" merge exists.
  EXPECT_EQ(tok->encode("abab", false, false), (std::vector<TokenId>{4, 4}));
  // Characters the vocabulary lacks vanish (no byte tokens for them), as in llama.cpp.
  EXPECT_EQ(tok->encode("aq", false, false), (std::vector<TokenId>{0}));
  EXPECT_EQ(tok->decode({3, 6, 10}), " abc!");
  EXPECT_EQ(tok->token_to_piece(3), " ");
}

TEST(TokenizerSynthetic, IgnoreMergesTakesWholeWordTokens) {
  VocabSpec s = small_bpe();
  s.merges = {"a b"};  // no way to build "abc" by merging
  auto plain = build_ok(s);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->encode("abc", false, false), (std::vector<TokenId>{4, 2}));
  s.pre = "llama-bpe";  // sets ignore_merges
  auto llama3 = build_ok(s);
  ASSERT_NE(llama3, nullptr);
  EXPECT_EQ(llama3->encode("abc", false, false), (std::vector<TokenId>{6}));
}

TEST(TokenizerSynthetic, SpecialAndUserDefinedTokens) {
  auto tok = build_ok(small_bpe());
  ASSERT_NE(tok, nullptr);
  // "<|im_end|>" is typed NORMAL in the file but looks like an end-of-turn
  // token: like llama.cpp we treat it as control and end of generation.
  EXPECT_EQ(tok->token_attr(8), TokenAttr::CONTROL);
  EXPECT_TRUE(tok->is_end_of_generation(8));
  EXPECT_EQ(tok->eot_id(), 8);
  EXPECT_EQ(tok->token_to_piece(8), "");
  EXPECT_EQ(tok->token_to_piece(8, true), "<|im_end|>");
  const auto& warnings = tok->warnings();
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(),
                          [](const std::string& w) { return w.find("<|im_end|>") != std::string::npos; }));
  // Control tokens need parse_special; user-defined ones are split out always.
  EXPECT_EQ(tok->encode("ab<|im_end|>", false, true), (std::vector<TokenId>{4, 8}));
  const auto plain = tok->encode("ab<|im_end|>", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 8), 0);
  EXPECT_EQ(tok->encode("a<tool>b", false, false), (std::vector<TokenId>{0, 9, 1}));
  EXPECT_EQ(tok->token_to_piece(9), "<tool>");
  EXPECT_EQ(tok->encode("<tool><tool>", false, false), (std::vector<TokenId>{9, 9}));
}

TEST(TokenizerSynthetic, BpeDefaultsAndFlags) {
  VocabSpec s = small_bpe();
  auto tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_FALSE(tok->add_bos());  // gpt-2 does not add BOS
  EXPECT_EQ(tok->bos_id(), 11);  // llama.cpp's BPE default id, inside this vocabulary
  EXPECT_EQ(tok->encode("a", true, false), (std::vector<TokenId>{0}));
  s.extra = {{"tokenizer.ggml.bos_token_id", Value::u32(10)}, {"tokenizer.ggml.add_bos_token", Value::boolean(true)},
             {"tokenizer.ggml.eos_token_id", Value::u32(11)}, {"tokenizer.ggml.add_eos_token", Value::boolean(true)}};
  tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("a", true, false), (std::vector<TokenId>{10, 0, 11}));
  EXPECT_EQ(tok->encode("a", false, false), (std::vector<TokenId>{0}));
  EXPECT_TRUE(tok->is_end_of_generation(11));
}

TEST(TokenizerSynthetic, UnknownPreTokenizerFallsBackWithAWarning) {
  VocabSpec s = small_bpe();
  s.pre = "brand-new-model";
  auto tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->pre_tokenizer_name(), "brand-new-model");
  EXPECT_EQ(tok->pre_tokenizer_family(), "default");
  ASSERT_FALSE(tok->warnings().empty());
  EXPECT_NE(tok->warnings()[0].find("brand-new-model"), std::string::npos);
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<TokenId>{6}));
  s.pre.clear();
  tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->pre_tokenizer_family(), "default");
  EXPECT_NE(tok->warnings()[0].find("tokenizer.ggml.pre"), std::string::npos);
}

TEST(TokenizerSynthetic, DecodeCleansSpacesLikeLlamaCpp) {
  VocabSpec s = small_bpe();
  s.tokens = {kSpace, "?", "!", ".", ",", "'", "s", "t", "re", "a", kSpace + "'"};
  s.types.assign(s.tokens.size(), 1);
  s.merges = {};
  auto tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->decode({9, 0, 1, 0, 2, 0, 3, 0, 4}), "a?!.,");
  EXPECT_EQ(tok->decode({9, 0, 5, 0, 9}), "a'a");           // " ' " loses both spaces
  EXPECT_EQ(tok->decode({9, 0, 5, 6}), "a's");              // " 's"
  EXPECT_EQ(tok->decode({9, 0, 5, 7}), "a 't");             // " 't" keeps its space
  EXPECT_EQ(tok->decode({9, 0, 5, 8}), "a're");             // " 're"
  EXPECT_EQ(tok->decode({9, 0, 5, 0, 5, 0, 9}), "a'' a");   // llama.cpp's NUL-marker corner case
  s.pre = "qwen2";  // clean_up_tokenization_spaces off
  tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->decode({9, 0, 1}), "a ?");
}

VocabSpec small_spm() {
  VocabSpec s;
  s.model = "llama";
  s.pre.clear();
  s.tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab", "<0x0A>"};
  s.types = {2, 3, 3, 1, 1, 1, 1, 1, 1, 6};
  s.scores = {0, 0, 0, -1, -2, -2, -1.5f, -1, -0.5f, 0};
  return s;
}

TEST(TokenizerSynthetic, SentencePieceScoresAndOptions) {
  VocabSpec s = small_spm();
  auto tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->kind(), TokenizerKind::SentencePiece);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->unk_id(), 0);
  // ▁ a b: "ab" (-1) beats "▁a" (-1.5); then "▁" + "ab" -> "▁ab" (-0.5).
  EXPECT_EQ(tok->encode("ab", true, false), (std::vector<TokenId>{1, 8}));
  EXPECT_EQ(tok->encode("a\nb", false, false), (std::vector<TokenId>{6, 9, 5}));
  // No byte token for 'c': UNK (llama.cpp would abort).
  EXPECT_EQ(tok->encode("c", false, false), (std::vector<TokenId>{3, 0}));
  EXPECT_EQ(tok->decode({1, 8, 6}), "ab a");
  EXPECT_EQ(tok->token_to_piece(9), "\n");
  s.extra = {{"tokenizer.ggml.add_space_prefix", Value::boolean(false)},
             {"tokenizer.ggml.add_bos_token", Value::boolean(false)}};
  tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->encode("ab", true, false), (std::vector<TokenId>{7}));
  EXPECT_EQ(tok->decode({6}), " a");
}

TEST(TokenizerSynthetic, HostileVocabulariesAreRefusedWithTheKey) {
  auto expect_error = [](VocabSpec s, const std::string& needle) {
    auto tok = build(s);
    ASSERT_FALSE(tok) << needle;
    EXPECT_NE(tok.error().find(needle), std::string::npos) << tok.error();
  };
  VocabSpec s = small_bpe();
  s.model = "rwkv";
  expect_error(s, "tokenizer.ggml.model");
  s = small_bpe();
  s.tokens.clear();
  s.types.clear();
  expect_error(s, "tokenizer.ggml.tokens");
  s = small_bpe();
  s.types.resize(3);
  expect_error(s, "tokenizer.ggml.token_type");
  s = small_spm();
  s.scores.resize(2);
  expect_error(s, "tokenizer.ggml.scores");
  s = small_bpe();
  s.extra = {{"tokenizer.ggml.merges", Value::array(ValueType::INT32, {Value::i32(1)})}};
  expect_error(s, "tokenizer.ggml.merges");
  s = small_bpe();
  s.extra = {{"tokenizer.ggml.tokens", Value::array(ValueType::INT32, {Value::i32(1)})}};
  expect_error(s, "tokenizer.ggml.tokens");
  s = small_bpe();
  s.extra = {{"tokenizer.ggml.model", Value::u32(3)}};
  expect_error(s, "tokenizer.ggml.model");
  // add_bos with no usable BOS id.
  s = small_bpe();
  s.tokens.resize(10);
  s.types.resize(10);
  s.extra = {{"tokenizer.ggml.add_bos_token", Value::boolean(true)}, {"tokenizer.ggml.bos_token_id", Value::u32(999)}};
  expect_error(s, "bos_token_id");
}

TEST(TokenizerSynthetic, OddButUsableVocabulariesLoadWithWarnings) {
  VocabSpec s = small_bpe();
  s.tokens[11] = "a";  // duplicate text
  s.tokens[10] = "";   // empty text
  s.extra = {{"tokenizer.ggml.eos_token_id", Value::u32(12345)}};
  auto tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->token_text(10), "[EMPTY_10]");
  EXPECT_EQ(tok->find_token("a"), 0);
  EXPECT_EQ(tok->eos_id(), 11);  // the default stays
  const auto& w = tok->warnings();
  EXPECT_TRUE(std::any_of(w.begin(), w.end(), [](const std::string& m) { return m.find("duplicate") != std::string::npos; }));
  EXPECT_TRUE(std::any_of(w.begin(), w.end(), [](const std::string& m) { return m.find("12345") != std::string::npos; }));
}

TEST(TokenizerSynthetic, WordPieceNormalisesAndSplits) {
  VocabSpec s;
  s.model = "bert";
  s.pre = "default";
  s.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "\xE2\x96\x81" "hello", "\xE2\x96\x81" "world", "\xE2\x96\x81" ",",
              "\xE2\x96\x81" "!", "\xE2\x96\x81" "\xE4\xB8\xAD", "\xE2\x96\x81" "wor", "ld", "\xE2\x96\x81" "cafe"};
  s.types = {3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  s.extra = {{"tokenizer.ggml.unknown_token_id", Value::u32(1)}, {"tokenizer.ggml.cls_token_id", Value::u32(2)},
             {"tokenizer.ggml.seperator_token_id", Value::u32(3)}, {"tokenizer.ggml.padding_token_id", Value::u32(0)}};
  auto tok = build_ok(s);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->kind(), TokenizerKind::WordPiece);
  EXPECT_EQ(tok->bos_id(), 2);
  EXPECT_EQ(tok->sep_id(), 3);
  EXPECT_EQ(tok->encode("Hello, WORLD!", true, false), (std::vector<TokenId>{2, 4, 6, 5, 7, 3}));
  EXPECT_EQ(tok->encode("Caf\xC3\xA9\xE4\xB8\xAD", false, false), (std::vector<TokenId>{11, 8}));  // accent stripped
  EXPECT_EQ(tok->encode("hello zzz", false, false), (std::vector<TokenId>{4, 1}));  // unknown word -> [UNK]
  EXPECT_EQ(tok->decode({4, 6}), " hello,");
}

}  // namespace
}  // namespace pg
