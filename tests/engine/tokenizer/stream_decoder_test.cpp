// StreamDecoder: holds back a character whose UTF-8 bytes arrive in separate
// byte tokens, emits it whole once complete, replaces bytes that can never form
// a character with U+FFFD, drops SentencePiece's leading space once, and
// streams the same text decode() gives for the stories260K vocabulary.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"
#include "test_paths.h"

namespace pg {
namespace {

std::unique_ptr<Tokenizer> load(const std::string& rel) {
  auto file = gguf::GgufFile::open(test::shared_path(rel));
  EXPECT_TRUE(file) << file.error();
  if (!file) return nullptr;
  auto tok = Tokenizer::from_gguf(**file);
  EXPECT_TRUE(tok) << tok.error();
  return tok ? std::move(*tok) : nullptr;
}

// Byte token ids in Llama-2's and stories260K's vocabularies: <0xXX> = XX + 3.
TokenId byte_id(uint8_t b) { return static_cast<TokenId>(b) + 3; }

TEST(TokenizerStream, MultiByteCharacterSplitAcrossByteTokens) {
  PG_REQUIRE_SHARED();
  auto tok = load("testdata/gguf/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  StreamDecoder d(*tok);
  EXPECT_EQ(d.push(1), "");  // BOS
  EXPECT_EQ(d.push(403), "Once");  // "▁Once": the leading space goes once
  EXPECT_EQ(d.push(byte_id(' ')), " ");
  EXPECT_EQ(d.push(byte_id(0xF0)), "");
  EXPECT_EQ(d.push(byte_id(0x9F)), "");
  EXPECT_EQ(d.push(byte_id(0xA6)), "");
  EXPECT_EQ(d.push(byte_id(0x99)), "\xF0\x9F\xA6\x99");  // U+1F999 in one piece
  EXPECT_EQ(d.push(407), " upon");
  EXPECT_EQ(d.flush(), "");
}

TEST(TokenizerStream, InvalidAndUnfinishedBytesBecomeReplacementCharacters) {
  PG_REQUIRE_SHARED();
  auto tok = load("testdata/gguf/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  StreamDecoder d(*tok);
  EXPECT_EQ(d.push(byte_id('a')), "a");
  EXPECT_EQ(d.push(byte_id(0xFF)), "\xEF\xBF\xBD");  // can never start a character
  EXPECT_EQ(d.push(byte_id(0xE4)), "");
  EXPECT_EQ(d.push(byte_id(0x41)), "\xEF\xBF\xBD" "A");  // E4 cut short by 'A'
  EXPECT_EQ(d.push(byte_id(0xC3)), "");
  EXPECT_EQ(d.flush(), "\xEF\xBF\xBD");  // the stream ended mid-character
  EXPECT_EQ(d.flush(), "");
}

TEST(TokenizerStream, StreamsWhatDecodeGives) {
  PG_REQUIRE_SHARED();
  auto tok = load("testdata/gguf/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = "Once upon a time, there was a little girl named Lily. \xC3\xA9\xE2\x9C\x85!";
  const std::vector<TokenId> ids = tok->encode(text, true, false);
  StreamDecoder d(*tok);
  std::string streamed;
  for (TokenId id : ids) streamed += d.push(id);
  streamed += d.flush();
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(tok->decode(ids), text);
}

TEST(TokenizerStream, ContinuationKeepsTheLeadingSpace) {
  PG_REQUIRE_SHARED();
  auto tok = load("testdata/gguf/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  StreamDecoder start(*tok);
  EXPECT_EQ(start.push(378), "time");  // "▁time" beginning the text
  StreamDecoder continuation(*tok, /*at_text_start=*/false);
  EXPECT_EQ(continuation.push(378), " time");  // after "Once upon a"
  EXPECT_EQ(continuation.push(432), ",");
}

}  // namespace
}  // namespace pg
