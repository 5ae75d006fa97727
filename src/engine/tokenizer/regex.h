// A small backtracking regex engine over Unicode code points, for the
// pre-tokenizer patterns of byte-level BPE vocabularies. It supports exactly
// what those patterns use: alternation, groups ((...), (?:...), (?i:...)),
// lookahead ((?=...), (?!...)), atomic groups ((?>...)), character classes with
// ranges, negation, \p{..}/\P{..}, \s \S \d \D \w \W and escapes, the
// quantifiers ? * + {m} {m,} {m,n} (greedy, lazy with ?, possessive with +),
// '.', anchors ^ $ \A \z \b \B. Alternation is ordered (first alternative that
// leads to a match wins), as in ECMAScript, Perl and Python.
//
// Character classes can follow llama.cpp's semantics (ClassMode::LlamaCpp, the
// default), which is what makes tokenization match llama.cpp id for id:
// llama.cpp runs std::regex on a "collapsed" text where every non-ASCII code
// point becomes one byte standing for its coarse category. Consequences this
// mode reproduces: a non-ASCII whitespace character behaves as '\v' (it is \s
// and nothing else); \p{Lu}/\p{Ll}/\p{Lt}/\p{Lm}/\p{Lo} mean any letter
// (ASCII: [A-Za-z]); ASCII \p{S} is [$+<=>^`|] (no '~'); \d and \w are ASCII.
// ClassMode::Unicode gives the textbook meanings instead.
//
// Never throws; a bad pattern is an Error from compile(). Matching never
// recurses deeper than the pattern's lookaround nesting and stops after a
// fixed step budget (reported as "no match"), so no input can hang it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace pg::regex {

enum class ClassMode { LlamaCpp, Unicode };

struct Options {
  ClassMode mode = ClassMode::LlamaCpp;
};

// Code points plus the per-code-point facts matching needs, computed once per
// text and shared by every pattern run over it.
class Subject {
 public:
  explicit Subject(std::vector<uint32_t> cps);
  size_t size() const { return cps_.size(); }
  const std::vector<uint32_t>& cps() const { return cps_; }
  uint32_t cp(size_t i) const { return cps_[i]; }
  uint8_t category(size_t i) const { return cats_[i]; }   // unicode::GeneralCategory
  bool whitespace(size_t i) const { return ws_[i] != 0; }

 private:
  std::vector<uint32_t> cps_;
  std::vector<uint8_t> cats_;
  std::vector<uint8_t> ws_;
};

// A window [begin, end) of a Subject that a match may not look outside of.
struct Window {
  const Subject* subject = nullptr;
  size_t begin = 0, end = 0;
};

struct Span {
  size_t begin = 0, end = 0;  // absolute positions in the Subject
};

class Regex {
 public:
  static Result<Regex> compile(std::string_view pattern, Options options = {});

  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  const std::string& pattern() const;

  // Match starting exactly at `pos` (absolute, inside the window). With
  // not_empty, an empty match does not count. Returns the end position.
  std::optional<size_t> match_at(const Window& w, size_t pos, bool not_empty = false) const;

  // Leftmost match at or after `from`.
  std::optional<Span> search(const Window& w, size_t from) const;

  // Splits the window as llama.cpp's std::regex_iterator loop does: every
  // match, and every non-empty stretch between matches, becomes one piece;
  // pieces' lengths (in code points, possibly 0 for empty matches) are
  // appended to `lengths`.
  void split(const Window& w, std::vector<size_t>& lengths) const;

  struct Program;

 private:
  explicit Regex(std::unique_ptr<Program> p);
  std::unique_ptr<Program> program_;
};

}  // namespace pg::regex
