// The English query stop list and the content words of a question
// (rag/query_stopwords.h, rag/fts_query.h).
#include <gtest/gtest.h>

#include <algorithm>

#include "rag/fts_query.h"
#include "rag/query_stopwords.h"

namespace pg::rag {
namespace {

TEST(RagQueryStopwords, TheListIsSortedLowerCaseAndKeepsTopicWords) {
  const std::string_view* begin = english_query_stopwords_begin();
  const std::string_view* end = english_query_stopwords_end();
  EXPECT_TRUE(std::is_sorted(begin, end));
  EXPECT_EQ(std::adjacent_find(begin, end), end);
  for (const std::string_view* w = begin; w != end; ++w)
    EXPECT_TRUE(std::all_of(w->begin(), w->end(), [](char c) { return c >= 'a' && c <= 'z'; })) << *w;
  for (const char* w : {"what", "is", "the", "how", "do", "i", "for", "in", "used"})
    EXPECT_TRUE(is_english_query_stopword(w)) << w;
  for (const char* w : {"magic", "find", "list", "show", "mean", "type", "file", "r", "data", "What"})
    EXPECT_FALSE(is_english_query_stopword(w)) << w;
}

TEST(RagQueryStopwords, ContentWordsOfAQuestion) {
  EXPECT_EQ(content_words("What is the magic element used for in a MIME type definition?"),
            (std::vector<std::string>{"magic", "element", "mime", "type", "definition"}));
  EXPECT_EQ(content_words("How do I quit R?"), (std::vector<std::string>{"quit", "r"}));
  EXPECT_EQ(content_words("Don't you find it?"), (std::vector<std::string>{"find"}));
  // Nothing but stop words: all of them are searched rather than nothing.
  EXPECT_EQ(content_words("What is this?"), (std::vector<std::string>{"what", "is", "this"}));
  EXPECT_TRUE(content_words("?!").empty());
  EXPECT_EQ(fts_query_of(content_words("the copper tape")), "\"copper\" OR \"tape\"");
}

}  // namespace
}  // namespace pg::rag
