// Constrained sampling: a TokenFilter that allows exactly the tokens whose
// text keeps the output inside a grammar, for any vocabulary (SentencePiece
// with byte fallback, byte-level BPE, large vocabularies). A token's piece is
// matched byte by byte, so a token may cover several grammar symbols or end
// inside a UTF-8 character (then some completion of that character must fit).
// End-of-generation tokens are allowed only when the text is a complete
// sentence; tokens without text never. A budget keeps every output
// completable: a token is allowed only if what the grammar still needs fits
// in the tokens left (one code point per token at worst), so a constrained
// reply ends well-formed even when max_tokens cuts it short.
// The quick check (may_allow) looks at a piece's first two bytes: after a
// space in JSON, tens of thousands of pieces start with a space but only a
// few may go on, so the exact check runs on few tokens. The exact check
// (allows) is the reference; the quick one only ever refuses what it refuses.
// Holds only matching state; never samples, never touches logits.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"
#include "engine/sampler/token_filter.h"
#include "util/result.h"

namespace pg::grammar {

class TokenConstraint final : public TokenFilter {
 public:
  // pieces: every token's text (Tokenizer::pieces); end_ids: the
  // end-of-generation tokens; strip_first_space: the first piece loses one
  // leading space (SentencePiece at the start of a text, as StreamDecoder).
  // `pieces` must outlive the constraint. invalid_argument when the grammar
  // cannot be matched (see GrammarMatcher::create).
  static Result<TokenConstraint> create(std::shared_ptr<const Grammar> grammar, const std::vector<std::string>& pieces,
                                        std::vector<int32_t> end_ids, bool strip_first_space);

  // Before each sampling: `tokens_left` (>= 1) tokens may still be generated, this one included.
  void begin_step(int64_t tokens_left);
  bool may_allow(int32_t id) const override;
  bool allows(int32_t id) override;
  // may_allow over the whole vocabulary in one tight loop (same ids as the
  // reference loop in TokenFilter).
  size_t may_allow_all(std::span<const float> logits, int32_t* out) const override;

  // Advances by a sampled token; false (state unchanged) when it does not fit.
  bool accept_token(int32_t id);
  // Advances by text that was already generated (a lazily started grammar
  // catching up; possibly ""), all or nothing. Later pieces keep their
  // leading spaces.
  bool accept_text(std::string_view text);
  // The text so far is complete (no partial character pending).
  bool can_end() const { return partial_.empty() && matcher_.can_end(); }
  // Nothing more can follow: generation should end.
  bool finished() const { return partial_.empty() && matcher_.finished(); }

 private:
  TokenConstraint(std::shared_ptr<const Grammar> g, GrammarMatcher m, const std::vector<std::string>& pieces,
                  std::vector<int32_t> end_ids, bool strip_first_space);
  bool is_end(int32_t id) const;
  std::string_view piece_of(int32_t id) const;
  // The quick check of a piece's start (see key_of in the .cpp), memoised for the step.
  bool key_ok(uint32_t key) const;
  // Whether a piece starting with the ASCII byte `first` then `second` can
  // continue the text.
  bool pair_ok(uint8_t first, uint8_t second) const;
  // The index in rows_ of the state after the ASCII byte `first` (computed
  // once per step), or kNoRow when the byte does not fit.
  int16_t row_after(uint8_t first) const;
  // Drops the step's memos (the state moved on).
  void forget_step_memo();
  // Feeds bytes into (matcher, partial); false when they cannot continue the text.
  static bool feed(GrammarMatcher& m, std::string& partial, std::string_view bytes);

  std::shared_ptr<const Grammar> grammar_;  // the matcher points into it
  GrammarMatcher matcher_;
  const std::vector<std::string>* pieces_;
  std::vector<int32_t> end_ids_;
  bool strip_first_space_;
  std::string partial_;  // bytes of an incomplete UTF-8 character at the end of the text
  // Per step: which first bytes can start an allowed piece, and the budget.
  std::array<bool, 256> first_byte_ok_{};
  int64_t tokens_left_ = 1;
  // Per token, the key of its piece (leading space kept).
  std::vector<uint32_t> keys_;
  // Per step, filled lazily by the quick check (logically const: memos of
  // the current state). The states after each ASCII first byte, each
  // distinct state once (in a JSON string every ordinary character leads to
  // the same one), with which second bytes each lets through;
  // row_of_[first]: index into rows_, kUnknownRow or kNoRow (the byte does
  // not fit); key_state_[key]: 0 not known yet, 1 refused, 2 may continue.
  struct Row {
    GrammarMatcher matcher;
    std::array<uint8_t, 256> next{};  // by second byte: 0 not known yet, 1 refused, 2 may continue
  };
  static constexpr int16_t kUnknownRow = -1, kNoRow = -2;
  mutable std::vector<Row> rows_;
  mutable std::array<int16_t, 128> row_of_{};
  mutable std::vector<uint8_t> key_state_;
  mutable bool memo_used_ = false;
  // Scratch for allows(), reused so checks do not allocate the partial buffer.
  std::string scratch_partial_;
};

}  // namespace pg::grammar
