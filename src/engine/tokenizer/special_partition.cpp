// Special-token partition (see special_partition.h). Fragments are byte ranges
// of the caller's text; every range stays inside it and is never empty.
#include "engine/tokenizer/special_partition.h"

namespace pg::tok {

namespace {
// C isspace() in the "C" locale, which llama.cpp uses for LSTRIP/RSTRIP.
bool c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
}  // namespace

std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, 0, text.size()});
  std::vector<Fragment> next;
  for (TokenId special : vocab.special_tokens) {
    const uint32_t attr = vocab.attr(special);
    if (!parse_special && (attr & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view needle = vocab.texts[static_cast<size_t>(special)];
    if (needle.empty()) continue;
    bool any = false;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        next.push_back(f);
        continue;
      }
      size_t base = f.offset, length = f.length;
      for (;;) {
        const size_t match = text.substr(0, base + length).find(needle, base);
        if (match == std::string_view::npos) {
          next.push_back({kNoToken, base, length});
          break;
        }
        any = true;
        if (match > base) {
          size_t left = match - base;
          if (attr & kAttrLStrip) {
            while (left > 0 && c_space(text[base + left - 1])) --left;
          }
          if (left > 0) next.push_back({kNoToken, base, left});
        }
        next.push_back({special, 0, 0});
        const size_t right_offset = match + needle.size();
        if (right_offset >= base + length) break;
        size_t roff = right_offset, rlen = base + length - right_offset;
        if (attr & kAttrRStrip) {
          while (rlen > 0 && c_space(text[roff])) ++roff, --rlen;
        }
        if (rlen == 0) break;
        base = roff;
        length = rlen;
      }
    }
    if (any) fragments.swap(next);
  }
  return fragments;
}

}  // namespace pg::tok
