// The pattern converter; see regex_to_gbnf.h. A recursive-descent parser
// (nesting bounded) turns the pattern into a small tree of characters,
// sequences, alternatives and repetitions; a writer turns the tree into GBNF.
// A repetition of a part that can match the empty string is written over that
// part's non-empty strings instead ((a*)* as (a a*)*), which is the same
// language and keeps the grammar free of left recursion. Must never accept a
// pattern feature it cannot translate exactly, and never throws.
#include "engine/grammar/regex_to_gbnf.h"
#include "util/str_cat.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/json_schema_grammar.h"
#include "engine/tokenizer/utf8.h"

namespace pg::grammar {
namespace {


constexpr uint32_t kLastCodePoint = 0x10FFFF;
constexpr uint32_t kEnd = 0xFFFFFFFF;    // peek() past the end
constexpr size_t kMaxTreeNodes = 20000;  // nodes the non-empty rewriting may make

// One JSON string character in any of its forms (for parts of an unanchored
// pattern, where every character is allowed); surrogate escapes only paired.
constexpr const char* kAnyJsonChar =
    R"(( [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} | )"
    R"([dD] [89abAB] [0-9a-fA-F]{2} "\\u" [dD] [c-fC-F] [0-9a-fA-F]{2} ) ) ))";

using Ranges = std::vector<CodeRange>;  // sorted, disjoint, not touching

Ranges normalized(Ranges r) {
  std::sort(r.begin(), r.end(), [](const CodeRange& a, const CodeRange& b) { return a.lo < b.lo; });
  Ranges out;
  for (const CodeRange& x : r) {
    if (!out.empty() && x.lo <= out.back().hi + 1)
      out.back().hi = std::max(out.back().hi, x.hi);
    else
      out.push_back(x);
  }
  return out;
}

Ranges complement(const Ranges& r) {
  Ranges out;
  uint32_t next = 0;
  for (const CodeRange& x : r) {
    if (x.lo > next) out.push_back({next, x.lo - 1});
    next = x.hi + 1;
  }
  if (next <= kLastCodePoint) out.push_back({next, kLastCodePoint});
  return out;
}

Ranges intersect(const Ranges& a, const Ranges& b) {
  Ranges both = complement(a);
  const Ranges cb = complement(b);
  both.insert(both.end(), cb.begin(), cb.end());
  return complement(normalized(std::move(both)));
}

Ranges one(uint32_t cp) { return {{cp, cp}}; }
Ranges digit_set() { return {{'0', '9'}}; }
Ranges word_set() { return normalized({{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}); }
Ranges space_set() {  // ECMAScript's \s: WhiteSpace and LineTerminator
  return normalized({{0x09, 0x0D},
                     {0x20, 0x20},
                     {0xA0, 0xA0},
                     {0x1680, 0x1680},
                     {0x2000, 0x200A},
                     {0x2028, 0x2029},
                     {0x202F, 0x202F},
                     {0x205F, 0x205F},
                     {0x3000, 0x3000},
                     {0xFEFF, 0xFEFF}});
}
Ranges dot_set() { return complement(normalized({{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}})); }
// Characters JSON lets a string hold raw: not '"', '\', a control or a surrogate.
Ranges raw_json_set() { return {{0x20, 0x21}, {0x23, 0x5B}, {0x5D, 0xD7FF}, {0xE000, kLastCodePoint}}; }

struct Node;
using NodeP = std::shared_ptr<const Node>;
struct Node {
  enum class Kind { Empty, Chars, Seq, Alt, Repeat };
  Kind kind = Kind::Empty;
  Ranges chars;             // Chars
  std::vector<NodeP> kids;  // Seq, Alt; Repeat: one
  uint32_t min = 0, max = 0;
  bool unbounded = false;  // Repeat: no maximum
};

NodeP make(Node n) { return std::make_shared<const Node>(std::move(n)); }
NodeP empty_node() { return make(Node{}); }
NodeP chars_node(Ranges r) { return make(Node{Node::Kind::Chars, std::move(r), {}, 0, 0, false}); }
NodeP list_node(Node::Kind kind, std::vector<NodeP> kids) {
  if (kids.empty()) return empty_node();
  if (kids.size() == 1) return kids[0];
  return make(Node{kind, {}, std::move(kids), 0, 0, false});
}
NodeP repeat_node(NodeP kid, uint32_t min, uint32_t max, bool unbounded) {
  return make(Node{Node::Kind::Repeat, {}, {std::move(kid)}, min, max, unbounded});
}
NodeP any_text() { return repeat_node(chars_node({{0, kLastCodePoint}}), 0, 0, true); }

bool nullable(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Empty:
      return true;
    case Node::Kind::Chars:
      return false;
    case Node::Kind::Seq:
      return std::all_of(n.kids.begin(), n.kids.end(), [](const NodeP& k) { return nullable(*k); });
    case Node::Kind::Alt:
      return std::any_of(n.kids.begin(), n.kids.end(), [](const NodeP& k) { return nullable(*k); });
    case Node::Kind::Repeat:
      return n.min == 0 || nullable(*n.kids[0]);
  }
  return true;
}

bool is_hex(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
uint32_t hex_value(uint32_t c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
bool is_ascii_alnum(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

Result<std::vector<uint32_t>> decode_utf8(std::string_view s) {
  std::vector<uint32_t> out;
  if (!utf8::decode_strict(s, out)) return Status::invalid_argument("the pattern is not valid UTF-8");
  return out;
}

std::string to_utf8(uint32_t cp) { return utf8::encode(cp); }

// ---- Parsing ---------------------------------------------------------------

class PatternParser {
 public:
  explicit PatternParser(std::vector<uint32_t> text) : p_(std::move(text)) {}

  // alternative ('|' alternative)*, each with its own anchors.
  Result<NodeP> parse() {
    std::vector<NodeP> alts;
    for (;;) {
      auto alt = parse_top_alternative();
      if (!alt) return alt;
      alts.push_back(*alt);
      if (at_end()) break;
      if (peek() != '|') return error("a ')' without its '('");
      ++pos_;
    }
    return list_node(Node::Kind::Alt, std::move(alts));
  }

 private:
  bool at_end() const { return pos_ >= p_.size(); }
  uint32_t peek(size_t ahead = 0) const { return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : kEnd; }
  Status error(const std::string& what) const {
    return Status::invalid_argument(what + " (at character " + std::to_string(pos_ + 1) + ")");
  }
  static std::string shown(uint32_t c) { return c == kEnd ? std::string("the end") : str_cat("'", to_utf8(c), "'"); }

  // Without '^' the match may start anywhere, without '$' end anywhere.
  Result<NodeP> parse_top_alternative() {
    const bool anchored_start = peek() == '^';
    if (anchored_start) ++pos_;
    auto body = parse_sequence(0);
    if (!body) return body;
    bool anchored_end = false;
    if (peek() == '$') {
      ++pos_;
      anchored_end = true;
      if (!at_end() && peek() != '|') return error("'$' is only supported at the end of the pattern");
    }
    std::vector<NodeP> parts;
    if (!anchored_start) parts.push_back(any_text());
    parts.push_back(*body);
    if (!anchored_end) parts.push_back(any_text());
    return list_node(Node::Kind::Seq, std::move(parts));
  }

  Result<NodeP> parse_alternation(int depth) {
    std::vector<NodeP> alts;
    for (;;) {
      auto seq = parse_sequence(depth);
      if (!seq) return seq;
      alts.push_back(*seq);
      if (peek() != '|') break;
      ++pos_;
    }
    return list_node(Node::Kind::Alt, std::move(alts));
  }

  Result<NodeP> parse_sequence(int depth) {
    std::vector<NodeP> items;
    while (!at_end()) {
      const uint32_t c = peek();
      if (c == '|' || c == ')') break;
      if (c == '$') {
        if (depth == 0) break;
        return error("'$' is only supported at the end of the pattern");
      }
      if (c == '^') return error("'^' is only supported at the start of the pattern");
      if (c == '*' || c == '+' || c == '?' || (c == '{' && quantifier_ahead()))
        return error(shown(c) + " follows nothing it could repeat");
      auto atom = parse_atom(depth);
      if (!atom) return atom;
      auto item = parse_quantifier(*atom);
      if (!item) return item;
      items.push_back(*item);
      const uint32_t next = peek();
      if (next == '*' || next == '+' || next == '?' || (next == '{' && quantifier_ahead()))
        return error(shown(next) + " follows a repetition (nothing to repeat)");
    }
    return list_node(Node::Kind::Seq, std::move(items));
  }

  // '{' digits (',' digits?)? '}' starts at pos_.
  bool quantifier_ahead() const {
    size_t i = pos_ + 1, digits = 0;
    while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') ++i, ++digits;
    if (digits == 0) return false;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') ++i;
    }
    return i < p_.size() && p_[i] == '}';
  }

  Result<uint32_t> parse_count() {
    uint64_t n = 0;
    while (peek() >= '0' && peek() <= '9') {
      n = n * 10 + (peek() - '0');
      if (n > kMaxRepetition) return error("a repetition count above " + std::to_string(kMaxRepetition));
      ++pos_;
    }
    return static_cast<uint32_t>(n);
  }

  Result<NodeP> parse_quantifier(const NodeP& atom) {
    uint32_t min = 0, max = 0;
    bool unbounded = false;
    const uint32_t c = peek();
    if (c == '*') {
      unbounded = true;
    } else if (c == '+') {
      min = 1, unbounded = true;
    } else if (c == '?') {
      max = 1;
    } else if (c == '{' && quantifier_ahead()) {
      ++pos_;
      auto m = parse_count();
      if (!m) return m.status();
      min = max = *m;
      if (peek() == ',') {
        ++pos_;
        if (peek() == '}') {
          unbounded = true;
        } else {
          auto n = parse_count();
          if (!n) return n.status();
          if (*n < min) return error("a repetition {m,n} whose n is below its m");
          max = *n;
        }
      }
    } else {
      return atom;
    }
    ++pos_;                     // the '*', '+', '?' or '}'
    if (peek() == '?') ++pos_;  // lazy: the same strings match
    return repeat_node(atom, min, max, unbounded);
  }

  Result<NodeP> parse_atom(int depth) {
    const uint32_t c = peek();
    if (c == '(') return parse_group(depth);
    if (c == '[') {
      auto set = parse_class();
      if (!set) return set.status();
      return chars_node(std::move(*set));
    }
    if (c == '.') {
      ++pos_;
      return chars_node(dot_set());
    }
    if (c == '\\') {
      auto set = parse_escape(false);
      if (!set) return set.status();
      return chars_node(std::move(*set));
    }
    if (c == '{') return error("a '{' that starts no repetition {m}, {m,} or {m,n} (write \\{ for the character)");
    ++pos_;
    return chars_node(one(c));
  }

  Result<NodeP> parse_group(int depth) {
    ++pos_;  // '('
    if (peek() == '?') {
      const uint32_t k = peek(1);
      if (k == ':') {
        pos_ += 2;
      } else if (k == '=' || k == '!' || (k == '<' && (peek(2) == '=' || peek(2) == '!'))) {
        return error("lookaround assertions ('(?=', '(?!', '(?<=', '(?<!') are not supported");
      } else if (k == '<') {
        pos_ += 2;
        while (!at_end() && peek() != '>') ++pos_;
        if (at_end()) return error("a group name '(?<' is not closed with '>'");
        ++pos_;
      } else {
        return error("the group syntax '(?" + (k == kEnd ? std::string() : to_utf8(k)) + "' is not supported");
      }
    }
    if (depth + 1 > kMaxPatternNesting)
      return error("groups nest deeper than " + std::to_string(kMaxPatternNesting) + " levels");
    auto inner = parse_alternation(depth + 1);
    if (!inner) return inner;
    if (peek() != ')') return error("a '(' is not closed");
    ++pos_;
    return inner;
  }

  // After '[': items up to ']', each a character, a range or a class escape.
  Result<Ranges> parse_class() {
    ++pos_;
    const bool negated = peek() == '^';
    if (negated) ++pos_;
    Ranges set;
    for (;;) {
      if (at_end()) return error("a '[' is not closed");
      if (peek() == ']') {
        ++pos_;
        break;
      }
      auto lo = parse_class_atom();
      if (!lo) return lo;
      if (peek() == '-' && peek(1) != ']' && peek(1) != kEnd) {
        ++pos_;
        auto hi = parse_class_atom();
        if (!hi) return hi;
        const bool singles =
            lo->size() == 1 && (*lo)[0].lo == (*lo)[0].hi && hi->size() == 1 && (*hi)[0].lo == (*hi)[0].hi;
        if (!singles) return error("a range in '[...]' must go from one character to another");
        if ((*hi)[0].lo < (*lo)[0].lo) return error("a range in '[...]' ends below its start");
        set.push_back({(*lo)[0].lo, (*hi)[0].lo});
      } else {
        set.insert(set.end(), lo->begin(), lo->end());
      }
    }
    set = normalized(std::move(set));
    if (negated) set = complement(set);
    if (set.empty()) return error("a character class that matches no character");
    return set;
  }

  Result<Ranges> parse_class_atom() {
    if (peek() == '\\') return parse_escape(true);
    const uint32_t c = peek();
    ++pos_;
    return one(c);
  }

  Result<uint32_t> parse_hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      if (!is_hex(peek())) return error("expected " + std::to_string(digits) + " hex digits in an escape");
      v = v * 16 + hex_value(peek());
      ++pos_;
    }
    return v;
  }

  // \uXXXX, joining a surrogate pair written as two escapes.
  Result<uint32_t> parse_unicode_escape() {
    auto u = parse_hex(4);
    if (!u) return u;
    if (*u >= 0xDC00 && *u <= 0xDFFF) return error("a lone low surrogate escape");
    if (*u < 0xD800 || *u > 0xDBFF) return u;
    if (peek() != '\\' || peek(1) != 'u') return error("a high surrogate escape without its low half");
    pos_ += 2;
    auto low = parse_hex(4);
    if (!low) return low;
    if (*low < 0xDC00 || *low > 0xDFFF) return error("a high surrogate escape without its low half");
    return 0x10000 + ((*u - 0xD800) << 10) + (*low - 0xDC00);
  }

  Result<Ranges> parse_escape(bool in_class) {
    ++pos_;  // '\'
    if (at_end()) return error("the pattern ends with a lone '\\'");
    const uint32_t c = peek();
    ++pos_;
    switch (c) {
      case 'd':
        return digit_set();
      case 'D':
        return complement(digit_set());
      case 'w':
        return word_set();
      case 'W':
        return complement(word_set());
      case 's':
        return space_set();
      case 'S':
        return complement(space_set());
      case 't':
        return one('\t');
      case 'n':
        return one('\n');
      case 'r':
        return one('\r');
      case 'f':
        return one('\f');
      case 'v':
        return one('\v');
      case '0':
        if (peek() >= '0' && peek() <= '9') return error("octal escapes are not supported");
        return one(0);
      case 'x': {
        auto v = parse_hex(2);
        if (!v) return v.status();
        return one(*v);
      }
      case 'u': {
        auto v = parse_unicode_escape();
        if (!v) return v.status();
        return one(*v);
      }
      case 'b':
        if (in_class) return one(0x08);
        return error("'\\b' (a word boundary) is not supported");
      case 'B':
        return error("'\\B' (a word boundary) is not supported");
      case 'k':
        return error("named backreferences ('\\k<...>') are not supported");
      case 'p':
      case 'P':
        return error("Unicode property escapes ('\\p{...}') are not supported");
      case 'c':
        return error("control escapes ('\\c') are not supported");
      default:
        break;
    }
    if (c >= '1' && c <= '9') return error("backreferences ('\\" + to_utf8(c) + "') are not supported");
    if (is_ascii_alnum(c)) return error("the escape '\\" + to_utf8(c) + "' is not supported");
    return one(c);  // an escaped punctuation or other character stands for itself
  }

  std::vector<uint32_t> p_;
  size_t pos_ = 0;
};

// ---- Writing ---------------------------------------------------------------

}  // namespace

std::string gbnf_class_char(uint32_t cp) {
  static const char* const kHex = "0123456789ABCDEF";
  if (is_ascii_alnum(cp)) return std::string(1, static_cast<char>(cp));
  std::string s = cp < 0x100 ? "\\x" : cp < 0x10000 ? "\\u" : "\\U";
  const int digits = cp < 0x100 ? 2 : cp < 0x10000 ? 4 : 8;
  for (int i = digits - 1; i >= 0; --i) s += kHex[(cp >> (4 * i)) & 0xF];
  return s;
}

namespace {

// A GBNF class for `set`, written as itself or as the negation of the rest,
// whichever is shorter.
std::string class_gbnf(const Ranges& set) {
  const Ranges rest = complement(set);
  const bool negate = rest.size() < set.size();
  std::string s = negate ? "[^" : "[";
  for (const CodeRange& r : negate ? rest : set) {
    s += gbnf_class_char(r.lo);
    if (r.hi != r.lo) s += str_cat("-", gbnf_class_char(r.hi));
  }
  return s + "]";
}

bool contains(const Ranges& set, uint32_t cp) {
  return std::any_of(set.begin(), set.end(), [cp](const CodeRange& r) { return cp >= r.lo && cp <= r.hi; });
}

// The JSON string text of one character of `set`: raw where JSON allows it,
// else its short escape, else \u00XX (lowercase hex).
std::string chars_gbnf(const Ranges& set) {
  if (set.size() == 1 && set[0].lo == 0 && set[0].hi == kLastCodePoint) return kAnyJsonChar;
  std::vector<std::string> parts;
  const Ranges raw = intersect(set, raw_json_set());
  if (!raw.empty()) parts.push_back(class_gbnf(raw));
  static const std::pair<uint32_t, const char*> kShort[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\t', "\\t"},
                                                            {'\n', "\\n"}, {'\f', "\\f"},  {'\r', "\\r"}};
  for (const auto& [cp, text] : kShort)
    if (contains(set, cp)) parts.push_back(gbnf_literal(text));
  static const char* const kLowerHex = "0123456789abcdef";
  for (uint32_t high = 0; high < 2; ++high) {
    std::string digits;
    for (uint32_t low = 0; low < 16; ++low) {
      const uint32_t cp = high * 16 + low;
      const bool has_short = cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r';
      if (!has_short && contains(set, cp)) digits += kLowerHex[low];
    }
    if (!digits.empty()) parts.push_back(str_cat("(", gbnf_literal(str_cat("\\u00", kLowerHex[high])), " [", digits, "])"));
  }
  if (parts.size() == 1) return parts[0];
  std::string s = "(";
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? " | " : " ") + parts[i];
  return s + " )";
}

std::string repetition_suffix(uint32_t min, uint32_t max, bool unbounded) {
  if (unbounded) return min == 0 ? "*" : min == 1 ? "+" : str_cat("{", std::to_string(min), ",}");
  if (min == 0 && max == 1) return "?";
  if (min == max) return min == 1 ? "" : str_cat("{", std::to_string(min), "}");
  return str_cat("{", std::to_string(min), ",", std::to_string(max), "}");
}

class GbnfWriter {
 public:
  Result<std::string> write(const NodeP& root) {
    std::string out = R"("\"" )";
    emit(root, false, out);
    out += R"( "\"")";
    if (too_big_ || out.size() > kMaxPatternGbnfBytes)
      return Status::invalid_argument("the pattern makes a grammar larger than " +
                                      std::to_string(kMaxPatternGbnfBytes) + " bytes");
    return out;
  }

 private:
  // `atom`: the text must be one GBNF item (a repetition suffix may follow).
  void emit(const NodeP& n, bool atom, std::string& out) {
    if (too_big_ || out.size() > kMaxPatternGbnfBytes) {
      too_big_ = true;
      return;
    }
    switch (n->kind) {
      case Node::Kind::Empty:
        out += "\"\"";
        return;
      case Node::Kind::Chars:
        out += chars_gbnf(n->chars);
        return;
      case Node::Kind::Seq:
        if (atom) out += "(";
        for (size_t i = 0; i < n->kids.size(); ++i) {
          if (i) out += " ";
          emit(n->kids[i], false, out);
        }
        if (atom) out += ")";
        return;
      case Node::Kind::Alt:
        out += "(";
        for (size_t i = 0; i < n->kids.size(); ++i) {
          if (i) out += " |";
          out += " ";
          emit(n->kids[i], false, out);
        }
        out += " )";
        return;
      case Node::Kind::Repeat:
        emit_repeat(*n, atom, out);
        return;
    }
  }

  void emit_repeat(const Node& n, bool atom, std::string& out) {
    NodeP kid = n.kids[0];
    uint32_t min = n.min;
    if (!n.unbounded && n.max == 0) {
      out += "\"\"";
      return;
    }
    if (nullable(*kid)) {  // X{m,n} = (X without "")){0,n} when X matches ""
      kid = nonempty(kid);
      min = 0;
      if (!kid) {
        out += "\"\"";
        return;
      }
    }
    const std::string suffix = repetition_suffix(min, n.max, n.unbounded);
    if (atom && !suffix.empty()) out += "(";
    emit(kid, true, out);
    out += suffix;
    if (atom && !suffix.empty()) out += ")";
  }

  // A node for the non-empty strings of `n`, or null when it has none.
  NodeP nonempty(const NodeP& n) {
    if (++made_ > kMaxTreeNodes) {
      too_big_ = true;
      return nullptr;
    }
    switch (n->kind) {
      case Node::Kind::Empty:
        return nullptr;
      case Node::Kind::Chars:
        return n;
      case Node::Kind::Alt: {
        std::vector<NodeP> alts;
        for (const NodeP& k : n->kids)
          if (NodeP ne = nonempty(k)) alts.push_back(ne);
        return alts.empty() ? nullptr : list_node(Node::Kind::Alt, std::move(alts));
      }
      case Node::Kind::Seq: {  // the first non-empty part is kids[i], all before it empty
        std::vector<NodeP> alts;
        for (size_t i = 0; i < n->kids.size(); ++i) {
          if (NodeP ne = nonempty(n->kids[i])) {
            std::vector<NodeP> seq{ne};
            seq.insert(seq.end(), n->kids.begin() + static_cast<long>(i) + 1, n->kids.end());
            alts.push_back(list_node(Node::Kind::Seq, std::move(seq)));
          }
          if (!nullable(*n->kids[i])) break;
        }
        return alts.empty() ? nullptr : list_node(Node::Kind::Alt, std::move(alts));
      }
      case Node::Kind::Repeat:
        return nonempty_repeat(*n);
    }
    return nullptr;
  }

  NodeP nonempty_repeat(const Node& n) {
    if (!n.unbounded && n.max == 0) return nullptr;
    NodeP kid = n.kids[0];
    uint32_t min = n.min;
    if (nullable(*kid)) {
      kid = nonempty(kid);
      if (!kid) return nullptr;
      min = 0;
    }
    if (min >= 1) return repeat_node(kid, min, n.max, n.unbounded);
    // kid matches no empty string: one kid, then up to max - 1 more
    if (n.unbounded) return list_node(Node::Kind::Seq, {kid, repeat_node(kid, 0, 0, true)});
    if (n.max == 1) return kid;
    return list_node(Node::Kind::Seq, {kid, repeat_node(kid, 0, n.max - 1, false)});
  }

  size_t made_ = 0;
  bool too_big_ = false;
};

}  // namespace

Result<std::string> pattern_to_gbnf(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes)
    return Status::invalid_argument("the pattern is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  auto text = decode_utf8(pattern);
  if (!text) return text.status();
  auto tree = PatternParser(std::move(*text)).parse();
  if (!tree) return tree.status();
  return GbnfWriter().write(*tree);
}

}  // namespace pg::grammar
