// Internal state behind pg::Tokenizer: the vocabulary plus what the BPE kind
// needs (merges, pre-tokenizer). Shared by tokenizer.cpp (encoding) and
// detokenize.cpp (pieces, decoding); nothing outside engine/tokenizer includes it.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer/bpe.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/vocab.h"

namespace pg::tok {

struct TokenizerImpl {
  Vocab vocab;
  std::optional<BpeMerges> merges;          // BytePairEncoding only
  std::optional<PreTokenizer> pre_tokenizer;  // BytePairEncoding only
  // Every token's piece, built on first use (Tokenizer::pieces): [0] without,
  // [1] with special tokens rendered.
  std::once_flag pieces_once[2];
  std::vector<std::string> pieces[2];
};

// llama.cpp's clean_up_tokenization_spaces passes over decoded text.
void clean_up_spaces(std::string& text);

}  // namespace pg::tok
