// The GBNF parser; see gbnf.h. Follows llama.cpp's grammar syntax: rules
// `name ::= alternatives`, one per line (newlines are allowed after `::=`,
// after `|` and inside parentheses), `#` comments, literals with escapes,
// character classes, `.`, groups and repetition suffixes.
#include "engine/grammar/gbnf.h"
#include "engine/tokenizer/utf8.h"

#include <map>
#include <optional>

namespace pg::grammar {
namespace {

constexpr size_t kMaxElements = 1 << 21;  // all rules together, after rewriting

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Grammar> parse() {
    skip_space(true);
    while (!at_end()) {
      if (Status s = parse_rule(); !s) return s;
      skip_space(true);
    }
    for (size_t i = 0; i < g_.rules.size(); ++i)
      if (!defined_[i]) return error_at(first_use_[i], "rule '" + g_.rules[i].name + "' is used but never defined");
    auto root = index_.find("root");
    if (root == index_.end() || !defined_[root->second])
      return Status::invalid_argument("the grammar has no 'root' rule (the rule generation starts from)", "invalid_grammar");
    g_.root = root->second;
    return std::move(g_);
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  Status error_at(size_t at, const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line, col = 1;
      else ++col;
    }
    return Status::invalid_argument("grammar line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + what,
                                    "invalid_grammar");
  }
  Status error(const std::string& what) const { return error_at(pos_, what); }

