// UTF-8 and code point helpers for the Jinja interpreter: Python's str works on
// code points, our strings are UTF-8 bytes. Decoding is lossless: a byte that is
// not valid UTF-8 becomes the lone surrogate U+DC80+byte (Python's
// "surrogateescape") and encodes back to the same byte. The character classes
// and case mappings cover ASCII, Latin, Greek, Cyrillic, Armenian and the common
// CJK/Indic letter blocks; they approximate Python's full Unicode tables and
// must never be used for anything that needs exact Unicode data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pg::jinja::text {

std::u32string decode(std::string_view utf8);
std::string encode(std::u32string_view cps);
void append_utf8(std::string& out, char32_t cp);

bool is_ascii(std::string_view s);
size_t codepoint_count(std::string_view s);

// Python str.isspace() (also what str.strip() and re's \s remove).
bool is_space(char32_t c);
// The line boundaries of Python str.splitlines() (\r\n is handled by callers).
bool is_line_break(char32_t c);
bool is_alpha(char32_t c);
bool is_decimal(char32_t c);
bool is_digit(char32_t c);
bool is_numeric(char32_t c);
bool is_alnum(char32_t c);
bool is_word_char(char32_t c);  // re's \w: alnum or underscore
bool is_upper(char32_t c);
bool is_lower(char32_t c);
bool is_cased(char32_t c);
bool is_printable(char32_t c);  // repr() prints it as is

char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);

// Whole-string conversions with Python's semantics (ß upper-cases to "SS").
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string swapcase(std::string_view s);
std::string capitalize(std::string_view s);  // str.capitalize()
std::string title(std::string_view s);       // str.title()

}  // namespace pg::jinja::text
