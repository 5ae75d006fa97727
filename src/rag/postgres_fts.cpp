// Literals for PostgreSQL's FTS5-alike search; see postgres_fts.h.
#include "rag/postgres_fts.h"

#include <algorithm>
#include <map>

#include "rag/fts_query.h"
#include "rag/fts_terms.h"

namespace pg::rag {
namespace {

constexpr size_t kMaxLexemeBytes = 2046;        // PostgreSQL's MAXSTRLEN
constexpr size_t kMaxVectorBytes = 1000 * 1000;  // under its 1 MB (MAXSTRPOS)
constexpr int kMaxPositions = 256;               // its MAXNUMPOS

// A lexeme inside single quotes, as tsvector and tsquery input read it.
void append_quoted_lexeme(std::string& out, std::string_view lexeme) {
  out += '\'';
  for (char c : lexeme) {
    if (c == '\'') out += '\'';
    if (c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

SearchTerms postgres_search_terms(std::string_view text) {
  SearchTerms out;
  std::map<std::string, int> counts;
  for (std::string& term : fts_terms(text)) {
    ++out.length;
    if (term.size() <= kMaxLexemeBytes) ++counts[std::move(term)];
  }
  size_t lexeme_bytes = 0;
  for (const auto& [term, count] : counts) {
    lexeme_bytes += term.size();
    if (lexeme_bytes > kMaxVectorBytes) break;
    if (!out.tsvector.empty()) out.tsvector += ' ';
    append_quoted_lexeme(out.tsvector, term);
    // Positions 1..n stand for the n occurrences: BM25 needs their number only.
    const int n = std::min(count, kMaxPositions);
    for (int p = 1; p <= n; ++p) {
      out.tsvector += p == 1 ? ':' : ',';
      out.tsvector += std::to_string(p);
    }
  }
  return out;
}

std::vector<std::string> postgres_terms_of(const std::vector<std::string>& words) {
  std::vector<std::string> terms;
  for (const std::string& word : words) terms.push_back(porter_stem(word));
  return terms;
}

std::vector<std::string> postgres_query_terms(std::string_view text) { return postgres_terms_of(query_words(text)); }

std::string tsquery_any(const std::vector<std::string>& terms) {
  std::string out;
  for (const std::string& t : terms) {
    if (!out.empty()) out += " | ";
    append_quoted_lexeme(out, t);
  }
  return out;
}

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace pg::rag
