// Incremental grammar matching; see grammar_matcher.h.
#include "engine/grammar/grammar_matcher.h"

#include <algorithm>
#include <iterator>
#include <queue>
#include <set>

#include "engine/tokenizer/utf8.h"

namespace pg::grammar {
namespace {

bool fits(const Element& e, uint32_t cp) {
  const bool in = std::any_of(e.ranges.begin(), e.ranges.end(), [cp](const CodeRange& r) { return cp >= r.lo && cp <= r.hi; });
  return in != e.negated;
}

// Rules that can match the empty string.
std::vector<bool> nullable_rules(const Grammar& g) {
  std::vector<bool> nullable(g.rules.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < g.rules.size(); ++r) {
      if (nullable[r]) continue;
      for (const Sequence& seq : g.rules[r].alternatives) {
        const bool all = std::all_of(seq.begin(), seq.end(), [&](const Element& e) {
          return e.kind == Element::Kind::Rule && nullable[e.rule];
        });
        if (all) {
          nullable[r] = changed = true;
          break;
        }
      }
    }
  }
  return nullable;
}

// leftmost[r]: the rules r can start with (through nullable prefixes).
std::vector<std::vector<uint32_t>> leftmost_rules(const Grammar& g) {
  const std::vector<bool> nullable = nullable_rules(g);
  std::vector<std::vector<uint32_t>> leftmost(g.rules.size());
  for (size_t r = 0; r < g.rules.size(); ++r)
    for (const Sequence& seq : g.rules[r].alternatives)
      for (const Element& e : seq) {
        if (e.kind != Element::Kind::Rule) break;
        leftmost[r].push_back(e.rule);
        if (!nullable[e.rule]) break;
      }
  return leftmost;
}

// The first rule that can reach itself without consuming a code point, or -1.
int64_t left_recursive_rule(const Grammar& g, const std::vector<std::vector<uint32_t>>& leftmost) {
  // A cycle in the leftmost graph: iterative depth-first search with colours.
  std::vector<int> colour(g.rules.size(), 0);  // 0 new, 1 on the path, 2 done
  for (size_t start = 0; start < g.rules.size(); ++start) {
    if (colour[start]) continue;
    std::vector<std::pair<uint32_t, size_t>> path{{static_cast<uint32_t>(start), 0}};
    colour[start] = 1;
    while (!path.empty()) {
      auto& [r, next] = path.back();
      if (next < leftmost[r].size()) {
        const uint32_t to = leftmost[r][next++];
        if (colour[to] == 1) return to;
        if (colour[to] == 0) {
          colour[to] = 1;
          path.push_back({to, 0});
        }
      } else {
        colour[r] = 2;
        path.pop_back();
      }
    }
  }
  return -1;
}

// The longest chain of rules entered without consuming a code point (the
// depth of expand()'s recursion); the leftmost graph has no cycle here.
size_t longest_leftmost_chain(const Grammar& g, const std::vector<std::vector<uint32_t>>& leftmost) {
  std::vector<size_t> depth(g.rules.size(), 0);
  std::vector<int> state(g.rules.size(), 0);  // 0 new, 1 open, 2 done
  size_t longest = 0;
  for (size_t start = 0; start < g.rules.size(); ++start) {
    if (state[start]) continue;
    std::vector<std::pair<uint32_t, size_t>> path{{static_cast<uint32_t>(start), 0}};
    state[start] = 1;
    while (!path.empty()) {
      auto& [r, next] = path.back();
      if (next < leftmost[r].size()) {
        const uint32_t to = leftmost[r][next++];
        if (state[to] == 0) {
          state[to] = 1;
          path.push_back({to, 0});
        }
      } else {
        size_t d = 1;
        for (uint32_t to : leftmost[r]) d = std::max(d, depth[to] + 1);
        depth[r] = d;
        longest = std::max(longest, d);
        state[r] = 2;
        path.pop_back();
      }
    }
  }
  return longest;
}

bool intersects(const Element& e, uint32_t lo, uint32_t hi) {
  if (!e.negated)
    return std::any_of(e.ranges.begin(), e.ranges.end(), [&](const CodeRange& r) { return r.lo <= hi && lo <= r.hi; });
  // Negated: some code point of [lo, hi] lies outside every range. Walk up
  // from lo, jumping over ranges that cover the current point.
  uint32_t cp = lo;
  for (bool moved = true; moved && cp <= hi;) {
    moved = false;
    for (const CodeRange& r : e.ranges)
      if (cp >= r.lo && cp <= r.hi) {
        if (r.hi >= hi) return false;
        cp = r.hi + 1;
        moved = true;
      }
  }
  return cp <= hi;
}

uint32_t saturating_add(uint32_t a, uint32_t b) {
  return std::min<uint32_t>(GrammarMatcher::kUnreachable, a + b);
}

// Fewest code points a rule can match (Knuth's generalisation of Dijkstra's
// algorithm to grammars: a rule's length is final once it is the smallest
// pending; each alternative waits for the rules it refers to).
std::vector<uint32_t> rule_min_lengths(const Grammar& g) {
  constexpr uint32_t kInf = GrammarMatcher::kUnreachable;
  struct AltState {
    uint32_t rule, pending;  // references not yet final
    uint32_t sum;
  };
  std::vector<AltState> alts;
  std::vector<std::vector<size_t>> users(g.rules.size());  // rule -> alts referring to it (once per reference)
  std::vector<uint32_t> best(g.rules.size(), kInf);
  using Item = std::pair<uint32_t, uint32_t>;  // length, rule
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
  for (uint32_t r = 0; r < g.rules.size(); ++r)
    for (const Sequence& seq : g.rules[r].alternatives) {
      AltState a{r, 0, 0};
      for (const Element& e : seq) {
        if (e.kind == Element::Kind::Chars) {
          a.sum = saturating_add(a.sum, 1);
        } else {
          ++a.pending;
          users[e.rule].push_back(alts.size());
        }
      }
      if (a.pending == 0 && a.sum < best[r]) {
        best[r] = a.sum;
        queue.push({a.sum, r});
      }
      alts.push_back(a);
    }
  std::vector<bool> done(g.rules.size(), false);
  while (!queue.empty()) {
    const auto [len, r] = queue.top();
    queue.pop();
    if (done[r] || len != best[r]) continue;
    done[r] = true;
    for (size_t ai : users[r]) {
      AltState& a = alts[ai];
      a.sum = saturating_add(a.sum, len);
      if (--a.pending == 0 && a.sum < best[a.rule]) {
        best[a.rule] = a.sum;
        queue.push({a.sum, a.rule});
      }
    }
  }
  return best;
}

}  // namespace

