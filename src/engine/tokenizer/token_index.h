// Exact-text lookup of token ids: an open-addressing hash table over a copy of
// all token texts packed into one buffer. Exists because vocabularies are big
// (100k+ tokens, lookups in the hundreds of thousands while loading merges) and
// std::unordered_map's node chasing made loading slow. Immutable after build();
// never returns an id it was not built with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg::tok {

class TokenIndex {
 public:
  // Indexes texts[i] as id i. When a text repeats, the first id is kept and the
  // later ids are returned in `duplicates`. False when the texts are too big
  // to index (over 4 GiB in all).
  bool build(const std::vector<std::string>& texts, std::vector<int32_t>& duplicates);
  // The id of `text`, or -1.
  int32_t find(std::string_view text) const;

 private:
  static uint64_t hash(std::string_view s);
  std::string_view text_of(uint32_t id) const {
    return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }

  std::string arena_;
  std::vector<uint32_t> offsets_;  // text i is arena_[offsets_[i], offsets_[i+1])
  std::vector<uint32_t> slot_ids_;     // kEmpty when free
  std::vector<uint32_t> slot_hashes_;  // low 32 bits of the text's hash
  uint64_t mask_ = 0;
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
};

}  // namespace pg::tok
