// The reference recognizer: does a grammar match all of a text? Computes,
// for each (rule, start position), the set of positions where the rule can
// end, memoized; a rule re-entered at the same position while it is being
// computed contributes nothing there (so left recursion is not followed).
// Plain and slow on purpose: it is the yardstick, not the engine.
#include "engine/grammar/gbnf.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/tokenizer/utf8.h"

namespace pg::grammar {
namespace {

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
  std::vector<uint32_t> cps;
  if (!utf8::decode_strict(text, cps) || g.rules.empty()) return false;
  Recognizer r(g, cps);
  return r.rule_ends(g.root, 0).count(cps.size()) > 0;
}

}  // namespace pg::grammar