Result<GrammarMatcher> GrammarMatcher::create(const Grammar& grammar) {
  if (grammar.rules.empty()) return Status::invalid_argument("the grammar has no rules", "invalid_grammar");
  const auto leftmost = leftmost_rules(grammar);
  if (int64_t r = left_recursive_rule(grammar, leftmost); r >= 0)
    return Status::invalid_argument("rule '" + grammar.rules[static_cast<size_t>(r)].name +
                                        "' is left-recursive (it can reach itself before matching any character)",
                                    "invalid_grammar");
  if (longest_leftmost_chain(grammar, leftmost) > kMaxRuleChain)
    return Status::invalid_argument("rules nest more than " + std::to_string(kMaxRuleChain) +
                                        " deep before the first character",
                                    "invalid_grammar");
  GrammarMatcher m(grammar);
  const std::vector<uint32_t> rule_min = rule_min_lengths(grammar);
  auto lengths = std::make_shared<MinLengths>();
  lengths->suffix.resize(grammar.rules.size());
  for (size_t r = 0; r < grammar.rules.size(); ++r)
    for (const Sequence& seq : grammar.rules[r].alternatives) {
      std::vector<uint32_t> suffix(seq.size() + 1, 0);
      for (size_t i = seq.size(); i-- > 0;)
        suffix[i] = saturating_add(suffix[i + 1], seq[i].kind == Element::Kind::Chars ? 1 : rule_min[seq[i].rule]);
      lengths->suffix[r].push_back(std::move(suffix));
    }
  m.min_lengths_ = std::move(lengths);
  if (!m.reset())
    return Status::invalid_argument("the grammar is too ambiguous: more than " + std::to_string(kMaxStacks) +
                                        " ways to start",
                                    "invalid_grammar");
  return m;
}

bool GrammarMatcher::reset() {
  stacks_.clear();
  for (uint32_t a = 0; a < g_->rules[g_->root].alternatives.size(); ++a)
    if (!expand(Stack{Pos{g_->root, a, 0}}, stacks_)) return false;
  normalize(stacks_);
  return true;
}

