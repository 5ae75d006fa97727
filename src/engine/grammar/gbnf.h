// GBNF grammars as llama.cpp writes them, parsed into plain rules: each rule
// is a list of alternatives, each alternative a sequence of elements that
// match one code point (a set of ranges, possibly negated) or a whole rule.
// Groups and repetitions (`( )`, `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`) are
// rewritten into generated rules, so later stages see only these two kinds.
// The parser treats the text as hostile: every error names the line and
// column, and sizes are bounded. It never matches text (see the recognizer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace pg::grammar {

struct CodeRange {
  uint32_t lo = 0, hi = 0;  // inclusive
};

struct Element {
  enum class Kind { Chars, Rule };
  Kind kind = Kind::Chars;
  // Chars: one code point in (or, negated, outside) any of the ranges.
  std::vector<CodeRange> ranges;
  bool negated = false;
  uint32_t rule = 0;  // Rule: index into Grammar::rules
};

using Sequence = std::vector<Element>;  // empty: matches the empty string

struct Rule {
  std::string name;  // as written, or "<parent>_<n>" for generated rules
  std::vector<Sequence> alternatives;
};

struct Grammar {
  std::vector<Rule> rules;
  uint32_t root = 0;
};

// Limits on what a grammar may make the parser build.
inline constexpr size_t kMaxGrammarBytes = 1 << 20;
inline constexpr size_t kMaxRules = 1 << 16;
inline constexpr int kMaxNesting = 128;
inline constexpr uint32_t kMaxRepetition = 10000;  // the largest m or n of {m,n}

// Parses GBNF text; the start rule is `root`. invalid_argument naming the
// line and column for syntax errors, undefined rules, a missing root,
// invalid UTF-8 or escapes, and anything past the limits above.
Result<Grammar> parse_gbnf(std::string_view text);

// Whether the grammar matches all of `text` (UTF-8) from its root. A plain
// backtracking reference (memoized by rule and position), for tests and for
// checking the fast engine against; not for generation.
bool grammar_accepts(const Grammar& g, std::string_view text);

}  // namespace pg::grammar
