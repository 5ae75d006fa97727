// Regex matcher: a backtracking machine over the compiled instructions, plus
// leftmost search and llama.cpp-style splitting. Threads live on an explicit
// stack (no recursion except one level per lookaround nesting of the pattern),
// positions never leave the window, and a step budget bounds the work of one
// search, so hostile text cannot hang or crash the tokenizer.
#include "engine/tokenizer/regex.h"

#include <utility>

#include "engine/tokenizer/regex_program.h"
#include "engine/tokenizer/unicode.h"

namespace pg::regex {

Subject::Subject(std::vector<uint32_t> cps) : cps_(std::move(cps)) {
  cats_.resize(cps_.size());
  ws_.resize(cps_.size());
  for (size_t i = 0; i < cps_.size(); ++i) {
    cats_[i] = static_cast<uint8_t>(unicode::general_category(cps_[i]));
    ws_[i] = unicode::is_whitespace(cps_[i]) ? 1 : 0;
  }
}

namespace {

// Steps one search may take before giving up (reported as "no match"). Real
// pre-tokenizer patterns need a few steps per code point of the window, so the
// budget grows with it; only pathological backtracking runs out.
uint64_t step_budget(const Window& w) { return (uint64_t{1} << 20) + uint64_t{256} * (w.end - w.begin); }

struct Frame {
  uint32_t pc;
  size_t pos;
};

class Machine {
 public:
  Machine(const Regex::Program& p, const Window& w)
      : p_(p), w_(w), mode_(p.options.mode), budget_(step_budget(w)) {}

  bool exhausted() const { return steps_ > budget_; }

  // Runs from pc at pos; returns the end position of the first successful path.
  std::optional<size_t> run(uint32_t pc0, size_t pos0, bool not_empty) {
    const size_t base = stack_.size();
    stack_.push_back({pc0, pos0});
    while (stack_.size() > base) {
      Frame f = stack_.back();
      stack_.pop_back();
      uint32_t pc = f.pc;
      size_t pos = f.pos;
      for (;;) {
        if (++steps_ > budget_) {
          stack_.resize(base);
          return std::nullopt;
        }
        const Inst& in = p_.code[pc];
        bool ok = true;
        switch (in.op) {
          case Op::Char:
            ok = pos < w_.end && key(pos) == in.x;
            if (ok) ++pos, ++pc;
            break;
          case Op::Any: {
            ok = pos < w_.end;
            if (ok) {
              const uint32_t k = key(pos);
              ok = k != '\n' && (mode_ == ClassMode::Unicode || k != '\r');
            }
            if (ok) ++pos, ++pc;
            break;
          }
          case Op::Class:
            ok = pos < w_.end && in_class(p_.classes[in.x], pos);
            if (ok) ++pos, ++pc;
            break;
          case Op::Split:
            stack_.push_back({in.y, pos});
            pc = in.x;
            break;
          case Op::Jmp:
            pc = in.x;
            break;
          case Op::Match:
            if (not_empty && pos == pos0) {
              ok = false;
              break;
            }
            stack_.resize(base);
            return pos;
          case Op::Begin:
            ok = pos == w_.begin;
            ++pc;
            break;
          case Op::End:
            ok = pos == w_.end;
            ++pc;
            break;
          case Op::WordBoundary:
          case Op::NotWordBoundary: {
            const bool before = pos > w_.begin && is_word(pos - 1);
            const bool after = pos < w_.end && is_word(pos);
            ok = (before != after) == (in.op == Op::WordBoundary);
            ++pc;
            break;
          }
          case Op::LookAhead:
          case Op::NegLookAhead: {
            const bool found = run(in.x, pos, false).has_value();
            if (exhausted()) {
              stack_.resize(base);
              return std::nullopt;
            }
            ok = found == (in.op == Op::LookAhead);
            pc = in.y;
            break;
          }
          case Op::Atomic: {
            const auto end = run(in.x, pos, false);
            if (exhausted()) {
              stack_.resize(base);
              return std::nullopt;
            }
            ok = end.has_value();
            if (ok) pos = *end;
            pc = in.y;
            break;
          }
        }
        if (!ok) break;
      }
    }
    return std::nullopt;
  }

 private:
  // The code point a pattern character is compared with: in llama.cpp mode a
  // non-ASCII whitespace character stands in as '\v' (llama.cpp's collapse).
  uint32_t key(size_t pos) const {
    const uint32_t cp = w_.subject->cp(pos);
    if (mode_ == ClassMode::LlamaCpp && cp >= 0x80 && w_.subject->whitespace(pos)) return 0x0B;
    return cp;
  }

  uint8_t key_category(size_t pos, uint32_t k) const {
    return k < 0x80 ? static_cast<uint8_t>(unicode::general_category(k)) : w_.subject->category(pos);
  }

  bool in_class(const CharClass& cls, size_t pos) const {
    const uint32_t k = key(pos);
    if (k < 0x80) return cls.ascii[k];
    bool in = class_has(cls, mode_, k, w_.subject->category(pos));
    if (!in && cls.icase) {
      for (uint32_t v : {unicode::to_lower(k), unicode::to_upper(k)}) {
        if (v == k) continue;
        if (v < 0x80) {
          // The ASCII table already has folding and negation applied.
          if (cls.ascii[v] != cls.negated) in = true;
        } else if (class_has(cls, mode_, v, static_cast<uint8_t>(unicode::general_category(v)))) {
          in = true;
        }
      }
    }
    return in != cls.negated;
  }

  bool is_word(size_t pos) const {
    const uint32_t k = key(pos);
    return is_word_key(mode_, k, key_category(pos, k));
  }

  const Regex::Program& p_;
  const Window& w_;
  ClassMode mode_;
  std::vector<Frame> stack_;
  uint64_t budget_;
  uint64_t steps_ = 0;
};

bool window_ok(const Window& w) {
  return w.subject != nullptr && w.begin <= w.end && w.end <= w.subject->size();
}

}  // namespace

Regex::Regex(std::unique_ptr<Program> p) : program_(std::move(p)) {}
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

const std::string& Regex::pattern() const { return program_->pattern; }

std::optional<size_t> Regex::match_at(const Window& w, size_t pos, bool not_empty) const {
  if (!window_ok(w) || pos < w.begin || pos > w.end) return std::nullopt;
  Machine m(*program_, w);
  return m.run(0, pos, not_empty);
}

std::optional<Span> Regex::search(const Window& w, size_t from) const {
  if (!window_ok(w) || from < w.begin) return std::nullopt;
  Machine m(*program_, w);
  for (size_t p = from; p <= w.end; ++p) {
    if (auto end = m.run(0, p, false)) return Span{p, *end};
    if (m.exhausted()) return std::nullopt;
  }
  return std::nullopt;
}

void Regex::split(const Window& w, std::vector<size_t>& lengths) const {
  if (!window_ok(w)) return;
  size_t done = w.begin;  // end of the last piece emitted
  std::optional<Span> m = search(w, w.begin);
  while (m) {
    if (m->begin > done) lengths.push_back(m->begin - done);
    lengths.push_back(m->end - m->begin);
    done = m->end;
    size_t from = m->end;
    if (m->begin == m->end) {
      // std::regex_iterator after an empty match: first a non-empty match at
      // the same place, else search again one position further on.
      if (m->end == w.end) break;
      if (auto end = match_at(w, m->end, true)) {
        m = Span{m->end, *end};
        continue;
      }
      from = m->end + 1;
    }
    m = search(w, from);
  }
  if (done < w.end) lengths.push_back(w.end - done);
}

}  // namespace pg::regex
