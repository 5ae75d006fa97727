// Token masking: which tokens a grammar allows, for pieces that cover several
// symbols, end inside a UTF-8 character, carry SentencePiece's leading space,
// or have no text; end-of-generation only at a complete sentence; the budget
// that keeps every reply completable. On the Llama-3 vocabulary (128k
// byte-level BPE tokens) the exact check agrees, token for token, with the
// code-point matcher fed each complete piece (the scalar reference), and the
// quick check over the whole vocabulary (two bytes, memoised per step) gives
// the same ids as asking may_allow of each token (the reference loop).
#include <gtest/gtest.h>

#include <limits>
#include <memory>

#include "engine/gguf/gguf.h"
#include "engine/grammar/gbnf.h"
#include "engine/grammar/token_constraint.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/utf8.h"
#include "test_paths.h"

namespace pg::grammar {
namespace {

std::shared_ptr<const Grammar> grammar_of(const std::string& gbnf) {
  auto g = parse_gbnf(gbnf);
  EXPECT_TRUE(g) << g.error();
  return std::make_shared<const Grammar>(std::move(*g));
}

// Token ids are indices into this list; 0 is the end of generation.
const std::vector<std::string> kPieces = {"",   "{",   "}",    "\"", "a",  "ab",  "\"a", "{\"", "\xE6",
                                          "\x97", "\xA5", "日", "x}", " {", "ab}", "}}",  " ",   "\xE7"};
enum Id { kEnd, kOpen, kClose, kQuote, kA, kAb, kQuoteA, kOpenQuote, kE6, k97, kA5, kNichi, kXClose, kSpaceOpen,
          kAbClose, kCloseClose, kSpace, kE7 };

TokenConstraint make(const std::string& gbnf, bool strip_first_space = false) {
  auto c = TokenConstraint::create(grammar_of(gbnf), kPieces, {kEnd}, strip_first_space);
  EXPECT_TRUE(c) << c.error();
  return std::move(*c);
}

std::vector<int32_t> allowed(TokenConstraint& c, int64_t tokens_left = 1000) {
  c.begin_step(tokens_left);
  std::vector<int32_t> out;
  for (int32_t id = 0; id < static_cast<int32_t>(kPieces.size()); ++id) {
    const bool exact = c.allows(id);
    if (exact) {
      EXPECT_TRUE(c.may_allow(id)) << "the quick check refused an allowed token " << id;
    }
    if (exact) out.push_back(id);
  }
  return out;
}

TEST(TokenConstraint, PiecesCoveringSeveralSymbols) {
  auto c = make(R"(root ::= "{" [a-z]* "}")");
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kOpen}));
  ASSERT_TRUE(c.accept_token(kOpen));
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kClose, kA, kAb, kXClose, kAbClose}));
  ASSERT_TRUE(c.accept_token(kAb));
  EXPECT_FALSE(c.accept_token(kQuote));  // refused, state unchanged
  ASSERT_TRUE(c.accept_token(kXClose));
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kEnd}));
}

TEST(TokenConstraint, EndOfGenerationOnlyWhenComplete) {
  auto c = make(R"(root ::= "a" "b"?)");
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kA, kAb}));
  ASSERT_TRUE(c.accept_token(kA));
  EXPECT_TRUE(c.can_end());
  EXPECT_FALSE(c.finished());
  c.begin_step(10);
  EXPECT_TRUE(c.allows(kEnd));
}

TEST(TokenConstraint, TokensEndingInsideACharacter) {
  auto c = make(R"(root ::= "日" "}")");
  // 日 is E6 97 A5: the byte tokens may spell it one at a time.
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kE6, kNichi}));
  ASSERT_TRUE(c.accept_token(kE6));
  EXPECT_FALSE(c.can_end());
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{k97}));
  // Inside the character the quick check already knows which continuation byte fits.
  EXPECT_FALSE(c.may_allow(kA5));
  EXPECT_FALSE(c.may_allow(kA));
  EXPECT_TRUE(c.may_allow(k97));
  ASSERT_TRUE(c.accept_token(k97));
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kA5}));
  ASSERT_TRUE(c.accept_token(kA5));
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kClose}));
}

TEST(TokenConstraint, PartialCharacterMustHaveAFittingCompletion) {
  // E7 starts U+7000..U+7FFF; a class that excludes all of it refuses E7 but keeps E6.
  auto c = make(R"(root ::= [^\u7000-\u7FFF] )");
  const auto ids = allowed(c);
  EXPECT_NE(std::find(ids.begin(), ids.end(), kE6), ids.end());
  EXPECT_EQ(std::find(ids.begin(), ids.end(), kE7), ids.end());
}

