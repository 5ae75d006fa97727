// Regex compiler: parses a pattern (UTF-8) into a syntax tree and emits the
// backtracking machine's instructions. Rejects, with an error naming the
// pattern and the offset, anything outside the supported subset (see regex.h)
// and any unbounded repetition of an expression that can match empty, so a
// compiled program can never loop without consuming input.
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/tokenizer/regex_program.h"
#include "engine/tokenizer/unicode.h"
#include "engine/tokenizer/utf8.h"

namespace pg::regex {

namespace {

constexpr int kUnbounded = -1;
constexpr int kMaxNesting = 100;
constexpr int kMaxRepeat = 10000;
constexpr size_t kMaxProgramSize = 1u << 20;

struct Node {
  enum class Kind { Empty, Char, Any, Class, Concat, Alt, Repeat, Look, Atomic, Begin, End, WordB, NotWordB };
  enum class Greed { Greedy, Lazy, Possessive };
  Kind kind = Kind::Empty;
  uint32_t cp = 0;
  int class_index = -1;
  int min = 0, max = 0;
  Greed greed = Greed::Greedy;
  bool negate = false;
  std::vector<Node> kids;
};

// Inside the module, errors travel as this exception; compile() catches it.
struct SyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Parser {
 public:
  Parser(std::string_view pattern, Options options, std::vector<CharClass>& classes)
      : cps_(utf8::decode(pattern)), options_(options), classes_(classes) {}

  Node parse() {
    Node n = parse_alt();
    if (pos_ < cps_.size()) fail(cps_[pos_] == ')' ? "unbalanced ')'" : "unexpected character");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw SyntaxError(what + " at code point " + std::to_string(pos_));
  }
  bool at_end() const { return pos_ >= cps_.size(); }
  uint32_t peek(size_t k = 0) const { return pos_ + k < cps_.size() ? cps_[pos_ + k] : 0xFFFFFFFFu; }
  uint32_t next() {
    if (at_end()) fail("unexpected end of pattern");
    return cps_[pos_++];
  }
  bool eat(uint32_t c) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Node parse_alt() {
    std::vector<Node> alts;
    alts.push_back(parse_concat());
    while (eat('|')) alts.push_back(parse_concat());
    if (alts.size() == 1) return std::move(alts[0]);
    Node n;
    n.kind = Node::Kind::Alt;
    n.kids = std::move(alts);
    return n;
  }

  Node parse_concat() {
    Node n;
    n.kind = Node::Kind::Concat;
    while (!at_end() && peek() != '|' && peek() != ')') n.kids.push_back(parse_quantified());
    if (n.kids.size() == 1) return std::move(n.kids[0]);
    if (n.kids.empty()) n.kind = Node::Kind::Empty;
    return n;
  }

  bool parse_braces(int& lo, int& hi) {
    // {m} {m,} {m,n}; anything else leaves the '{' to be a literal.
    size_t save = pos_;
    if (!eat('{')) return false;
    auto number = [&](int& out) {
      size_t start = pos_;
      long v = 0;
      while (peek() >= '0' && peek() <= '9') {
        v = v * 10 + static_cast<long>(next() - '0');
        if (v > kMaxRepeat) fail("repetition count too large");
      }
      out = static_cast<int>(v);
      return pos_ > start;
    };
    if (!number(lo)) {
      pos_ = save;
      return false;
    }
    hi = lo;
    if (eat(',')) {
      if (!number(hi)) hi = kUnbounded;
    }
    if (!eat('}')) {
      pos_ = save;
      return false;
    }
    if (hi != kUnbounded && hi < lo) fail("repetition {m,n} with n < m");
    return true;
  }

