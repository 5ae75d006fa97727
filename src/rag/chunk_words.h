// The units the chunker packs: the words of a span of text (runs of
// non-whitespace; a CJK full stop also ends one), each with the strength of the
// boundary before it, and how to measure them in characters or tokens. Internal
// to the chunker; only byte offsets and sizes, no text is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rag/chunker.h"

namespace pg::rag {

// How strongly the text separates a word from the one before it.
enum class Boundary : uint8_t {
  InsideWord = 0,  // a word longer than a chunk, cut at a code point
  Word = 1,        // spaces
  Line = 2,        // a line break
  Sentence = 3,    // after . ! ? (before a word not starting lowercase)
  Paragraph = 4,   // a blank line (also between pages)
};

struct Word {
  size_t begin = 0, end = 0;   // byte offsets into the document text
  Boundary before = Boundary::Paragraph;
  uint64_t size = 0;           // the word's measure
  uint64_t gap = 0;            // measure of the whitespace between the previous word and this one
};

// Scans [begin, end) of `text` word by word.
class WordScanner {
 public:
  WordScanner(std::string_view text, size_t begin, size_t end) : text_(text), pos_(begin), end_(end) {}
  // The next word (size and gap not filled), or false at the end.
  bool next(Word& word);

 private:
  std::string_view text_;
  size_t pos_, end_;
  bool first_ = true;
  bool previous_ends_sentence_ = false;
};

// Measures text in the chunking unit. Characters: code points, whitespace
// included. Tokens: the counter per word, whitespace free; exact() tells
// whether a sum of word and gap measures equals the measure of the whole
// (then chunks need no recount).
class Measure {
 public:
  Measure(ChunkUnit unit, const TokenCounter& counter) : unit_(unit), counter_(counter) {}
  uint64_t word(std::string_view w) const;
  uint64_t gap(std::string_view g) const;
  uint64_t text(std::string_view t) const;
  size_t tokens(std::string_view t) const { return counter_ ? counter_(t) : estimate_tokens(t); }
  bool exact() const { return unit_ == ChunkUnit::Characters || !counter_; }

 private:
  ChunkUnit unit_;
  const TokenCounter& counter_;
};

}  // namespace pg::rag
