// The merge loop that BPE (bpe.cpp) and SentencePiece (spm.cpp) share: a text
// is cut into UTF-8 characters by lead byte (as llama.cpp does, so invalid
// UTF-8 still splits), the characters are linked in a list, and a priority
// queue of candidate pairs merges the best pair first until none is left.
// The two tokenizers differ only in how a pair is scored, how a stale queue
// entry is recognised and what a merge records; they pass those in. Internal
// to engine/tokenizer; holds no state and never reads outside the text.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <string_view>
#include <vector>

#include "engine/tokenizer/utf8.h"

namespace pg::tok {

// A byte range of the text; len 0 once merged into its left neighbour.
struct MergeSymbol {
  int prev, next;  // list neighbours, -1 at the ends
  size_t offset, len;
  int32_t id;      // what the caller tracks per symbol (BPE: its symbol id)
};

// The characters of `text`, linked left to right; id_of(piece) gives each id.
template <typename IdOf>
std::vector<MergeSymbol> split_characters(std::string_view text, IdOf id_of) {
  std::vector<MergeSymbol> symbols;
  symbols.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const size_t len = std::min(utf8::sequence_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + len == text.size() ? -1 : index + 1, offset, len,
                       id_of(text.substr(offset, len))});
    offset += len;
  }
  return symbols;
}

// Merges pairs of neighbours, best first by Order (a std::priority_queue
// comparator over Pair, which has int fields left and right):
//   candidate(left, right, push): calls push(Pair) when the two may merge;
//   is_current(pair, l, r): false when the entry went stale since it was pushed;
//   on_merge(pair, l): records the merge in the surviving left symbol.
template <typename Pair, typename Order, typename Candidate, typename IsCurrent, typename OnMerge>
void merge_pairs(std::vector<MergeSymbol>& symbols, Candidate candidate, IsCurrent is_current, OnMerge on_merge) {
  std::priority_queue<Pair, std::vector<Pair>, Order> queue;
  auto push = [&](const Pair& pair) { queue.push(pair); };
  auto try_add = [&](int left, int right) {
    if (left != -1 && right != -1) candidate(left, right, push);
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    const Pair pair = queue.top();
    queue.pop();
    MergeSymbol& l = symbols[static_cast<size_t>(pair.left)];
    MergeSymbol& r = symbols[static_cast<size_t>(pair.right)];
    if (l.len == 0 || r.len == 0 || !is_current(pair, l, r)) continue;
    on_merge(pair, l);
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = pair.left;
    try_add(l.prev, pair.left);
    try_add(pair.left, l.next);
  }
}

}  // namespace pg::tok
