// The vocabulary as llama.cpp loads it from GGUF metadata: token texts, scores
// and attributes, special token ids with llama.cpp's per-model defaults, the
// tokenizer flags, the end-of-generation set and the special-token list used
// to split text. Internal to engine/tokenizer. Loading validates every field
// (types, lengths, id ranges) and never trusts the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/token_index.h"
#include "engine/tokenizer/tokenizer.h"
#include "util/result.h"

namespace pg::tok {

// llama.cpp's token attribute bits (llama_token_attr).
enum AttrBit : uint32_t {
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLStrip = 1u << 7,
  kAttrRStrip = 1u << 8,
};

inline constexpr TokenId kNoToken = -1;

struct Vocab {
  TokenizerKind kind = TokenizerKind::SentencePiece;
  std::string model;           // tokenizer.ggml.model
  std::string pre;             // tokenizer.ggml.pre as written
  const PreTokenizerSpec* pre_spec = nullptr;  // BPE only

  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<uint32_t> attrs;      // AttrBit set
  std::vector<TokenAttr> types;     // as the file says (tokenizer.ggml.token_type)
  TokenIndex index;                 // text -> id (the first id of a repeated text)
  size_t max_token_len = 0;

  TokenId bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken;
  TokenId sep = kNoToken, pad = kNoToken, mask = kNoToken;
  TokenId fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken;
  TokenId fim_pad = kNoToken, fim_rep = kNoToken, fim_sep = kNoToken;

  bool add_space_prefix = false;
  bool add_bos = false, add_eos = false, add_sep = false;
  bool ignore_merges = false;
  bool clean_spaces = false;
  bool lowercase = true, strip_accents = true;  // WordPiece normalizer

  std::vector<TokenId> special_tokens;   // CONTROL/USER_DEFINED/UNKNOWN, longest text first
  std::vector<TokenId> end_of_generation;  // sorted
  std::vector<std::string> warnings;

  size_t size() const { return texts.size(); }
  bool valid(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < texts.size(); }
  TokenId find(std::string_view text) const { return index.find(text); }
  uint32_t attr(TokenId id) const { return valid(id) ? attrs[static_cast<size_t>(id)] : 0; }
  // SentencePiece byte fallback: "<0xXX>", else the byte itself as a token.
  TokenId byte_token(uint8_t byte) const;
  // The byte a BYTE token ("<0xXX>") stands for.
  uint8_t token_byte(TokenId id) const;
};

Status load_vocab(const gguf::GgufFile& file, Vocab& vocab);

}  // namespace pg::tok
