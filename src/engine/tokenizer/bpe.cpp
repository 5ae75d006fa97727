// BPE merges table and merge loop (see bpe.h). Texts are interned to integer
// symbol ids once at load time so the merge loop compares integers; results
// equal llama.cpp's string-keyed loop (same ranks, same tie-break: lowest rank,
// then leftmost). Unknown pieces fall back to single-byte tokens when present.
#include "engine/tokenizer/bpe.h"

#include "engine/tokenizer/pair_merge.h"

namespace pg::tok {

int32_t BpeMerges::symbol_id(const Vocab& vocab, std::string_view text) const {
  const TokenId id = vocab.find(text);
  if (id != kNoToken) return id;
  if (extra_ids_.empty()) return -1;
  auto it = extra_ids_.find(text);
  return it == extra_ids_.end() ? -1 : it->second;
}

int32_t BpeMerges::intern(const Vocab& vocab, std::string_view text) {
  const TokenId id = vocab.find(text);
  if (id != kNoToken) return id;
  auto it = extra_ids_.find(text);
  if (it != extra_ids_.end()) return it->second;
  const int32_t next = n_vocab_ + static_cast<int32_t>(extra_ids_.size());
  extra_ids_.emplace(std::string(text), next);
  return next;
}

namespace {
size_t slot_of(uint64_t key, uint64_t mask) {
  return static_cast<size_t>(((key ^ (key >> 29)) * 0x9E3779B97F4A7C15ull >> 17) & mask);
}
}  // namespace

const BpeMerges::Merge* BpeMerges::find_merge(uint64_t key) const {
  if (slot_keys_.empty()) return nullptr;
  for (size_t s = slot_of(key, slot_mask_);; s = (s + 1) & slot_mask_) {
    if (slot_keys_[s] == key) return &slot_merges_[s];
    if (slot_keys_[s] == kEmptyKey) return nullptr;
  }
}

void BpeMerges::insert_merge(uint64_t key, Merge m) {
  for (size_t s = slot_of(key, slot_mask_);; s = (s + 1) & slot_mask_) {
    if (slot_keys_[s] == key) return;
    if (slot_keys_[s] == kEmptyKey) {
      slot_keys_[s] = key;
      slot_merges_[s] = m;
      return;
    }
  }
}

Result<BpeMerges> BpeMerges::build(const gguf::GgufFile& file, const Vocab& vocab) {
  BpeMerges m;
  m.n_vocab_ = static_cast<int32_t>(vocab.size());
  const gguf::Value* value = file.find("tokenizer.ggml.merges");
  if (value == nullptr) return Error{"tokenizer.ggml.merges is missing (required for a gpt2 tokenizer)"};
  const gguf::Array* merges = value->as_array();
  if (merges == nullptr || merges->elem_type != gguf::ValueType::STRING) {
    return Error{"tokenizer.ggml.merges is not an array of strings"};
  }
  if (merges->items.size() > (size_t{1} << 26)) return Error{"tokenizer.ggml.merges has too many entries"};
  m.n_merges_ = merges->items.size();
  size_t capacity = 16;
  while (capacity < merges->items.size() * 2) capacity *= 2;  // load factor <= 1/2
  m.slot_keys_.assign(capacity, kEmptyKey);
  m.slot_merges_.resize(capacity);
  m.slot_mask_ = capacity - 1;
  std::string joined;
  for (size_t i = 0; i < merges->items.size(); ++i) {
    const std::string* s = merges->items[i].as_string();
    if (s == nullptr) return Error{"tokenizer.ggml.merges[" + std::to_string(i) + "] is not a string"};
    // llama.cpp splits at the first space after the first byte; without one the
    // entry pairs two empty texts and can never apply.
    const size_t space = s->find(' ', 1);
    if (space == std::string::npos) continue;
    std::string_view left(s->data(), space);
    std::string_view right(s->data() + space + 1, s->size() - space - 1);
    const int32_t l = m.intern(vocab, left);
    const int32_t r = m.intern(vocab, right);
    joined.assign(left);
    joined.append(right);
    const int32_t result = m.intern(vocab, joined);
    m.insert_merge(key(l, r), Merge{static_cast<int32_t>(i), result});  // the first rank wins
  }
  return m;
}

namespace {

struct Bigram {
  int32_t rank;
  int left, right;
  int32_t left_id, right_id, result;
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

void BpeMerges::tokenize_word(const Vocab& vocab, std::string_view word, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  if (vocab.ignore_merges) {
    const TokenId id = vocab.find(word);
    if (id != kNoToken) {
      out.push_back(id);
      return;
    }
  }
  std::vector<MergeSymbol> symbols =
      split_characters(word, [&](std::string_view piece) { return symbol_id(vocab, piece); });
  merge_pairs<Bigram, BigramOrder>(
      symbols,
      [&](int left, int right, auto push) {
        const int32_t l = symbols[static_cast<size_t>(left)].id;
        const int32_t r = symbols[static_cast<size_t>(right)].id;
        if (l < 0 || r < 0) return;
        const Merge* merge = find_merge(key(l, r));
        if (merge != nullptr) push({merge->rank, left, right, l, r, merge->result});
      },
      [](const Bigram& b, const MergeSymbol& l, const MergeSymbol& r) {
        return l.id == b.left_id && r.id == b.right_id;
      },
      [](const Bigram& b, MergeSymbol& l) { l.id = b.result; });

  for (int i = 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
    const MergeSymbol& s = symbols[static_cast<size_t>(i)];
    if (s.len == 0) continue;
    if (s.id >= 0 && s.id < n_vocab_) {
      out.push_back(s.id);
      continue;
    }
    for (char c : word.substr(s.offset, s.len)) {
      const TokenId byte = vocab.find(std::string_view(&c, 1));
      if (byte != kNoToken) out.push_back(byte);
    }
  }
}

}  // namespace pg::tok
