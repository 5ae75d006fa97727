// SentencePiece merge loop (see spm.h). Symbols are byte ranges of the input
// linked in a list; a priority queue holds candidate pairs ordered by the score
// of the merged piece (ties: leftmost first), stale candidates are recognised
// by their length and skipped. Invalid UTF-8 splits by lead byte exactly as
// llama.cpp does, and ends up as byte tokens (or UNK when there are none).
#include "engine/tokenizer/spm.h"

#include <queue>

#include "engine/tokenizer/utf8.h"

namespace pg::tok {

namespace {

struct Symbol {
  int prev, next;
  size_t offset, len;
};

struct Bigram {
  int left, right;
  float score;
  size_t size;
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const size_t len = std::min(utf8::sequence_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + len == text.size() ? -1 : index + 1, offset, len});
    offset += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const Symbol& l = symbols[static_cast<size_t>(left)];
    const Symbol& r = symbols[static_cast<size_t>(right)];
    const std::string_view piece = text.substr(l.offset, l.len + r.len);
    const TokenId id = vocab.find(piece);
    if (id == kNoToken) return;
    queue.push({left, right, vocab.scores[static_cast<size_t>(id)], piece.size()});
  };

  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& l = symbols[static_cast<size_t>(b.left)];
    Symbol& r = symbols[static_cast<size_t>(b.right)];
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.size) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<size_t>(i)];
    const std::string_view piece = text.substr(s.offset, s.len);
    const TokenId id = vocab.find(piece);
    if (id != kNoToken) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      const TokenId byte = vocab.byte_token(static_cast<uint8_t>(c));
      // llama.cpp aborts when a vocabulary has no byte tokens; UNK is the safe answer.
      if (byte != kNoToken) out.push_back(byte);
      else if (vocab.unk != kNoToken) out.push_back(vocab.unk);
    }
  }
}

}  // namespace pg::tok