  Node parse_quantified() {
    Node atom = parse_atom();
    for (;;) {
      int lo = 0, hi = 0;
      const uint32_t c = peek();
      if (c == '*') {
        ++pos_;
        lo = 0, hi = kUnbounded;
      } else if (c == '+') {
        ++pos_;
        lo = 1, hi = kUnbounded;
      } else if (c == '?') {
        ++pos_;
        lo = 0, hi = 1;
      } else if (c == '{' && parse_braces(lo, hi)) {
        // parsed
      } else {
        return atom;
      }
      switch (atom.kind) {
        case Node::Kind::Begin: case Node::Kind::End: case Node::Kind::WordB:
        case Node::Kind::NotWordB: case Node::Kind::Empty:
          fail("nothing to repeat");
        default: break;
      }
      Node rep;
      rep.kind = Node::Kind::Repeat;
      rep.min = lo;
      rep.max = hi;
      if (eat('?')) rep.greed = Node::Greed::Lazy;
      else if (eat('+')) rep.greed = Node::Greed::Possessive;
      rep.kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
  }

  Node parse_group() {
    // '(' already consumed.
    if (++depth_ > kMaxNesting) fail("groups nested too deeply");
    Node n;
    bool icase_group = false;
    if (eat('?')) {
      const uint32_t c = next();
      if (c == ':') {
        // plain non-capturing group
      } else if (c == 'i' && eat(':')) {
        icase_group = true;
      } else if (c == '=' || c == '!') {
        n.kind = Node::Kind::Look;
        n.negate = c == '!';
      } else if (c == '>') {
        n.kind = Node::Kind::Atomic;
      } else {
        fail("unsupported group syntax");
      }
    }
    const bool saved_icase = icase_;
    if (icase_group) icase_ = true;
    Node body = parse_alt();
    icase_ = saved_icase;
    if (!eat(')')) fail("missing ')'");
    --depth_;
    if (n.kind == Node::Kind::Look || n.kind == Node::Kind::Atomic) {
      n.kids.push_back(std::move(body));
      return n;
    }
    return body;
  }

  uint32_t parse_hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      const uint32_t c = next();
      int d;
      if (c >= '0' && c <= '9') d = static_cast<int>(c - '0');
      else if (c >= 'a' && c <= 'f') d = static_cast<int>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = static_cast<int>(c - 'A' + 10);
      else fail("bad hexadecimal escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    return v;
  }

  // Escapes that stand for one code point; returns false if `c` is not one.
  bool char_escape(uint32_t c, bool in_class, uint32_t& out) {
    switch (c) {
      case 'r': out = '\r'; return true;
      case 'n': out = '\n'; return true;
      case 't': out = '\t'; return true;
      case 'f': out = '\f'; return true;
      case 'v': out = '\v'; return true;
      case 'a': out = 0x07; return true;
      case 'e': out = 0x1B; return true;
      case '0': out = 0; return true;
      case 'b':
        if (in_class) {
          out = 0x08;
          return true;
        }
        return false;
      case 'x':
        if (eat('{')) {
          uint32_t v = 0;
          int n = 0;
          while (!eat('}')) {
            v = v * 16 + parse_hex(1);
            if (++n > 6 || v > 0x10FFFF) fail("bad \\x{...} escape");
          }
          out = v;
        } else {
          out = parse_hex(2);
        }
        return true;
      case 'u': out = parse_hex(4); return true;
      default: break;
    }
    if (c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      out = c;  // escaped punctuation stands for itself
      return true;
    }
    if (c >= 0x80) {
      out = c;
      return true;
    }
    return false;
  }

  // \p \P \s \S \d \D \w \W; returns false if `c` is none of them.
  bool class_escape(uint32_t c, ClassItem& item) {
    item = ClassItem{};
    switch (c) {
      case 'p': case 'P': {
        if (!eat('{')) fail("expected '{' after \\p");
        std::string name;
        while (!eat('}')) {
          const uint32_t ch = next();
          if (ch >= 0x80 || name.size() > 32) fail("bad property name");
          name.push_back(static_cast<char>(ch));
        }
        if (!property_item(name, item)) fail("unknown property \\p{" + name + "}");
        item.negated = c == 'P';
        return true;
      }
      case 's': case 'S': item.kind = ClassItem::Kind::Space; item.negated = c == 'S'; return true;
      case 'd': case 'D': item.kind = ClassItem::Kind::Digit; item.negated = c == 'D'; return true;
      case 'w': case 'W': item.kind = ClassItem::Kind::Word; item.negated = c == 'W'; return true;
      default: return false;
    }
  }

  Node class_node(CharClass cls) {
    cls.icase = cls.icase || icase_;
    finish_class(cls);
    classes_.push_back(std::move(cls));
    Node n;
    n.kind = Node::Kind::Class;
    n.class_index = static_cast<int>(classes_.size() - 1);
    return n;
  }

  Node literal(uint32_t cp) {
    if (icase_ && unicode::to_lower(cp) != unicode::to_upper(cp)) {
      CharClass cls;
      cls.ranges.push_back({cp, cp});
      return class_node(std::move(cls));
    }
    Node n;
    n.kind = Node::Kind::Char;
    n.cp = cp;
    return n;
  }

  Node parse_class() {
    // '[' already consumed.
    CharClass cls;
    cls.negated = eat('^');
    bool first = true;
    for (;;) {
      if (at_end()) fail("missing ']'");
      if (peek() == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      uint32_t lo;
      uint32_t c = next();
      if (c == '\\') {
        const uint32_t e = next();
        ClassItem item;
        if (class_escape(e, item)) {
          cls.items.push_back(item);
          continue;
        }
        if (!char_escape(e, true, lo)) fail("unsupported escape in class");
      } else {
        lo = c;
      }
      uint32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && pos_ + 1 < cps_.size()) {
        ++pos_;
        uint32_t c2 = next();
        if (c2 == '\\') {
          const uint32_t e = next();
          if (!char_escape(e, true, hi)) fail("bad range end in class");
        } else {
          hi = c2;
        }
        if (hi < lo) fail("range out of order in class");
      }
      cls.ranges.push_back({lo, hi});
    }
    return class_node(std::move(cls));
  }

  Node parse_atom() {
    const uint32_t c = next();
    switch (c) {
      case '(': return parse_group();
      case '[': return parse_class();
      case '.': {
        Node n;
        n.kind = Node::Kind::Any;
        return n;
      }
      case '^': {
        Node n;
        n.kind = Node::Kind::Begin;
        return n;
      }
      case '$': {
        Node n;
        n.kind = Node::Kind::End;
        return n;
      }
      case '*': case '+': case '?': fail("nothing to repeat");
      case ')': fail("unbalanced ')'");
      case '\\': {
        const uint32_t e = next();
        Node n;
        switch (e) {
          case 'A': n.kind = Node::Kind::Begin; return n;
          case 'z': case 'Z': n.kind = Node::Kind::End; return n;
          case 'b': n.kind = Node::Kind::WordB; return n;
          case 'B': n.kind = Node::Kind::NotWordB; return n;
          default: break;
        }
        ClassItem item;
        if (class_escape(e, item)) {
          CharClass cls;
          cls.items.push_back(item);
          return class_node(std::move(cls));
        }
        uint32_t cp;
        if (!char_escape(e, false, cp)) fail("unsupported escape");
        return literal(cp);
      }
      default: return literal(c);
    }
  }

  void finish_class(CharClass& cls) const {
    for (uint32_t key = 0; key < 128; ++key) {
      const uint8_t cat = static_cast<uint8_t>(unicode::general_category(key));
      bool in = class_has(cls, options_.mode, key, cat);
      if (!in && cls.icase) {
        for (uint32_t v : {unicode::to_lower(key), unicode::to_upper(key)}) {
          if (v != key && class_has(cls, options_.mode, v, static_cast<uint8_t>(unicode::general_category(v)))) in = true;
        }
      }
      cls.ascii[key] = in != cls.negated;
    }
  }

  std::vector<uint32_t> cps_;
  size_t pos_ = 0;
  Options options_;
  std::vector<CharClass>& classes_;
  bool icase_ = false;
  int depth_ = 0;
};

bool nullable(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Char: case Node::Kind::Any: case Node::Kind::Class: return false;
    case Node::Kind::Concat:
      return std::all_of(n.kids.begin(), n.kids.end(), [](const Node& k) { return nullable(k); });
    case Node::Kind::Alt:
      return std::any_of(n.kids.begin(), n.kids.end(), [](const Node& k) { return nullable(k); });
    case Node::Kind::Repeat: return n.min == 0 || nullable(n.kids[0]);
    case Node::Kind::Atomic: return nullable(n.kids[0]);
    default: return true;  // empty, lookaround, anchors
  }
}

class Emitter {
 public:
  explicit Emitter(std::vector<Inst>& code) : code_(code) {}

