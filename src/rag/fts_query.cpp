// Safe full-text queries from user text; see fts_query.h.
#include "rag/fts_query.h"

#include <set>

#include "rag/fts_terms.h"
#include "rag/query_stopwords.h"

namespace pg::rag {
namespace {

constexpr size_t kMaxWordBytes = 256;

}  // namespace

std::vector<std::string> query_words(std::string_view text, size_t max_terms) {
  std::vector<std::string> words;
  std::set<std::string> seen;
  for (std::string& word : unicode61_tokens(text)) {
    if (words.size() >= max_terms) break;
    if (word.size() > kMaxWordBytes || !seen.insert(word).second) continue;
    words.push_back(std::move(word));
  }
  return words;
}

std::string fts_query_of(const std::vector<std::string>& words) {
  std::string query;
  for (const std::string& word : words) {
    if (!query.empty()) query += " OR ";
    query += '"' + word + '"';
  }
  return query;
}

std::string build_fts_query(std::string_view text, size_t max_terms) {
  return fts_query_of(query_words(text, max_terms));
}

std::vector<std::string> content_words(std::string_view text, size_t max_terms) {
  std::vector<std::string> words = query_words(text, max_terms);
  std::vector<std::string> content;
  for (const std::string& w : words)
    if (!is_english_query_stopword(w)) content.push_back(w);
  return content.empty() ? words : content;
}

}  // namespace pg::rag
