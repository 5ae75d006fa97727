// Turns what a user typed into a safe full-text query: the words of the text,
// as FTS5's tokenizer finds them (fts_terms.h: letters and digits, lower-cased,
// accents of Latin letters removed), each a double-quoted FTS5 string joined by
// OR, so FTS5 operators, column filters, NEAR, *, ^, -, quotes and any
// punctuation typed by the user are just separators. Never passes user text
// to MATCH as syntax; a text with no word gives "" (the caller returns no hits
// rather than an error). PostgreSQL's search uses the same words
// (postgres_fts.h), so both engines see one query. Searches use the content
// words of a question (content_words: the English query stop list of
// query_stopwords.h applied), so that "what", "is", "the" do not drown them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pg::rag {

// The distinct words of a query in text order, at most max_terms; words over
// 256 bytes (no real word; they could only match the same run of letters) are
// left out.
std::vector<std::string> query_words(std::string_view text, size_t max_terms = 64);

// "w1" OR "w2" ... for FTS5's MATCH (a word holds no quote: only letters and digits).
std::string build_fts_query(std::string_view text, size_t max_terms = 64);

// query_words without the English query stop words; all of query_words when
// nothing else is left ("what is it" still searches for its words).
std::vector<std::string> content_words(std::string_view text, size_t max_terms = 64);

// "w1" OR "w2" ... of words from query_words or content_words.
std::string fts_query_of(const std::vector<std::string>& words);

}  // namespace pg::rag