  // Spaces, tabs and comments; newlines too when `newlines`.
  void skip_space(bool newlines) {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n' && peek() != '\r') ++pos_;
      } else if (newlines && (c == '\n' || c == '\r')) {
        ++pos_;
      } else {
        break;
      }
    }
  }

  static bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  std::string parse_name() {
    const size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<uint32_t> rule_index(const std::string& name, size_t used_at) {
    if (auto it = index_.find(name); it != index_.end()) return it->second;
    return add_rule(name, used_at);
  }

  Result<uint32_t> add_rule(std::string name, size_t at) {
    if (g_.rules.size() >= kMaxRules) return error_at(at, "more than " + std::to_string(kMaxRules) + " rules");
    const uint32_t id = static_cast<uint32_t>(g_.rules.size());
    g_.rules.push_back(Rule{name, {}});
    defined_.push_back(false);
    first_use_.push_back(at);
    index_.emplace(std::move(name), id);
    return id;
  }

  Result<uint32_t> generated_rule(const std::string& parent, std::vector<Sequence> alternatives) {
    std::string name;
    do name = parent + "_" + std::to_string(++generated_);
    while (index_.count(name));
    auto id = add_rule(name, pos_);
    if (!id) return id;
    g_.rules[*id].alternatives = std::move(alternatives);
    defined_[*id] = true;
    return id;
  }

  Status count(size_t n) {
    elements_ += n;
    if (elements_ > kMaxElements) return error("the grammar grows past " + std::to_string(kMaxElements) + " elements");
    return Status::ok();
  }

  Status parse_rule() {
    const size_t at = pos_;
    const std::string name = parse_name();
    if (name.empty()) return error("expected a rule name");
    skip_space(false);
    if (text_.substr(pos_, 3) != "::=") return error("expected '::=' after rule name '" + name + "'");
    pos_ += 3;
    skip_space(true);
    auto id = rule_index(name, at);
    if (!id) return id.status();
    if (defined_[*id]) return error_at(at, "rule '" + name + "' is defined twice");
    defined_[*id] = true;
    auto alts = parse_alternatives(name, 0);
    if (!alts) return alts.status();
    g_.rules[*id].alternatives = std::move(*alts);
    if (peek() == '\r') ++pos_;
    if (peek() == '\n') ++pos_;
    else if (!at_end()) return error("expected the end of the line after rule '" + name + "'");
    return Status::ok();
  }

  Result<std::vector<Sequence>> parse_alternatives(const std::string& rule, int depth) {
    if (depth > kMaxNesting) return error("groups nest deeper than " + std::to_string(kMaxNesting) + " levels");
    std::vector<Sequence> alts;
    for (;;) {
      auto seq = parse_sequence(rule, depth);
      if (!seq) return seq.status();
      alts.push_back(std::move(*seq));
      if (peek() != '|') break;
      ++pos_;
      skip_space(true);
    }
    return alts;
  }

  Result<Sequence> parse_sequence(const std::string& rule, int depth) {
    Sequence seq;
    size_t item_start = 0;
    bool have_item = false;
    while (!at_end()) {
      const char c = peek();
      if (c == '"') {
        ++pos_;
        item_start = seq.size(), have_item = true;
        while (peek() != '"') {
          if (at_end()) return error("a string literal is not closed");
          auto cp = parse_char();
          if (!cp) return cp.status();
          if (Status s = count(1); !s) return s;
          seq.push_back(single(*cp));
        }
        ++pos_;
      } else if (c == '[') {
        ++pos_;
        Element e;
        if (peek() == '^') e.negated = true, ++pos_;
        while (peek() != ']') {
          if (at_end()) return error("a character class is not closed");
          auto lo = parse_char();
          if (!lo) return lo.status();
          uint32_t hi = *lo;
          if (peek() == '-' && peek(1) != ']' && pos_ + 1 < text_.size()) {
            ++pos_;
            auto h = parse_char();
            if (!h) return h.status();
            if (*h < *lo) return error("a character range ends below its start");
            hi = *h;
          }
          e.ranges.push_back({*lo, hi});
        }
        ++pos_;
        if (Status s = count(1); !s) return s;
        item_start = seq.size(), have_item = true;
        seq.push_back(std::move(e));
      } else if (c == '.') {
        ++pos_;
        Element any;
        any.negated = true;  // outside no range: any code point
        if (Status s = count(1); !s) return s;
        item_start = seq.size(), have_item = true;
        seq.push_back(std::move(any));
      } else if (is_name_char(c)) {
        const size_t at = pos_;
        const std::string name = parse_name();
        skip_space(depth > 0);
        if (text_.substr(pos_, 3) == "::=") {  // the next rule starts: this line ended without a newline
          pos_ = at;
          return error("expected the end of the line before rule '" + name + "'");
        }
        auto id = rule_index(name, at);
        if (!id) return id.status();
        if (Status s = count(1); !s) return s;
        item_start = seq.size(), have_item = true;
        seq.push_back(reference(*id));
        continue;  // space already skipped
      } else if (c == '(') {
        ++pos_;
        skip_space(true);
        auto alts = parse_alternatives(rule, depth + 1);
        if (!alts) return alts.status();
        if (peek() != ')') return error("expected ')' to close a group");
        ++pos_;
        auto id = generated_rule(rule, std::move(*alts));
        if (!id) return id.status();
        if (Status s = count(1); !s) return s;
        item_start = seq.size(), have_item = true;
        seq.push_back(reference(*id));
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (!have_item) return error(std::string("'") + c + "' follows nothing it could repeat");
        if (Status s = parse_repetition(rule, seq, item_start); !s) return s;
        have_item = false;
      } else {
        break;  // '|', ')', a newline, or something the caller judges
      }
      skip_space(depth > 0);
    }
    return seq;
  }

  // Rewrites seq[item_start..] with the repetition at pos_.
  Status parse_repetition(const std::string& rule, Sequence& seq, size_t item_start) {
    uint32_t min = 0, max = 0;
    bool unbounded = false;
    const char c = peek();
    ++pos_;
    if (c == '*') unbounded = true;
    else if (c == '+') min = 1, unbounded = true;
    else if (c == '?') max = 1;
    else {
      skip_space(true);
      auto m = parse_count();
      if (!m) return m.status();
      min = max = *m;
      skip_space(true);
      if (peek() == ',') {
        ++pos_;
        skip_space(true);
        if (peek() == '}') {
          unbounded = true;
        } else {
          auto n = parse_count();
          if (!n) return n.status();
          if (*n < min) return error("a repetition's maximum is below its minimum");
          max = *n;
        }
        skip_space(true);
      }
      if (peek() != '}') return error("expected '}' to close a repetition");
      ++pos_;
    }
    // The repeated item as one element.
    Sequence item(seq.begin() + static_cast<long>(item_start), seq.end());
    seq.resize(item_start);
    Element one;
    if (item.size() == 1) {
      one = item[0];
    } else {
      auto id = generated_rule(rule, {item});
      if (!id) return id.status();
      one = reference(*id);
    }
    if (Status s = count(static_cast<size_t>(min) + 2); !s) return s;
    for (uint32_t i = 0; i < min; ++i) seq.push_back(one);
    if (unbounded) {
      // star ::= one star | (empty)
      auto id = add_placeholder(rule);
      if (!id) return id.status();
      g_.rules[*id].alternatives = {Sequence{one, reference(*id)}, Sequence{}};
      seq.push_back(reference(*id));
    } else if (max > min) {
      // opt_1 ::= one | (empty); opt_k ::= one opt_(k-1) | (empty)
      if (Status s = count(static_cast<size_t>(max - min) * 2); !s) return s;
      std::optional<uint32_t> inner;
      for (uint32_t k = 0; k < max - min; ++k) {
        Sequence first{one};
        if (inner) first.push_back(reference(*inner));
        auto id = generated_rule(rule, {first, Sequence{}});
        if (!id) return id.status();
        inner = *id;
      }
      seq.push_back(reference(*inner));
    }
    return Status::ok();
  }

  Result<uint32_t> add_placeholder(const std::string& rule) { return generated_rule(rule, {}); }

  Result<uint32_t> parse_count() {
    if (!(peek() >= '0' && peek() <= '9')) return error("expected a number in a repetition");
    uint64_t n = 0;
    while (peek() >= '0' && peek() <= '9') {
      n = n * 10 + static_cast<uint64_t>(peek() - '0');
      if (n > kMaxRepetition) return error("a repetition count above " + std::to_string(kMaxRepetition));
      ++pos_;
    }
    return static_cast<uint32_t>(n);
  }

  // One code point of a literal or class: UTF-8, or an escape.
  Result<uint32_t> parse_char() {
    const unsigned char c = static_cast<unsigned char>(peek());
    if (c == '\\') {
      ++pos_;
      const char e = peek();
      ++pos_;
      switch (e) {
        case 'x': return parse_hex(2);
        case 'u': return parse_hex(4);
        case 'U': return parse_hex(8);
        case 't': return uint32_t{'\t'};
        case 'r': return uint32_t{'\r'};
        case 'n': return uint32_t{'\n'};
        case '\\': case '"': case '[': case ']': return static_cast<uint32_t>(e);
        default:
          --pos_;
          return error(std::string("unknown escape '\\") + (e ? std::string(1, e) : std::string()) + "'");
      }
    }
    if (c < 0x80) {
      ++pos_;
      return uint32_t{c};
    }
    const int n = utf8::strict_sequence(text_.substr(pos_));
    if (n <= 0) return error("invalid UTF-8");
    size_t at = pos_;
    const uint32_t cp = utf8::decode_one(text_, at);
    pos_ += static_cast<size_t>(n);
    return cp;
  }

  Result<uint32_t> parse_hex(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      const char h = peek();
      int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (d < 0) return error("expected " + std::to_string(digits) + " hex digits in an escape");
      v = v * 16 + static_cast<uint32_t>(d);
      ++pos_;
    }
    if (v > 0x10FFFF) return error("an escape beyond U+10FFFF");
    return v;
  }

  static Element single(uint32_t cp) {
    Element e;
    e.ranges.push_back({cp, cp});
    return e;
  }
  static Element reference(uint32_t rule) {
    Element e;
    e.kind = Element::Kind::Rule;
    e.rule = rule;
    return e;
  }

  std::string_view text_;
  size_t pos_ = 0;
  Grammar g_;
  std::map<std::string, uint32_t> index_;
  std::vector<bool> defined_;
  std::vector<size_t> first_use_;
  size_t generated_ = 0;
  size_t elements_ = 0;
};

}  // namespace

Result<Grammar> parse_gbnf(std::string_view text) {
  if (text.size() > kMaxGrammarBytes)
    return Status::invalid_argument("the grammar is larger than " + std::to_string(kMaxGrammarBytes) + " bytes",
                                    "invalid_grammar");
  return Parser(text).parse();
}

}  // namespace pg::grammar