TEST(TokenConstraint, FirstPieceLosesSentencePieceSpace) {
  auto c = make(R"(root ::= "{" "}")", true);
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kOpen, kSpaceOpen}));
  ASSERT_TRUE(c.accept_token(kSpaceOpen));
  EXPECT_EQ(allowed(c), (std::vector<int32_t>{kClose}));
}

TEST(TokenConstraint, BudgetKeepsTheReplyCompletable) {
  auto c = make(R"(root ::= "{" [a-z]* "}")");
  ASSERT_TRUE(c.accept_token(kOpen));
  // Two tokens left: a letter, then "}" still fits; one left: only what closes.
  EXPECT_EQ(allowed(c, 2), (std::vector<int32_t>{kClose, kA, kAb, kXClose, kAbClose}));
  EXPECT_EQ(allowed(c, 1), (std::vector<int32_t>{kClose, kXClose, kAbClose}));
}

TEST(TokenConstraint, QuickCheckLooksAtTheSecondByte) {
  auto c = make(R"(root ::= "{" ws "\"" [a-z]* "\"" ws "}"
ws ::= | " ")");
  ASSERT_TRUE(c.accept_token(kOpen));
  c.begin_step(100);
  // " {" starts with a space that fits, but "{" cannot follow it.
  EXPECT_FALSE(c.may_allow(kSpaceOpen));
  EXPECT_TRUE(c.may_allow(kSpace));
  EXPECT_TRUE(c.may_allow(kQuoteA));
  EXPECT_FALSE(c.may_allow(kOpenQuote));
  // The step's memo goes with the state: after '"' a letter fits, a space no longer.
  ASSERT_TRUE(c.accept_token(kQuote));
  c.begin_step(100);
  EXPECT_TRUE(c.may_allow(kAb));
  EXPECT_FALSE(c.may_allow(kSpace));
  ASSERT_TRUE(c.accept_token(kAb));
  ASSERT_TRUE(c.accept_token(kQuote));
  c.begin_step(100);
  EXPECT_FALSE(c.may_allow(kA));
  EXPECT_TRUE(c.may_allow(kSpace));
  EXPECT_TRUE(c.may_allow(kClose));
  EXPECT_FALSE(c.may_allow(kSpaceOpen));  // a space fits, "{" after it does not
}

TEST(TokenConstraint, TokensWithoutTextAreNeverAllowed) {
  std::vector<std::string> pieces = {"", "", "a"};
  auto c = TokenConstraint::create(grammar_of(R"(root ::= "a"*)"), pieces, {0}, false);
  ASSERT_TRUE(c) << c.error();
  c->begin_step(5);
  EXPECT_TRUE(c->allows(0));   // the end: the empty text is complete
  EXPECT_FALSE(c->allows(1));  // a control token with no text
  EXPECT_TRUE(c->allows(2));
}

TEST(TokenConstraint, Llama3VocabularyAgreesWithTheCodePointMatcher) {
  PG_REQUIRE_SHARED();
  auto file = gguf::GgufFile::open(test::shared_path("testdata/vocab/llama3-bpe.gguf"));
  ASSERT_TRUE(file) << file.error();
  auto tok = Tokenizer::from_gguf(**file);
  ASSERT_TRUE(tok) << tok.error();
  const auto& pieces = (*tok)->pieces(false);
  ASSERT_GT(pieces.size(), 128000u);
  const auto g = grammar_of(R"(root ::= "{" ws "\"name\"" ws ":" ws str ws "}"
str ::= "\"" ([^"\\] | "\\" ["\\n])* "\""
ws ::= | " ")");
  auto c = TokenConstraint::create(g, pieces, (*tok)->end_of_generation_ids(), false);
  ASSERT_TRUE(c) << c.error();
  auto reference = GrammarMatcher::create(*g);
  ASSERT_TRUE(reference);
  const std::string text = "{\"name\": \"Zoë 日本\"}";
  const std::vector<TokenId> ids = (*tok)->encode(text, false, false);
  ASSERT_GT(ids.size(), 4u);
  size_t partial_pieces = 0;
  const std::vector<float> logits(pieces.size(), 0.0f);
  std::vector<int32_t> quick(pieces.size()), reference_quick(pieces.size());
  for (TokenId step : ids) {
    c->begin_step(1 << 20);
    const size_t n_quick = c->may_allow_all(logits, quick.data());
    const size_t n_reference = c->TokenFilter::may_allow_all(logits, reference_quick.data());
    ASSERT_EQ(std::vector<int32_t>(quick.begin(), quick.begin() + static_cast<long>(n_quick)),
              std::vector<int32_t>(reference_quick.begin(), reference_quick.begin() + static_cast<long>(n_reference)));
    for (size_t id = 0; id < pieces.size(); ++id) {
      const std::string& piece = pieces[id];
      if (piece.empty()) continue;
      bool whole = true;
      for (size_t i = 0; i < piece.size() && whole;) {
        const int n = utf8::strict_sequence(std::string_view(piece).substr(i));
        if (n <= 0) whole = false; else i += static_cast<size_t>(n);
      }
      if (!whole) {
        ++partial_pieces;
        continue;
      }
      GrammarMatcher copy = *reference;
      const bool expected = copy.accept_text(piece);
      ASSERT_EQ(c->allows(static_cast<int32_t>(id)), expected) << "token " << id << " '" << piece << "'";
      if (expected) {
        ASSERT_TRUE(c->may_allow(static_cast<int32_t>(id)));
      }
    }
    ASSERT_TRUE(c->accept_token(step)) << "token " << step;
    ASSERT_TRUE(reference->accept_text(pieces[static_cast<size_t>(step)]));
  }
  EXPECT_TRUE(c->can_end());
  EXPECT_GT(partial_pieces, 0u);
}

TEST(TokenConstraint, Llama3QuickCheckIsSoundAndSelective) {
  PG_REQUIRE_SHARED();
  auto file = gguf::GgufFile::open(test::shared_path("testdata/vocab/llama3-bpe.gguf"));
  ASSERT_TRUE(file) << file.error();
  auto tok = Tokenizer::from_gguf(**file);
  ASSERT_TRUE(tok) << tok.error();
  const auto& pieces = (*tok)->pieces(false);
  // JSON-like, with bounded strings and optional whitespace, as schemas give.
  const auto g = grammar_of(R"(root ::= "{" ws "\"notes\"" ws ":" ws "[" ws (str ("," ws str)*)? "]" ws "}"
str ::= "\"" [^"\\]{0,6} "\"" ws
ws ::= | " " | "\n" [ \t]{0,4})");
  auto c = TokenConstraint::create(g, pieces, (*tok)->end_of_generation_ids(), false);
  ASSERT_TRUE(c) << c.error();
  std::vector<float> logits(pieces.size(), 0.0f);
  logits[17] = -std::numeric_limits<float>::infinity();  // never listed
  std::vector<int32_t> quick(pieces.size()), reference(pieces.size());
  const std::string text = "{ \"notes\": [\"日本 ok\", \"x\"] }";
  const std::vector<TokenId> ids = (*tok)->encode(text, false, false);
  size_t after_space = 0;
  for (size_t k = 0; k <= ids.size(); ++k) {
    c->begin_step(1 << 20);
    const size_t n = c->may_allow_all(logits, quick.data());
    const size_t n_ref = c->TokenFilter::may_allow_all(logits, reference.data());
    ASSERT_EQ(std::vector<int32_t>(quick.begin(), quick.begin() + static_cast<long>(n)),
              std::vector<int32_t>(reference.begin(), reference.begin() + static_cast<long>(n_ref)))
        << "step " << k;
    size_t exact = 0;
    for (size_t id = 0; id < pieces.size(); ++id) {
      if (!c->allows(static_cast<int32_t>(id))) continue;
      ++exact;
      ASSERT_TRUE(id == 17 || c->may_allow(static_cast<int32_t>(id))) << "step " << k << " token " << id;
    }
    ASSERT_GE(n + 1, exact);
    if (k == 1) after_space = n;  // after "{": whitespace, then only a quote
    if (k < ids.size()) {
      ASSERT_TRUE(c->accept_token(ids[k])) << "token " << ids[k];
    }
  }
  // Tens of thousands of pieces start with a space; the second byte keeps only a few.
  EXPECT_GT(after_space, 0u);
  EXPECT_LT(after_space, pieces.size() / 20) << after_space << " of " << pieces.size();
  EXPECT_TRUE(c->can_end());
}

}  // namespace
}  // namespace pg::grammar