// Follows rule references and finished alternatives until each stack's top is
// a Chars element (or the stack is empty: the root is complete). Iterative,
// and each distinct stack is followed once, so long runs of rules that match
// nothing cost neither stack depth nor repeated work. False when the result
// would exceed kMaxStacks (the grammar is too ambiguous here).
bool GrammarMatcher::expand(Stack start, std::vector<Stack>& out) const {
  std::vector<Stack> work{std::move(start)};
  // The stacks followed so far: a short list searched in order (most
  // expansions follow a handful), a set once there are many.
  constexpr size_t kListed = 32;
  std::vector<Stack> seen_list;
  std::set<Stack> seen_set;
  size_t seen = 0;
  auto first_visit = [&](const Stack& stack) {
    if (seen_set.empty()) {
      if (std::find(seen_list.begin(), seen_list.end(), stack) != seen_list.end()) return false;
      if (seen_list.size() < kListed) {
        seen_list.push_back(stack);
        return true;
      }
      seen_set.insert(std::make_move_iterator(seen_list.begin()), std::make_move_iterator(seen_list.end()));
      seen_list.clear();
    }
    return seen_set.insert(stack).second;
  };
  while (!work.empty()) {
    Stack stack = std::move(work.back());
    work.pop_back();
    if (!first_visit(stack)) continue;
    if (++seen > kMaxStacks * 4 || out.size() >= kMaxStacks) return false;
    if (stack.empty()) {
      out.push_back(std::move(stack));
      continue;
    }
    const Pos pos = stack.back();
    const Sequence& seq = g_->rules[pos.rule].alternatives[pos.alt];
    if (pos.idx >= seq.size()) {
      stack.pop_back();
      work.push_back(std::move(stack));
      continue;
    }
    const Element& e = seq[pos.idx];
    if (e.kind == Element::Kind::Chars) {
      out.push_back(std::move(stack));
      continue;
    }
    // Continue after the reference once the referred rule is done; a
    // continuation at the end of its sequence is dropped at once, so right
    // recursion (x*) keeps stacks short.
    stack.back().idx++;
    if (stack.back().idx >= seq.size()) stack.pop_back();
    for (uint32_t a = 0; a < g_->rules[e.rule].alternatives.size(); ++a) {
      Stack next = stack;
      next.push_back(Pos{e.rule, a, 0});
      work.push_back(std::move(next));
    }
  }
  return true;
}

void GrammarMatcher::normalize(std::vector<Stack>& stacks) const {
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
}

bool GrammarMatcher::accept(uint32_t cp) {
  std::vector<Stack> next;
  for (const Stack& s : stacks_) {
    if (s.empty()) continue;
    const Pos& top = s.back();
    if (!fits(g_->rules[top.rule].alternatives[top.alt][top.idx], cp)) continue;
    Stack advanced = s;
    advanced.back().idx++;
    if (!expand(std::move(advanced), next) || next.size() > kMaxStacks) return false;  // too ambiguous here
  }
  if (next.empty()) return false;
  normalize(next);
  stacks_ = std::move(next);
  return true;
}

bool GrammarMatcher::accept_text(std::string_view s) {
  const std::vector<Stack> saved = stacks_;
  for (size_t i = 0; i < s.size();) {
    const int n = utf8::strict_sequence(s.substr(i));
    size_t at = i;
    if (n <= 0 || !accept(utf8::decode_one(s, at))) {
      stacks_ = saved;
      return false;
    }
    i += static_cast<size_t>(n);
  }
  return true;
}

bool GrammarMatcher::accepts_any_in(uint32_t lo, uint32_t hi) const {
  return std::any_of(stacks_.begin(), stacks_.end(), [&](const Stack& st) {
    if (st.empty()) return false;
    const Pos& top = st.back();
    return intersects(g_->rules[top.rule].alternatives[top.alt][top.idx], lo, hi);
  });
}

bool GrammarMatcher::accepts_next(uint32_t cp) const {
  return std::any_of(stacks_.begin(), stacks_.end(), [&](const Stack& st) {
    if (st.empty()) return false;
    const Pos& top = st.back();
    return fits(g_->rules[top.rule].alternatives[top.alt][top.idx], cp);
  });
}

uint32_t GrammarMatcher::min_remaining() const {
  uint32_t best = kUnreachable;
  for (const Stack& st : stacks_) {
    uint32_t sum = 0;
    for (const Pos& p : st) sum = saturating_add(sum, min_lengths_->suffix[p.rule][p.alt][p.idx]);
    best = std::min(best, sum);
  }
  return best;
}

bool GrammarMatcher::can_end() const {
  return std::any_of(stacks_.begin(), stacks_.end(), [](const Stack& s) { return s.empty(); });
}

bool GrammarMatcher::finished() const {
  return std::all_of(stacks_.begin(), stacks_.end(), [](const Stack& s) { return s.empty(); });
}

}  // namespace pg::grammar
