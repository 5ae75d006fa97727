// SentencePiece merge loop (see spm.h). Symbols are byte ranges of the input
// linked in a list; a priority queue holds candidate pairs ordered by the score
// of the merged piece (ties: leftmost first), stale candidates are recognised
// by their length and skipped. Invalid UTF-8 splits by lead byte exactly as
// llama.cpp does, and ends up as byte tokens (or UNK when there are none).
#include "engine/tokenizer/spm.h"

#include "engine/tokenizer/pair_merge.h"

namespace pg::tok {

namespace {

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
  std::vector<MergeSymbol> symbols = split_characters(text, [](std::string_view) { return 0; });
  merge_pairs<Bigram, BigramOrder>(
      symbols,
      [&](int left, int right, auto push) {
        const MergeSymbol& l = symbols[static_cast<size_t>(left)];
        const MergeSymbol& r = symbols[static_cast<size_t>(right)];
        const std::string_view piece = text.substr(l.offset, l.len + r.len);
        const TokenId id = vocab.find(piece);
        if (id != kNoToken) push({left, right, vocab.scores[static_cast<size_t>(id)], piece.size()});
      },
      [](const Bigram& b, const MergeSymbol& l, const MergeSymbol& r) { return l.len + r.len == b.size; },
      [](const Bigram&, MergeSymbol&) {});

  for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[static_cast<size_t>(i)].next) {
    const MergeSymbol& s = symbols[static_cast<size_t>(i)];
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
