// The index terms of a text exactly as SQLite's FTS5 tokenizer
// `porter unicode61 remove_diacritics 2` (migration 2's chunks_fts) makes them,
// computed here so a PostgreSQL database can hold the same terms and rank with
// the same BM25 as SQLite (see postgres_fts.h). Checked against SQLite itself
// (tests/rag/fts_terms_test.cpp). Pure functions; never fails, never throws:
// bytes that are not UTF-8 are separators.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pg::rag {

// unicode61 with remove_diacritics 2: tokens are runs of letters (L*), numbers
// (N*) and private-use characters (Co); inside a token, the combining accents
// SQLite counts as diacritics are dropped. Each character is lower-cased and, when
// its canonical decomposition starts with an ASCII letter, replaced by that
// letter ("É" -> "e"). Tokens come in text order, repeats included.
std::vector<std::string> unicode61_tokens(std::string_view text);

// FTS5's Porter stemmer: tokens shorter than 3 or longer than 64 bytes pass
// through unchanged; otherwise the five steps of Porter's algorithm as FTS5
// implements them (with its "logi" -> "log" and "bli" -> "ble" rules).
std::string porter_stem(std::string_view token);

// unicode61_tokens, each stemmed: what FTS5 indexes for `text` (its size is
// FTS5's document length in BM25).
std::vector<std::string> fts_terms(std::string_view text);

}  // namespace pg::rag
