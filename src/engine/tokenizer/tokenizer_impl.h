// Internal state behind pg::Tokenizer: the vocabulary plus what the BPE kind
// needs (merges, pre-tokenizer). Shared by tokenizer.cpp (encoding) and
// detokenize.cpp (pieces, decoding); nothing outside engine/tokenizer includes it.
#pragma once

#include <optional>

#include "engine/tokenizer/bpe.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/vocab.h"

namespace pg::tok {

struct TokenizerImpl {
  Vocab vocab;
  std::optional<BpeMerges> merges;          // BytePairEncoding only
  std::optional<PreTokenizer> pre_tokenizer;  // BytePairEncoding only
};

// llama.cpp's clean_up_tokenization_spaces passes over decoded text.
void clean_up_spaces(std::string& text);

}  // namespace pg::tok
