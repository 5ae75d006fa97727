// Pre-tokenizers of byte-level BPE vocabularies: which regex list splits the
// text into words for each tokenizer.ggml.pre name, and the vocabulary flags
// llama.cpp ties to that name. Adding a model is adding its regex strings to
// the table in pre_tokenizer.cpp. This module never touches the vocabulary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/regex.h"
#include "util/result.h"

namespace pg {

// What llama.cpp sets alongside the pre-tokenizer type.
struct PreTokenizerSpec {
  std::string_view family;              // canonical name of the regex list
  std::vector<std::string_view> regexes;
  bool clean_spaces = true;             // clean_up_tokenization_spaces when decoding
  bool ignore_merges = false;           // a word that is a whole token skips the merges
  bool add_bos = false;                 // default for tokenizer.ggml.add_bos_token
  bool add_sep = false;
  bool no_bos_token = false;            // the vocabulary has no BOS (chatglm)
};

// Looks up a tokenizer.ggml.pre value. Unknown names give nullptr.
const PreTokenizerSpec* find_pre_tokenizer(std::string_view name);
// The "default" pre-tokenizer (used for a missing or unknown name).
const PreTokenizerSpec& default_pre_tokenizer();
// Every name find_pre_tokenizer() knows (for tests and diagnostics).
std::vector<std::string_view> known_pre_tokenizer_names();

class PreTokenizer {
 public:
  static Result<PreTokenizer> create(const PreTokenizerSpec& spec);

  // Splits UTF-8 text into words (UTF-8; invalid bytes become U+FFFD, as in
  // llama.cpp). Each regex of the list splits every piece the previous one
  // produced; empty pieces are dropped.
  std::vector<std::string> split(std::string_view text) const;

 private:
  std::vector<regex::Regex> regexes_;
};

}  // namespace pg
