// JSON Schema's `pattern` (an ECMA-262 regular expression) as GBNF: an
// expression matching the JSON string literals, quotes included, whose
// decoded text the pattern matches. Supported: literals, escapes, `.`,
// classes (`[a-z]`, `[^...]`, `\d \w \s` and their negations), groups
// (plain, `(?:...)`, named), alternation, quantifiers (`* + ? {m} {m,}
// {m,n}`, lazy forms too) and `^`/`$` at the start/end of a top-level
// alternative (without them the match may sit anywhere in the string, as
// JSON Schema says). Each character is written in one JSON form (raw where
// JSON allows it, else its short or \u00XX escape), so the grammar may be
// tighter than the pattern but never looser. Everything else (lookaround,
// backreferences, \b, \p{...}, anchors inside) is refused with
// invalid_argument. Never matches text and never recurses without bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace pg::grammar {

// Limits on what a pattern may make: its size, group nesting and the GBNF written.
inline constexpr size_t kMaxPatternBytes = 4096;
inline constexpr int kMaxPatternNesting = 32;
inline constexpr size_t kMaxPatternGbnfBytes = 64 * 1024;

// One GBNF expression (parenthesized where needed, so it can stand in a
// sequence) for the JSON string literals whose value `pattern` matches.
// invalid_argument saying what in the pattern is wrong or unsupported.
Result<std::string> pattern_to_gbnf(std::string_view pattern);

// One code point as GBNF text inside a character class: ASCII letters and
// digits as themselves, anything else as \xHH, \uHHHH or \UHHHHHHHH.
std::string gbnf_class_char(uint32_t code_point);

}  // namespace pg::grammar
