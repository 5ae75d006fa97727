// Safe FTS5 MATCH expressions from user text; see fts_query.h.
#include "rag/fts_query.h"

#include <set>

namespace pg::rag {
namespace {

constexpr size_t kMaxTermBytes = 64;

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

// Cuts to at most kMaxTermBytes without splitting a UTF-8 sequence.
std::string_view cut_term(std::string_view w) {
  if (w.size() <= kMaxTermBytes) return w;
  size_t n = kMaxTermBytes;
  while (n > 0 && (static_cast<unsigned char>(w[n]) & 0xC0) == 0x80) --n;
  return w.substr(0, n);
}

// The bytes of w that form well-formed UTF-8 sequences (the others dropped):
// PostgreSQL refuses a query that is not UTF-8, and a stray byte matches nothing.
std::string well_formed_utf8(std::string_view w) {
  std::string out;
  size_t i = 0;
  while (i < w.size()) {
    const auto c = static_cast<unsigned char>(w[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= w.size() && !(c == 0xC0 || c == 0xC1 || c > 0xF4);
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(w[i + k]) & 0xC0) == 0x80;
    if (ok && n == 3) {  // no overlong forms, no surrogates
      const auto c1 = static_cast<unsigned char>(w[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    } else if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(w[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) out.append(w.substr(i, n));
    i += ok ? n : 1;
  }
  return out;
}

std::string ascii_lower(std::string_view w) {
  std::string s(w);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

std::vector<std::string> query_words(std::string_view text, size_t max_terms) {
  std::vector<std::string> words;
  std::set<std::string> seen;
  size_t i = 0;
  while (i < text.size() && words.size() < max_terms) {
    while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) break;
    std::string term = ascii_lower(well_formed_utf8(cut_term(text.substr(start, i - start))));
    if (term.empty() || !seen.insert(term).second) continue;
    words.push_back(std::move(term));
  }
  return words;
}

std::string build_fts_query(std::string_view text, size_t max_terms) {
  std::string query;
  for (const std::string& word : query_words(text, max_terms)) {
    if (!query.empty()) query += " OR ";
    // The word holds no '"' (only word bytes), so quoting needs no escaping.
    query += '"' + word + '"';
  }
  return query;
}

}  // namespace pg::rag
