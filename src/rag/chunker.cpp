// The chunker (see chunker.h): the document text is cut into sections
// (Markdown headings; otherwise one section), each section into words with the
// strength of the boundary before each word (chunk_words.h), and the words are
// packed greedily. A full chunk ends at the strongest boundary in its second
// half; the next chunk starts, for the overlap, at the strongest boundary
// within the last `overlap` units. Words are read lazily and dropped once
// packed, so memory stays at about one chunk's words whatever the document.
#include "rag/chunker.h"

#include <algorithm>

#include "rag/chunk_words.h"
#include "rag/markdown.h"
#include "rag/utf8.h"

namespace pg::rag {
namespace {

struct Section {
  size_t begin = 0, end = 0;
  std::string heading_path;
};

bool only_whitespace(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Markdown: one section per heading, from the heading line to the next
// heading. A heading directly followed by a deeper one ("# Top" then
// "## Part") joins the deeper one's section, so no chunk is a bare heading.
std::vector<Section> markdown_sections(std::string_view text) {
  const std::vector<MarkdownHeading> headings = markdown_headings(text);
  std::vector<Section> sections;
  if (headings.empty()) return {{0, text.size(), ""}};
  if (!only_whitespace(text.substr(0, headings[0].begin))) sections.push_back({0, headings[0].begin, ""});
  std::vector<const MarkdownHeading*> open;  // the heading path, outermost first
  size_t pending_begin = std::string_view::npos;
  for (size_t k = 0; k < headings.size(); ++k) {
    const MarkdownHeading& h = headings[k];
    const size_t next_begin = k + 1 < headings.size() ? headings[k + 1].begin : text.size();
    while (!open.empty() && open.back()->level >= h.level) open.pop_back();
    open.push_back(&h);
    const size_t begin = pending_begin == std::string_view::npos ? h.begin : pending_begin;
    const bool bare = only_whitespace(text.substr(h.end, next_begin - h.end));
    if (bare && k + 1 < headings.size() && headings[k + 1].level > h.level) {
      pending_begin = begin;
      continue;
    }
    pending_begin = std::string_view::npos;
    std::string path;
    for (const MarkdownHeading* o : open) {
      if (o->text.empty()) continue;
      if (!path.empty()) path += " > ";
      path += o->text;
    }
    sections.push_back({begin, next_begin, std::move(path)});
  }
  return sections;
}

// Packs the words of one section into chunks.
class SectionPacker {
 public:
  SectionPacker(std::string_view text, const Measure& measure, uint64_t size, uint64_t overlap)
      : text_(text), measure_(measure), size_(size), overlap_(overlap) {}

  // Calls emit(char_start, char_end, token_count_or_-1) for each chunk of [begin, end).
  template <typename Emit>
  void run(size_t begin, size_t end, Emit&& emit) {
    WordScanner scanner(text_, begin, end);
    scanner_ = &scanner;
    words_.clear();
    cum_size_.assign(1, 0);
    cum_gap_.assign(1, 0);
    base_ = 0;
    size_t s = 0;     // chunk start, an absolute word index
    size_t done = 0;  // words before this one are in a chunk already
    while (ensure(s)) {
      size_t e = s + 1;
      while (ensure(e) && span(s, e + 1) <= size_) ++e;
      const bool full = ensure(e);
      size_t cut = full ? best_cut(s, e) : e;
      int64_t tokens = -1;
      if (!measure_.exact()) cut = recount(s, cut, tokens);
      if (cut <= done) {  // a recount left no room after the overlap: start without it
        s = done;
        continue;
      }
      emit(at(s).begin, at(cut - 1).end, tokens);
      done = cut;
      if (!ensure(cut)) break;
      s = next_start(s, cut);
      forget_before(s);
    }
    scanner_ = nullptr;
  }

 private:
  const Word& at(size_t i) const { return words_[i - base_]; }

  // Reads words until word i exists; false when the section has fewer words.
  bool ensure(size_t i) {
    while (i >= base_ + words_.size()) {
      Word w;
      if (!scanner_->next(w)) return false;
      const size_t prev_end = words_.empty() ? w.begin : words_.back().end;
      const uint64_t gap = measure_.gap(text_.substr(prev_end, w.begin - prev_end));
      const uint64_t size = measure_.word(text_.substr(w.begin, w.end - w.begin));
      if (size <= size_) {
        w.size = size, w.gap = gap;
        push(w);
      } else {
        push_pieces(w, gap);
      }
    }
    return true;
  }

  void push(const Word& w) {
    words_.push_back(w);
    cum_size_.push_back(cum_size_.back() + w.size);
    cum_gap_.push_back(cum_gap_.back() + w.gap);
  }

  // A word longer than a chunk: cut into the longest pieces that fit, at code
  // point boundaries (binary search; a piece is at most 64 bytes per unit, so
  // the search never scans more than that).
  void push_pieces(const Word& w, uint64_t gap) {
    // The first code point boundary at or after m.
    auto align_up = [&](size_t m) {
      while (m < w.end && utf8::is_continuation(static_cast<unsigned char>(text_[m]))) ++m;
      return m;
    };
    auto fits = [&](size_t from, size_t to) { return measure_.word(text_.substr(from, to - from)) <= size_; };
    size_t pos = w.begin;
    bool first = true;
    while (pos < w.end) {
      // Largest m with fits(pos, align_up(m)); one code point always goes in.
      size_t lo = pos + 1, hi = std::min<size_t>(w.end, pos + 64 * size_);
      while (lo < hi) {
        const size_t mid = lo + (hi - lo + 1) / 2;
        if (fits(pos, align_up(mid)))
          lo = mid;
        else
          hi = mid - 1;
      }
      Word piece;
      piece.begin = pos;
      piece.end = align_up(lo);
      piece.before = first ? w.before : Boundary::InsideWord;
      piece.gap = first ? gap : 0;
      piece.size = measure_.word(text_.substr(piece.begin, piece.end - piece.begin));
      push(piece);
      first = false;
      pos = piece.end;
    }
  }

  // Measure of words [a, b) with the gaps between them (b > a).
  uint64_t span(size_t a, size_t b) const {
    return (cum_size_[b - base_] - cum_size_[a - base_]) + (cum_gap_[b - base_] - cum_gap_[a + 1 - base_]);
  }

  // Where to end a full chunk [s, e) whose next word e did not fit: the
  // strongest boundary that leaves the chunk at least half full; the latest of equals.
  size_t best_cut(size_t s, size_t e) const {
    const uint64_t min_fill = size_ / 2;
    size_t best = e;
    Boundary strength = at(e).before;
    for (size_t p = e - 1; p > s; --p) {
      if (span(s, p) < min_fill) break;
      if (at(p).before > strength) best = p, strength = at(p).before;
    }
    return best;
  }

  // With a real tokenizer the sum of word counts is an estimate: count the
  // chunk and, when it is over, find the longest prefix that fits.
  size_t recount(size_t s, size_t cut, int64_t& tokens) const {
    auto count = [&](size_t c) { return measure_.text(text_.substr(at(s).begin, at(c - 1).end - at(s).begin)); };
    uint64_t n = count(cut);
    if (n <= size_) {
      tokens = static_cast<int64_t>(n);
      return cut;
    }
    size_t lo = s + 1, hi = cut - 1;  // count(lo) fits: one word was measured alone
    while (lo < hi) {
      const size_t mid = lo + (hi - lo + 1) / 2;
      if (count(mid) <= size_)
        lo = mid;
      else
        hi = mid - 1;
    }
    tokens = static_cast<int64_t>(count(lo));
    return lo;
  }

  // Start of the chunk after [s, cut): within the last `overlap` units, at the
  // strongest word-or-better boundary (earliest of equals, the longest overlap),
  // leaving room for at least the next word; `cut` when nothing qualifies.
  // With a real tokenizer the candidates are counted, best first.
  size_t next_start(size_t s, size_t cut) const {
    std::vector<size_t> candidates;
    for (size_t q = cut - 1; q > s; --q) {
      if (span(q, cut) > overlap_) break;
      if (at(q).before == Boundary::InsideWord || span(q, cut + 1) > size_) continue;
      candidates.push_back(q);
    }
    // Strongest first; among equals the earliest (candidates are in decreasing q).
    std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
      return at(a).before != at(b).before ? at(a).before > at(b).before : a < b;
    });
    for (size_t q : candidates) {
      if (measure_.exact() || measure_.text(text_.substr(at(q).begin, at(cut - 1).end - at(q).begin)) <= overlap_)
        return q;
    }
    return cut;
  }

