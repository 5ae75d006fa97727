// WordPiece tokenization as llama.cpp's WPM tokenizer does it: BERT-style
// normalisation (accent stripping, lowercasing), splitting on whitespace,
// punctuation and CJK characters, then greedy longest-match per word against a
// vocabulary whose word-initial pieces carry a U+2581 prefix. Internal; never
// emits an id outside the vocabulary (an unmatched word becomes UNK).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace pg::tok {

// The words of `text` after normalisation (exposed for tests).
std::vector<std::string> wordpiece_words(const Vocab& vocab, std::string_view text);

// Appends the ids of `text` to `out`.
void wordpiece_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace pg::tok
