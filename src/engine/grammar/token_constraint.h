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
  // Scratch for allows(), reused so checks do not allocate the partial buffer.
  std::string scratch_partial_;
};

}  // namespace pg::grammar