  void emit(const Node& n) {
    if (code_.size() > kMaxProgramSize) throw SyntaxError("pattern too large");
    switch (n.kind) {
      case Node::Kind::Empty: return;
      case Node::Kind::Char: add({Op::Char, n.cp, 0}); return;
      case Node::Kind::Any: add({Op::Any, 0, 0}); return;
      case Node::Kind::Class: add({Op::Class, static_cast<uint32_t>(n.class_index), 0}); return;
      case Node::Kind::Begin: add({Op::Begin, 0, 0}); return;
      case Node::Kind::End: add({Op::End, 0, 0}); return;
      case Node::Kind::WordB: add({Op::WordBoundary, 0, 0}); return;
      case Node::Kind::NotWordB: add({Op::NotWordBoundary, 0, 0}); return;
      case Node::Kind::Concat:
        for (const Node& k : n.kids) emit(k);
        return;
      case Node::Kind::Alt: {
        std::vector<uint32_t> jumps;
        for (size_t i = 0; i + 1 < n.kids.size(); ++i) {
          const uint32_t split = add({Op::Split, 0, 0});
          code_[split].x = pc();
          emit(n.kids[i]);
          jumps.push_back(add({Op::Jmp, 0, 0}));
          code_[split].y = pc();
        }
        emit(n.kids.back());
        for (uint32_t j : jumps) code_[j].x = pc();
        return;
      }
      case Node::Kind::Look: {
        const uint32_t at = add({n.negate ? Op::NegLookAhead : Op::LookAhead, 0, 0});
        code_[at].x = pc();
        emit(n.kids[0]);
        add({Op::Match, 0, 0});
        code_[at].y = pc();
        return;
      }
      case Node::Kind::Atomic: {
        const uint32_t at = add({Op::Atomic, 0, 0});
        code_[at].x = pc();
        emit(n.kids[0]);
        add({Op::Match, 0, 0});
        code_[at].y = pc();
        return;
      }
      case Node::Kind::Repeat: emit_repeat(n); return;
    }
  }

