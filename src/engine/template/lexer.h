// The Jinja2 lexer with Hugging Face's settings: default delimiters, trim_blocks
// and lstrip_blocks on, `{%-`/`-%}`/`{%+`/`+%}` whitespace control, comments
// and raw blocks, following the regular expressions of Jinja2's own lexer so
// that the whitespace of the output matches byte for byte. It only produces
// tokens; it must never interpret them (the parser does that).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg::jinja {

enum class TokenType : uint8_t {
  Data,           // template text (already whitespace-controlled)
  VariableBegin,  // {{
  VariableEnd,    // }}
  BlockBegin,     // {%
  BlockEnd,       // %}
  Name,
  String,   // text holds the unescaped value
  Integer,  // int_value
  Float,    // float_value
  Operator,  // text holds the operator, e.g. "==" or "("
  Eof,
};

struct Token {
  TokenType type = TokenType::Eof;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  uint32_t offset = 0;  // byte offset in the normalized source

  bool is_op(std::string_view op) const { return type == TokenType::Operator && text == op; }
  bool is_name(std::string_view name) const { return type == TokenType::Name && text == name; }
};

// What Jinja2 does to a template before lexing: \r\n and \r become \n, and one
// trailing newline is removed (keep_trailing_newline=False).
std::string normalize_template_source(std::string_view source);

// Tokenizes a normalized source. Throws TemplateError (Syntax) with the offset
// of the problem. The last token is always Eof.
std::vector<Token> tokenize(std::string_view normalized_source);

// Human-readable description of a token for error messages: "end of print
// statement", "'}'", "name 'foo'" ...
std::string describe_token(const Token& t);

}  // namespace pg::jinja
