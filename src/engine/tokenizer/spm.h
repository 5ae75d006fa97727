// SentencePiece tokenization as llama.cpp's SPM tokenizer does it: characters
// merged pairwise by the highest-scoring vocabulary piece, unknown pieces
// falling back to byte tokens. Internal to engine/tokenizer; a pure function of
// the vocabulary and the (already space-escaped) text that never emits an id
// outside the vocabulary.
#pragma once

#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace pg::tok {

// Appends the ids of `text` (spaces already replaced by U+2581) to `out`.
void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace pg::tok