  // Drops words before index s once they are many (the cumulative sums are
  // only ever used as differences, so they need no rebasing).
  void forget_before(size_t s) {
    const size_t drop = s - base_;
    if (drop < 4096 || drop * 2 < words_.size()) return;
    words_.erase(words_.begin(), words_.begin() + static_cast<ptrdiff_t>(drop));
    cum_size_.erase(cum_size_.begin(), cum_size_.begin() + static_cast<ptrdiff_t>(drop));
    cum_gap_.erase(cum_gap_.begin(), cum_gap_.begin() + static_cast<ptrdiff_t>(drop));
    base_ = s;
  }

  std::string_view text_;
  const Measure& measure_;
  uint64_t size_, overlap_;
  WordScanner* scanner_ = nullptr;
  std::vector<Word> words_;  // words [base_, base_ + size)
  std::vector<uint64_t> cum_size_, cum_gap_;  // sums over words before each index (one more entry)
  size_t base_ = 0;
};

}  // namespace

Status validate(const ChunkingOptions& options) {
  if (options.size < kMinChunkSize || options.size > kMaxChunkSize)
    return Status::error("chunk size " + std::to_string(options.size) + " is out of range (" +
                         std::to_string(kMinChunkSize) + ".." + std::to_string(kMaxChunkSize) + ")");
  if (options.overlap < 0 || options.overlap * 2 >= options.size)
    return Status::error("chunk overlap " + std::to_string(options.overlap) +
                         " must be at least 0 and less than half the chunk size " + std::to_string(options.size));
  if (options.unit != ChunkUnit::Tokens && options.unit != ChunkUnit::Characters)
    return Status::error("chunk unit " + std::to_string(static_cast<int>(options.unit)) + " is unknown");
  return Status::ok();
}

