// Incremental matching of text against a parsed grammar, one code point at a
// time: the state is the set of parse stacks (positions in rules still open),
// as llama.cpp's grammar sampler keeps it. accept() advances every stack the
// code point fits and drops the others; can_end() says whether the text so
// far is a whole sentence of the grammar. The token-masking sampler builds on
// this. Left-recursive grammars are refused (matching them would not end).
// Keeps at most kMaxStacks stacks.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/grammar/gbnf.h"
#include "util/result.h"

namespace pg::grammar {

class GrammarMatcher {
 public:
  // Limits: alternative parse stacks at once (past it, a code point is
  // refused as if it did not fit: the grammar is too ambiguous there), and
  // rules entered in a row before a character (deeper grammars are refused).
  static constexpr size_t kMaxStacks = 1 << 14;
  static constexpr size_t kMaxRuleChain = 1000;

  // invalid_argument naming the rule when the grammar is left-recursive, or
  // when its rules chain deeper than kMaxRuleChain. `grammar` must outlive
  // the matcher.
  static Result<GrammarMatcher> create(const Grammar& grammar);

  // Advances by one code point; false (state unchanged) when no stack takes it.
  bool accept(uint32_t code_point);
  // Advances by a UTF-8 text, all or nothing; false when any of it does not fit
  // or the text is not valid UTF-8 (partial characters must not be passed).
  bool accept_text(std::string_view utf8);
  // Some code point in [lo, hi] could come next (a partial UTF-8 character's
  // possible completions, for token checks).
  bool accepts_any_in(uint32_t lo, uint32_t hi) const;
  // Whether `cp` could come next, without advancing.
  bool accepts_next(uint32_t cp) const;
  // The fewest code points that complete a sentence from here (0 when
  // can_end()); kUnreachable when no completion exists.
  static constexpr uint32_t kUnreachable = 1u << 30;
  uint32_t min_remaining() const;
  // The text so far is a complete sentence of the grammar.
  bool can_end() const;
  // No code point can follow (the grammar is finished, or nothing fits).
  bool finished() const;
  // The same parse state as `other` (of the same grammar): both take the
  // same text from here.
  bool same_state(const GrammarMatcher& other) const { return g_ == other.g_ && stacks_ == other.stacks_; }
  // Back to the start of the root rule (false only when the start is too
  // ambiguous, which create() already refuses).
  bool reset();

 private:
  struct Pos {
    uint32_t rule = 0, alt = 0, idx = 0;
    bool operator==(const Pos&) const = default;
    bool operator<(const Pos& o) const {
      return rule != o.rule ? rule < o.rule : alt != o.alt ? alt < o.alt : idx < o.idx;
    }
  };
  using Stack = std::vector<Pos>;

  // Fewest code points each rule's alternatives match from each position:
  // suffix[rule][alt][idx] (idx up to the sequence's length, which is 0).
  struct MinLengths {
    std::vector<std::vector<std::vector<uint32_t>>> suffix;
  };

  explicit GrammarMatcher(const Grammar& g) : g_(&g) {}
  bool expand(Stack start, std::vector<Stack>& out) const;
  void normalize(std::vector<Stack>& stacks) const;

  const Grammar* g_;
  std::shared_ptr<const MinLengths> min_lengths_;
  std::vector<Stack> stacks_;  // each ends at a Chars element, or is empty (the root is complete)
};

}  // namespace pg::grammar
