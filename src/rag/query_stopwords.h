// English words that carry no topic in a question typed to a document search
// ("What is the magic element used for in ...": what, is, the, used, for,
// in, ...), so that keyword retrieval ranks by the content words. Applied to
// queries only, never to stored text: the index keeps every word. The list is
// ours, written for questions (function words, question words, auxiliaries,
// pronouns and a few generic verbs like "use"); it never holds a word that is
// commonly a topic in technical text (no "find", "list", "show", "mean").
// Pure functions, no state.
#pragma once

#include <string_view>

namespace pg::rag {

// True for a word of the English query stop list. `word` is lower case ASCII,
// as fts_terms.h's unicode61_tokens gives it (before stemming).
bool is_english_query_stopword(std::string_view word);

// The list itself, sorted (for its test).
const std::string_view* english_query_stopwords_begin();
const std::string_view* english_query_stopwords_end();

}  // namespace pg::rag