std::string document_text(const ExtractedDocument& doc) {
  std::string text;
  size_t total = 0;
  for (const DocumentPage& page : doc.pages) total += page.text.size() + 2;
  text.reserve(total);
  for (size_t i = 0; i < doc.pages.size(); ++i) {
    if (i > 0) text += "\n\n";
    text += doc.pages[i].text;
  }
  return text;
}

std::vector<Chunk> chunk_document(const ExtractedDocument& doc, const ChunkingOptions& options,
                                  const TokenCounter& count_tokens) {
  const int size = std::clamp(options.size, kMinChunkSize, kMaxChunkSize);
  const int overlap = std::clamp(options.overlap, 0, (size - 1) / 2);
  const ChunkUnit unit = options.unit == ChunkUnit::Characters ? ChunkUnit::Characters : ChunkUnit::Tokens;
  const std::string text = document_text(doc);
  const Measure measure(unit, count_tokens);

  // Page of a byte offset: the last page starting at or before it.
  std::vector<size_t> page_begin;
  std::vector<int> page_number;
  size_t offset = 0;
  for (const DocumentPage& page : doc.pages) {
    page_begin.push_back(offset);
    page_number.push_back(page.number);
    offset += page.text.size() + 2;
  }
  auto page_of = [&](size_t pos) {
    const auto it = std::upper_bound(page_begin.begin(), page_begin.end(), pos);
    return it == page_begin.begin() ? 1 : page_number[static_cast<size_t>(it - page_begin.begin()) - 1];
  };

  std::vector<Section> sections;
  if (doc.format == DocumentFormat::Markdown)
    sections = markdown_sections(text);
  else
    sections.push_back({0, text.size(), ""});

  std::vector<Chunk> chunks;
  SectionPacker packer(text, measure, static_cast<uint64_t>(size), static_cast<uint64_t>(overlap));
  for (const Section& section : sections) {
    packer.run(section.begin, section.end, [&](size_t begin, size_t end, int64_t tokens) {
      Chunk c;
      c.index = static_cast<int>(chunks.size());
      c.text = text.substr(begin, end - begin);
      c.page_start = page_of(begin);
      c.page_end = page_of(end - 1);
      c.heading_path = section.heading_path;
      c.char_start = static_cast<int64_t>(begin);
      c.char_end = static_cast<int64_t>(end);
      c.token_count = static_cast<int>(tokens >= 0 ? static_cast<size_t>(tokens) : measure.tokens(c.text));
      chunks.push_back(std::move(c));
    });
  }
  return chunks;
}

}  // namespace pg::rag
