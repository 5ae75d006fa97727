// Full-text search on PostgreSQL that ranks like SQLite's FTS5: each chunk
// stores the FTS5 terms of its text (fts_terms.h) as a tsvector, with its
// length in terms, and the query computes FTS5's BM25 (k1 1.2, b 0.75, IDF
// over the whole chunks table) in SQL. This file builds the literals those
// statements bind; it never builds SQL from user text (terms travel as bound
// parameters, quoted for the tsvector/tsquery/array input syntax).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg::rag {

struct SearchTerms {
  std::string tsvector;  // a tsvector literal: each term with one position per occurrence
  int64_t length = 0;    // number of terms in the text (FTS5's document length)
};

// What a chunk of `text` stores in chunks.search_terms / search_length.
// PostgreSQL keeps at most 256 positions per lexeme, so a term's count stops at
// 256 (BM25's term-frequency part is saturated long before); terms longer than
// 2046 bytes are not indexed (PostgreSQL's limit); the whole vector stays
// under PostgreSQL's 1 MB.
SearchTerms postgres_search_terms(std::string_view text);

// The FTS5 terms of a user's query: the words build_fts_query quotes for
// SQLite (fts_query.h), each stemmed as FTS5 stems it; a word that stems like
// another counts again (FTS5 scores each quoted word).
std::vector<std::string> postgres_query_terms(std::string_view text);
// The same for words already chosen (query_words or content_words of fts_query.h).
std::vector<std::string> postgres_terms_of(const std::vector<std::string>& words);

// 'a' | 'b' | ...: a tsquery literal matching any of the terms.
std::string tsquery_any(const std::vector<std::string>& terms);
// {"a","b",...}: a text[] literal.
std::string text_array_literal(const std::vector<std::string>& items);

}  // namespace pg::rag
