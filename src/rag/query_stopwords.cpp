// The English query stop list; see query_stopwords.h.
#include "rag/query_stopwords.h"

#include <algorithm>
#include <array>

namespace pg::rag {
namespace {

// Sorted (byte order), lower case. Contractions appear as their tokens:
// "don't" is "don" and "t", "it's" is "it" and "s".
constexpr std::array<std::string_view, 164> kWords = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an",
    "and", "another", "any", "are", "aren", "as", "at", "be", "because", "been",
    "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could",
    "couldn", "d", "did", "didn", "do", "does", "doesn", "doing", "don", "done",
    "during", "each", "either", "else", "etc", "ever", "every", "few", "for", "from",
    "get", "gets", "getting", "got", "had", "has", "hasn", "have", "haven", "having",
    "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in",
    "into", "is", "isn", "it", "its", "itself", "just", "kind", "let", "like",
    "ll", "m", "make", "makes", "many", "may", "me", "might", "more", "most",
    "much", "must", "my", "myself", "need", "no", "nor", "not", "of", "off",
    "on", "once", "one", "only", "onto", "or", "other", "our", "ours", "own",
    "please", "re", "s", "same", "shall", "she", "should", "so", "some", "such",
    "t", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "us", "use", "used", "uses", "using",
    "ve", "very", "want", "was", "way", "we", "were", "what", "when", "where",
    "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "would",
    "you", "your", "yours", "yourself",
};

}  // namespace

bool is_english_query_stopword(std::string_view word) {
  return std::binary_search(kWords.begin(), kWords.end(), word);
}

const std::string_view* english_query_stopwords_begin() { return kWords.data(); }
const std::string_view* english_query_stopwords_end() { return kWords.data() + kWords.size(); }

}  // namespace pg::rag
