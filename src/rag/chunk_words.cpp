// Word scanning, boundary strengths and measures for the chunker (see
// chunk_words.h). The scan is one plain pass over bytes: this runs over every
// byte of every document ingested.
#include "rag/chunk_words.h"

#include "rag/utf8.h"

namespace pg::rag {
namespace {

bool is_space(unsigned char b) { return b == ' ' || b == '\n' || b == '\t' || b == '\r'; }

bool is_ascii_alnum(unsigned char b) {
  return static_cast<unsigned>((b | 0x20) - 'a') < 26u || static_cast<unsigned>(b - '0') < 10u;
}

// 。！？ (U+3002, U+FF01, U+FF1F): CJK text has no spaces, so these end a word.
size_t cjk_full_stop_length(std::string_view s, size_t pos) {
  if (s.size() - pos < 3) return 0;
  const auto a = static_cast<unsigned char>(s[pos]), b = static_cast<unsigned char>(s[pos + 1]),
             c = static_cast<unsigned char>(s[pos + 2]);
  if ((a == 0xE3 && b == 0x80 && c == 0x82) || (a == 0xEF && b == 0xBC && (c == 0x81 || c == 0x9F))) return 3;
  return 0;
}

// Does the word end a sentence: . ! ? … or a CJK full stop, maybe followed by
// closing quotes and brackets.
bool ends_sentence(std::string_view w) {
  while (!w.empty()) {
    const char c = w.back();
    if (c == ')' || c == ']' || c == '}' || c == '"' || c == '\'') {
      w.remove_suffix(1);
    } else if (w.ends_with("\u201D") || w.ends_with("\u2019") || w.ends_with("\u00BB")) {
      w.remove_suffix(w.ends_with("\u00BB") ? 2 : 3);
    } else {
      break;
    }
  }
  if (w.empty()) return false;
  const char c = w.back();
  if (c == '.' || c == '!' || c == '?') return true;
  return w.ends_with("\u2026") || w.ends_with("\u3002") || w.ends_with("\uFF01") || w.ends_with("\uFF1F");
}

}  // namespace

bool WordScanner::next(Word& word) {
  size_t newlines = 0;
  while (pos_ < end_ && is_space(static_cast<unsigned char>(text_[pos_]))) {
    newlines += text_[pos_] == '\n';
    ++pos_;
  }
  if (pos_ >= end_) return false;
  const size_t begin = pos_;
  while (pos_ < end_ && !is_space(static_cast<unsigned char>(text_[pos_]))) {
    if (static_cast<unsigned char>(text_[pos_]) >= 0xE3) {
      if (const size_t n = cjk_full_stop_length(text_.substr(0, end_), pos_); n > 0) {
        pos_ += n;
        break;
      }
    }
    ++pos_;
  }
  word = Word{};
  word.begin = begin;
  word.end = pos_;
  if (first_) {
    word.before = Boundary::Paragraph;
  } else if (newlines >= 2) {
    word.before = Boundary::Paragraph;
  } else if (previous_ends_sentence_ && !(text_[begin] >= 'a' && text_[begin] <= 'z')) {
    word.before = Boundary::Sentence;
  } else if (newlines == 1) {
    word.before = Boundary::Line;
  } else {
    word.before = Boundary::Word;
  }
  first_ = false;
  previous_ends_sentence_ = ends_sentence(text_.substr(begin, pos_ - begin));
  return true;
}

size_t estimate_tokens(std::string_view text) {
  size_t tokens = 0;
  size_t run = 0;  // length of the current ASCII letter/digit run
  for (char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (is_ascii_alnum(b)) {
      ++run;
      continue;
    }
    tokens += (run + 3) / 4;
    run = 0;
    if (b >= 0x80) {
      tokens += !utf8::is_continuation(b);  // one per code point
    } else if (!is_space(b)) {
      ++tokens;  // punctuation and symbols are usually tokens of their own
    }
  }
  return tokens + (run + 3) / 4;
}

uint64_t Measure::word(std::string_view w) const {
  if (unit_ == ChunkUnit::Characters) return utf8::count_code_points(w);
  return tokens(w);
}

uint64_t Measure::gap(std::string_view g) const {
  return unit_ == ChunkUnit::Characters ? utf8::count_code_points(g) : 0;
}

uint64_t Measure::text(std::string_view t) const {
  if (unit_ == ChunkUnit::Characters) return utf8::count_code_points(t);
  return tokens(t);
}

}  // namespace pg::rag