 private:
  uint32_t pc() const { return static_cast<uint32_t>(code_.size()); }
  uint32_t add(Inst i) {
    code_.push_back(i);
    return pc() - 1;
  }

  void emit_repeat(const Node& n) {
    const Node& body = n.kids[0];
    if (n.greed == Node::Greed::Possessive) {
      Node greedy = n;
      greedy.greed = Node::Greed::Greedy;
      Node atomic;
      atomic.kind = Node::Kind::Atomic;
      atomic.kids.push_back(std::move(greedy));
      emit(atomic);
      return;
    }
    const bool lazy = n.greed == Node::Greed::Lazy;
    for (int i = 0; i < n.min; ++i) emit(body);
    if (n.max == kUnbounded) {
      if (nullable(body)) throw SyntaxError("unbounded repetition of an expression that can match empty");
      const uint32_t loop = add({Op::Split, 0, 0});
      const uint32_t body_pc = pc();
      emit(body);
      add({Op::Jmp, loop, 0});
      set_split(loop, body_pc, pc(), lazy);
      return;
    }
    std::vector<uint32_t> splits;
    for (int i = n.min; i < n.max; ++i) {
      splits.push_back(add({Op::Split, 0, 0}));
      const uint32_t body_pc = pc();
      emit(body);
      code_[splits.back()].x = body_pc;  // exit patched below
    }
    for (uint32_t s : splits) set_split(s, code_[s].x, pc(), lazy);
  }

  void set_split(uint32_t at, uint32_t body, uint32_t exit, bool lazy) {
    code_[at].x = lazy ? exit : body;
    code_[at].y = lazy ? body : exit;
  }

  std::vector<Inst>& code_;
};

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern, Options options) {
  auto program = std::make_unique<Program>();
  program->pattern = std::string(pattern);
  program->options = options;
  try {
    Parser parser(pattern, options, program->classes);
    Node root = parser.parse();
    Emitter emitter(program->code);
    emitter.emit(root);
    program->code.push_back({Op::Match, 0, 0});
  } catch (const SyntaxError& e) {
    return Error{"bad regex '" + std::string(pattern) + "': " + e.what()};
  } catch (const std::exception& e) {
    return Error{"cannot compile regex '" + std::string(pattern) + "': " + e.what()};
  }
  return Regex(std::move(program));
}

}  // namespace pg::regex
