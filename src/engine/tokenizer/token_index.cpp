// TokenIndex (see token_index.h): linear probing at load factor <= 1/2, a
// 64-bit multiplicative hash over 8-byte chunks. Sizes are checked so offsets
// fit in 32 bits; a vocabulary too large for that is refused.
#include "engine/tokenizer/token_index.h"

#include <cstring>

namespace pg::tok {

uint64_t TokenIndex::hash(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    h = (h ^ chunk) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 29;
  return h;
}

bool TokenIndex::build(const std::vector<std::string>& texts, std::vector<int32_t>& duplicates) {
  size_t total = 0;
  for (const std::string& t : texts) total += t.size();
  if (total >= 0xFFFFFFFFull || texts.size() >= 0x7FFFFFFFull) return false;
  arena_.clear();
  arena_.reserve(total);
  offsets_.assign(1, 0);
  offsets_.reserve(texts.size() + 1);
  for (const std::string& t : texts) {
    arena_ += t;
    offsets_.push_back(static_cast<uint32_t>(arena_.size()));
  }
  size_t capacity = 16;
  while (capacity < texts.size() * 2) capacity *= 2;
  slot_ids_.assign(capacity, kEmpty);
  slot_hashes_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (uint32_t id = 0; id < texts.size(); ++id) {
    const std::string_view text = text_of(id);
    const uint64_t h = hash(text);
    for (uint64_t s = h & mask_;; s = (s + 1) & mask_) {
      if (slot_ids_[s] == kEmpty) {
        slot_ids_[s] = id;
        slot_hashes_[s] = static_cast<uint32_t>(h);
        break;
      }
      if (slot_hashes_[s] == static_cast<uint32_t>(h) && text_of(slot_ids_[s]) == text) {
        duplicates.push_back(static_cast<int32_t>(id));
        break;
      }
    }
  }
  return true;
}

int32_t TokenIndex::find(std::string_view text) const {
  if (slot_ids_.empty()) return -1;
  const uint64_t h = hash(text);
  for (uint64_t s = h & mask_;; s = (s + 1) & mask_) {
    const uint32_t id = slot_ids_[s];
    if (id == kEmpty) return -1;
    if (slot_hashes_[s] == static_cast<uint32_t>(h) && text_of(id) == text) return static_cast<int32_t>(id);
  }
}

}  // namespace pg::tok
