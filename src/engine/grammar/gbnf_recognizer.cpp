// The reference recognizer: does a grammar match all of a text? Computes,
// for each (rule, start position), the set of positions where the rule can
// end, memoized; a rule re-entered at the same position while it is being
// computed contributes nothing there (so left recursion is not followed).
// Plain and slow on purpose: it is the yardstick, not the engine.
#include "engine/grammar/gbnf.h"

#include <algorithm>
#include <map>
#include <set>

namespace pg::grammar {
namespace {

std::vector<uint32_t> code_points(std::string_view s, bool& ok) {
  std::vector<uint32_t> out;
  ok = false;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size() + (n == 0 ? 1 : 0)) return out;
    uint32_t cp = n == 0 ? c : c & (0x3Fu >> n);
    for (int k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(n) + 1;
  }
  ok = true;
  return out;
}

bool matches(const Element& e, uint32_t cp) {
  const bool in = std::any_of(e.ranges.begin(), e.ranges.end(), [cp](const CodeRange& r) { return cp >= r.lo && cp <= r.hi; });
  return in != e.negated;
}

class Recognizer {
 public:
  Recognizer(const Grammar& g, const std::vector<uint32_t>& text) : g_(g), text_(text) {}

  const std::set<size_t>& rule_ends(uint32_t rule, size_t pos) {
    const auto key = std::make_pair(rule, pos);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key];  // in progress: empty
    std::set<size_t> ends;
    for (const Sequence& seq : g_.rules[rule].alternatives) {
      std::set<size_t> at{pos};
      for (const Element& e : seq) {
        std::set<size_t> next;
        for (size_t p : at) {
          if (e.kind == Element::Kind::Chars) {
            if (p < text_.size() && matches(e, text_[p])) next.insert(p + 1);
          } else {
            const std::set<size_t>& r = rule_ends(e.rule, p);
            next.insert(r.begin(), r.end());
          }
        }
        at = std::move(next);
        if (at.empty()) break;
      }
      ends.insert(at.begin(), at.end());
    }
    return memo_[key] = std::move(ends);
  }

 private:
  const Grammar& g_;
  const std::vector<uint32_t>& text_;
  std::map<std::pair<uint32_t, size_t>, std::set<size_t>> memo_;
};

}  // namespace

bool grammar_accepts(const Grammar& g, std::string_view text) {
  bool ok = false;
  const std::vector<uint32_t> cps = code_points(text, ok);
  if (!ok || g.rules.empty()) return false;
  Recognizer r(g, cps);
  return r.rule_ends(g.root, 0).count(cps.size()) > 0;
}

}  // namespace pg::grammar
