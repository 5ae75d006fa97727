// The Jinja2 lexer (see lexer.h). The rules mirror jinja2/lexer.py: the root
// state looks for the earliest `{{`, `{%` or `{#` (a `{% raw %}` first), applies
// `-`/`+`/lstrip_blocks to the text before it, and each tag state consumes
// tokens until its end delimiter, which trim_blocks may extend by one newline.
#include "engine/template/lexer.h"

#include <cmath>
#include <cstdlib>

#include "engine/template/lookup_table.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

[[noreturn]] void syntax_error(std::string message, size_t offset) {
  throw TemplateError(TemplateError::Kind::Syntax, std::move(message), static_cast<uint32_t>(offset));
}

// Length of the whitespace character (Python's \s) at `pos`, or 0.
size_t space_at(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return text::is_space(b) ? 1 : 0;
  size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
  if (pos + len > s.size()) return 0;
  const std::u32string cp = text::decode(s.substr(pos, len));
  return cp.size() == 1 && text::is_space(cp[0]) ? len : 0;
}

size_t skip_spaces(std::string_view s, size_t pos) {
  while (size_t n = space_at(s, pos)) pos += n;
  return pos;
}

// Python's str.rstrip() (Unicode whitespace).
std::string_view rstrip(std::string_view s) {
  std::u32string cps = text::decode(s);
  size_t end = cps.size();
  while (end > 0 && text::is_space(cps[end - 1])) --end;
  size_t bytes = 0;
  for (size_t i = 0; i < end; ++i) {
    std::string tmp;
    text::append_utf8(tmp, cps[i]);
    bytes += tmp.size();
  }
  return s.substr(0, bytes);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// (\d+_)*\d+ at pos: returns the end or pos when absent.
size_t match_digits(std::string_view s, size_t pos, bool (*is_ok)(char)) {
  size_t i = pos;
  if (i >= s.size() || !is_ok(s[i])) return pos;
  while (i < s.size() && is_ok(s[i])) ++i;
  while (i + 1 < s.size() && s[i] == '_' && is_ok(s[i + 1])) {
    ++i;
    while (i < s.size() && is_ok(s[i])) ++i;
  }
  return i;
}

bool is_bin(char c) { return c == '0' || c == '1'; }
bool is_oct(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_zero(char c) { return c == '0'; }

// Jinja's float_re; returns the end or pos.
size_t match_float(std::string_view s, size_t pos) {
  if (pos > 0 && s[pos - 1] == '.') return pos;
  const size_t int_end = match_digits(s, pos, is_digit);
  if (int_end == pos) return pos;
  size_t frac_end = int_end;
  if (int_end < s.size() && s[int_end] == '.') {
    const size_t e = match_digits(s, int_end + 1, is_digit);
    if (e > int_end + 1) frac_end = e;
  }
  if (frac_end < s.size() && (s[frac_end] == 'e' || s[frac_end] == 'E')) {
    size_t i = frac_end + 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t e = match_digits(s, i, is_digit);
    if (e > i) return e;
  }
  return frac_end > int_end ? frac_end : pos;
}

// (_?X)+ after a prefix.
size_t match_prefixed(std::string_view s, size_t i, bool (*is_ok)(char)) {
  const size_t start = i;
  while (true) {
    size_t j = i;
    if (j < s.size() && s[j] == '_') ++j;
    if (j < s.size() && is_ok(s[j])) i = j + 1;
    else break;
  }
  return i > start ? i : start;
}

// Jinja's integer_re; returns the end or pos.
size_t match_integer(std::string_view s, size_t pos) {
  if (pos >= s.size() || !is_digit(s[pos])) return pos;
  if (s[pos] == '0' && pos + 1 < s.size()) {
    const char p = static_cast<char>(s[pos + 1] | 0x20);
    bool (*ok)(char) = p == 'b' ? is_bin : p == 'o' ? is_oct : p == 'x' ? is_hex : nullptr;
    if (ok) {
      const size_t e = match_prefixed(s, pos + 2, ok);
      if (e > pos + 2) return e;
    }
  }
  if (s[pos] == '0') return match_prefixed(s, pos + 1, is_zero);
  return match_prefixed(s, pos + 1, is_digit);
}

bool is_name_start(std::string_view s, size_t pos, size_t& len) {
  const auto b = static_cast<unsigned char>(s[pos]);
  len = 1;
  if (b < 0x80) return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
  len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
  if (pos + len > s.size()) return false;
  const std::u32string cp = text::decode(s.substr(pos, len));
  return cp.size() == 1 && text::is_word_char(cp[0]);
}

size_t match_name(std::string_view s, size_t pos) {
  size_t len;
  if (!is_name_start(s, pos, len)) return pos;
  size_t i = pos + len;
  while (i < s.size()) {
    if (is_digit(s[i])) {
      ++i;
      continue;
    }
    if (!is_name_start(s, i, len)) break;
    i += len;
  }
  return i;
}

// Python's one-letter string escapes: `\n` stands for a newline, and so on.
constexpr TableEntry<char, char> kSimpleEscapes[] = {
    {'\\', '\\'}, {'\'', '\''}, {'"', '"'}, {'a', '\a'}, {'b', '\b'},
    {'f', '\f'}, {'n', '\n'}, {'r', '\r'}, {'t', '\t'}, {'v', '\v'},
};

// Python's unicode-escape decoding of a string literal body.
std::string unescape(std::string_view body, size_t offset) {
  std::string out;
  size_t i = 0;
  auto hex_value = [&](size_t start, size_t count, const char* what) -> char32_t {
    if (start + count > body.size()) syntax_error(std::string("truncated ") + what + " escape in string literal", offset);
    char32_t v = 0;
    for (size_t k = 0; k < count; ++k) {
      const char c = body[start + k];
      if (!is_hex(c)) syntax_error(std::string("truncated ") + what + " escape in string literal", offset);
      v = v * 16 + static_cast<char32_t>(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
  };
  while (i < body.size()) {
    const char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      out += c;
      ++i;
      continue;
    }
    const char e = body[i + 1];
    i += 2;
    if (const char* unescaped = find_in_table(kSimpleEscapes, e)) {
      out += *unescaped;
      continue;
    }
    switch (e) {
      case '\n': break;
      case 'x': text::append_utf8(out, hex_value(i, 2, "\\xXX")); i += 2; break;
      case 'u': text::append_utf8(out, hex_value(i, 4, "\\uXXXX")); i += 4; break;
      case 'U': {
        const char32_t v = hex_value(i, 8, "\\UXXXXXXXX");
        if (v > 0x10FFFF) syntax_error("illegal Unicode character in string literal", offset);
        text::append_utf8(out, v);
        i += 8;
        break;
      }
      case 'N': syntax_error("\\N{...} escapes are not supported in string literals", offset);
      default:
        if (is_oct(e)) {
          char32_t v = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i < body.size() && is_oct(body[i]); ++k, ++i) v = v * 8 + static_cast<char32_t>(body[i] - '0');
          text::append_utf8(out, v);
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

constexpr std::string_view kOperators2[] = {"//", "**", "==", "!=", ">=", "<="};
constexpr std::string_view kOperators1 = "+-/*%~[](){}><=.:|,;";

class Lexer {
 public:
  explicit Lexer(std::string_view src) : s_(src) {}

  std::vector<Token> run() {
    while (pos_ < s_.size()) root_step();
    Token eof;
    eof.type = TokenType::Eof;
    eof.offset = static_cast<uint32_t>(s_.size());
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  enum class TagKind { Comment, Block, Variable, Raw };

  void emit(TokenType type, std::string text, size_t offset) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.offset = static_cast<uint32_t>(offset);
    tokens_.push_back(std::move(t));
  }

  // `{%(-|+|)\s*raw\s*(-%}\s*|%})` at p: returns the end or 0.
  size_t match_raw_begin(size_t p, char& sign) const {
    size_t i = p + 2;
    sign = 0;
    if (i < s_.size() && (s_[i] == '-' || s_[i] == '+')) sign = s_[i++];
    i = skip_spaces(s_, i);
    if (s_.compare(i, 3, "raw") != 0) return 0;
    i = skip_spaces(s_, i + 3);
    if (s_.compare(i, 3, "-%}") == 0) return skip_spaces(s_, i + 3);
    if (s_.compare(i, 2, "%}") == 0) return i + 2;
    return 0;
  }

  // Applies `-` / lstrip_blocks to the text before a tag.
  std::string_view strip_before(std::string_view text, char sign, bool is_variable) const {
    if (sign == '-') return rstrip(text);
    if (sign == '+' || is_variable) return text;
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
    if (l_pos > 0 || line_starting_) {
      bool only_blank = true;
      for (size_t i = l_pos; i < text.size(); ++i)
        if (text[i] != ' ' && text[i] != '\t') only_blank = false;
      if (only_blank) return text.substr(0, l_pos);
    }
    return text;
  }

  void emit_data(std::string_view text, size_t offset) {
    if (!text.empty()) emit(TokenType::Data, std::string(text), offset);
  }

  void root_step() {
    size_t p = pos_;
    TagKind kind = TagKind::Block;
    while (true) {
      p = s_.find('{', p);
      if (p == std::string_view::npos || p + 1 >= s_.size()) {
        emit_data(s_.substr(pos_), pos_);
        pos_ = s_.size();
        return;
      }
      const char c = s_[p + 1];
      if (c == '%' || c == '{' || c == '#') {
        kind = c == '%' ? TagKind::Block : c == '{' ? TagKind::Variable : TagKind::Comment;
        break;
      }
      ++p;
    }
    char sign = 0;
    size_t raw_end = 0;
    if (kind == TagKind::Block) {
      raw_end = match_raw_begin(p, sign);
      if (raw_end) kind = TagKind::Raw;
    }
    if (kind != TagKind::Raw && p + 2 < s_.size() && (s_[p + 2] == '-' || s_[p + 2] == '+')) sign = s_[p + 2];
    emit_data(strip_before(s_.substr(pos_, p - pos_), sign, kind == TagKind::Variable), pos_);
    switch (kind) {
      case TagKind::Raw: raw_block(p, raw_end); break;
      case TagKind::Comment: comment(p, p + 2 + (sign ? 1 : 0)); break;
      case TagKind::Block:
      case TagKind::Variable: tag(p, p + 2 + (sign ? 1 : 0), kind == TagKind::Block); break;
    }
  }

  void raw_block(size_t begin, size_t body_start) {
    line_starting_ = s_[body_start - 1] == '\n';
    size_t q = body_start;
    while (true) {
      q = s_.find("{%", q);
      if (q == std::string_view::npos) syntax_error("Missing end of raw directive", begin);
      size_t i = q + 2;
      char sign = 0;
      if (i < s_.size() && (s_[i] == '-' || s_[i] == '+')) sign = s_[i++];
      i = skip_spaces(s_, i);
      if (s_.compare(i, 6, "endraw") == 0) {
        i = skip_spaces(s_, i + 6);
        size_t end = 0;
        if (s_.compare(i, 3, "+%}") == 0) end = i + 3;
        else if (s_.compare(i, 3, "-%}") == 0) end = skip_spaces(s_, i + 3);
        else if (s_.compare(i, 2, "%}") == 0) end = i + 2 + ((i + 2 < s_.size() && s_[i + 2] == '\n') ? 1 : 0);
        if (end) {
          emit_data(strip_before(s_.substr(body_start, q - body_start), sign, false), body_start);
          pos_ = end;
          line_starting_ = s_[end - 1] == '\n';
          return;
        }
      }
      q += 2;
    }
  }

  // The comment ends at the first `#}`; a `-` or `+` right before it (but not
  // the opening tag's own sign) is its whitespace control.
  void comment(size_t begin, size_t body_start) {
    const size_t q = s_.find("#}", body_start);
    if (q == std::string_view::npos) syntax_error("Missing end of comment tag", begin);
    size_t end;
    if (q > body_start && s_[q - 1] == '-') end = skip_spaces(s_, q + 2);
    else if (q > body_start && s_[q - 1] == '+') end = q + 2;
    else end = q + 2 + ((q + 2 < s_.size() && s_[q + 2] == '\n') ? 1 : 0);
    pos_ = end;
    line_starting_ = s_[end - 1] == '\n';
  }

  // Inside {% ... %} or {{ ... }}.
  void tag(size_t begin, size_t start, bool is_block) {
    emit(is_block ? TokenType::BlockBegin : TokenType::VariableBegin, "", begin);
    size_t i = start;
    std::vector<char> balance;
    while (true) {
      if (i >= s_.size()) {
        pos_ = i;
        return;  // the parser reports the missing end
      }
      if (balance.empty()) {
        size_t end = 0;
        if (is_block) {
          if (s_.compare(i, 3, "+%}") == 0) end = i + 3;
          else if (s_.compare(i, 3, "-%}") == 0) end = skip_spaces(s_, i + 3);
          else if (s_.compare(i, 2, "%}") == 0) end = i + 2 + ((i + 2 < s_.size() && s_[i + 2] == '\n') ? 1 : 0);
        } else {
          if (s_.compare(i, 3, "-}}") == 0) end = skip_spaces(s_, i + 3);
          else if (s_.compare(i, 2, "}}") == 0) end = i + 2;
        }
        if (end) {
          emit(is_block ? TokenType::BlockEnd : TokenType::VariableEnd, "", i);
          pos_ = end;
          line_starting_ = s_[end - 1] == '\n';
          return;
        }
      }
      if (size_t n = space_at(s_, i)) {
        i += n;
        continue;
      }
      if (size_t e = match_float(s_, i); e > i) {
        std::string digits;
        for (size_t k = i; k < e; ++k)
          if (s_[k] != '_') digits += s_[k];
        Token t;
        t.type = TokenType::Float;
        t.offset = static_cast<uint32_t>(i);
        t.float_value = std::strtod(digits.c_str(), nullptr);
        t.text = std::string(s_.substr(i, e - i));
        tokens_.push_back(std::move(t));
        i = e;
        continue;
      }
      if (size_t e = match_integer(s_, i); e > i) {
        std::string digits;
        for (size_t k = i; k < e; ++k)
          if (s_[k] != '_') digits += s_[k];
        int64_t value = 0;
        bool parsed = false;
        try {
          parsed = py::parse_int(digits, 0, value) || py::parse_int(digits, 10, value);
        } catch (const TemplateError&) {
          syntax_error("integer literal " + digits + " does not fit in 64 bits", i);
        }
        if (!parsed) syntax_error("invalid integer literal '" + digits + "'", i);
        Token t;
        t.type = TokenType::Integer;
        t.offset = static_cast<uint32_t>(i);
        t.int_value = value;
        t.text = std::string(s_.substr(i, e - i));
        tokens_.push_back(std::move(t));
        i = e;
        continue;
      }
      if (size_t e = match_name(s_, i); e > i) {
        emit(TokenType::Name, std::string(s_.substr(i, e - i)), i);
        i = e;
        continue;
      }
      const char c = s_[i];
      if (c == '\'' || c == '"') {
        size_t j = i + 1;
        while (j < s_.size() && s_[j] != c) j += s_[j] == '\\' ? 2 : 1;
        if (j >= s_.size()) syntax_error(std::string("unexpected char ") + (c == '\'' ? "\"'\"" : "'\"'") +
                                             " (unterminated string literal)", i);
        emit(TokenType::String, unescape(s_.substr(i + 1, j - i - 1), i), i);
        i = j + 1;
        continue;
      }
      std::string op;
      for (std::string_view two : kOperators2)
        if (s_.compare(i, 2, two) == 0) op = two;
      if (op.empty() && kOperators1.find(c) != std::string_view::npos) op = std::string(1, c);
      if (op.empty()) {
        std::string shown;
        const std::u32string cp = text::decode(s_.substr(i, 4));
        if (!cp.empty()) text::append_utf8(shown, cp[0]);
        syntax_error("unexpected char " + py::string_repr(shown) + " at " + std::to_string(i), i);
      }
      if (op == "(" || op == "[" || op == "{") {
        balance.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
        if (balance.size() > 1000) syntax_error("brackets nested too deeply", i);
      } else if (op == ")" || op == "]" || op == "}") {
        if (balance.empty()) syntax_error("unexpected '" + op + "'", i);
        const char expected = balance.back();
        balance.pop_back();
        if (expected != op[0])
          syntax_error("unexpected '" + op + "', expected '" + std::string(1, expected) + "'", i);
      }
      emit(TokenType::Operator, op, i);
      i += op.size();
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::string normalize_template_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<Token> tokenize(std::string_view normalized_source) { return Lexer(normalized_source).run(); }

std::string describe_token(const Token& t) {
  switch (t.type) {
    case TokenType::Data: return "template data";
    case TokenType::VariableBegin: return "begin of print statement";
    case TokenType::VariableEnd: return "end of print statement";
    case TokenType::BlockBegin: return "begin of statement block";
    case TokenType::BlockEnd: return "end of statement block";
    case TokenType::Name: return t.text;
    case TokenType::String: return "string";
    case TokenType::Integer: return "integer";
    case TokenType::Float: return "float";
    case TokenType::Operator: return t.text;
    case TokenType::Eof: return "end of template";
  }
  return "token";
}

}  // namespace pg::jinja
