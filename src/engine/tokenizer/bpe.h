// Byte-level BPE as llama.cpp's BPE tokenizer does it: the merge ranks from
// tokenizer.ggml.merges and the merge loop over one pre-tokenized,
// byte-encoded word. Internal to engine/tokenizer; immutable after build(),
// and never emits an id outside the vocabulary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/vocab.h"
#include "util/result.h"

namespace pg::tok {

class BpeMerges {
 public:
  // Reads tokenizer.ggml.merges ("left right" strings; rank = position).
  static Result<BpeMerges> build(const gguf::GgufFile& file, const Vocab& vocab);

  // Appends the ids of one word (already mapped byte-to-unicode) to `out`.
  void tokenize_word(const Vocab& vocab, std::string_view word, std::vector<TokenId>& out) const;

  size_t size() const { return n_merges_; }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;  // symbol id of left+right
  };
  // Symbol ids: vocabulary ids, then ids for texts that merges mention but the
  // vocabulary lacks (their results are still merged further, as in llama.cpp).
  int32_t symbol_id(const Vocab& vocab, std::string_view text) const;
  int32_t intern(const Vocab& vocab, std::string_view text);

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  const Merge* find_merge(uint64_t key) const;
  void insert_merge(uint64_t key, Merge m);  // keeps an existing entry (first rank wins)

  int32_t n_vocab_ = 0;
  size_t n_merges_ = 0;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> extra_ids_;  // n_vocab_ + order
  // Open-addressing table (the merge count is large and fixed after build):
  // slots hold key (kEmptyKey when free) and merge.
  static constexpr uint64_t kEmptyKey = ~uint64_t{0};
  std::vector<uint64_t> slot_keys_;
  std::vector<Merge> slot_merges_;
  uint64_t slot_mask_ = 0;
};

}  // namespace pg::tok
