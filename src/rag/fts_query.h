// Turns what a user typed into a safe FTS5 MATCH expression: the words of the
// text, each as a double-quoted string (so FTS5 operators, column filters,
// NEAR, *, ^, - and quotes typed by the user are just text), joined by OR.
// Never passes user text to MATCH as syntax; a text with no word gives "" (the
// caller returns no hits rather than an error).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pg::rag {

// The words of a query as build_fts_query quotes them: lower-cased (ASCII),
// without repeats, at most max_terms of at most 64 bytes, well-formed UTF-8.
std::vector<std::string> query_words(std::string_view text, size_t max_terms = 64);

// Words are runs of ASCII letters/digits and of non-ASCII bytes (UTF-8
// letters; FTS5's tokenizer splits any punctuation inside them itself).
// Duplicates (ASCII case-insensitively) are dropped; at most max_terms words
// are kept, each at most 64 bytes (a longer run is cut at a UTF-8 boundary);
// bytes that are not well-formed UTF-8 are dropped.
std::string build_fts_query(std::string_view text, size_t max_terms = 64);

}  // namespace pg::rag
