// Parsing JSON text that someone else wrote (request bodies, provider replies,
// upload fields, tokens) without letting its shape hurt us. A cheap linear scan
// refuses text that nests arrays/objects deeper than a limit BEFORE nlohmann
// parses it (deep values overflow the stack in dump(), copies and our readers),
// and every exception nlohmann can throw (syntax, numbers too large for a
// double) becomes an error Result. Never throws, never recurses on the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace pg {

// The deepest nesting of arrays and objects accepted: 512 levels pass, 513 are refused.
// (Go's encoding/json allows 10 000; no API body or provider reply needs more than ~10.)
inline constexpr size_t kMaxJsonDepth = 512;

// The deepest nesting of '[' / '{' in `text`, counted outside strings (escapes
// honoured); stops counting and returns max_depth + 1 as soon as that is exceeded.
// Linear, no allocation; does not check that the text is valid JSON.
size_t json_nesting_depth(std::string_view text, size_t max_depth = kMaxJsonDepth);

// Ok when no value in `text` nests deeper than max_depth; else an error naming the limit.
Status check_json_depth(std::string_view text, size_t max_depth = kMaxJsonDepth);

// Depth check, then nlohmann's parser with every exception caught. The error
// says what is wrong: the nesting limit, the byte of a syntax error, or a
// number too large. `what` names the text in messages ("the request body").
Result<nlohmann::json> parse_json_guarded(std::string_view text, std::string_view what = "the JSON text",
                                          size_t max_depth = kMaxJsonDepth);
Result<nlohmann::ordered_json> parse_ordered_json_guarded(std::string_view text,
                                                          std::string_view what = "the JSON text",
                                                          size_t max_depth = kMaxJsonDepth);

// The drop-in for `nlohmann::json::parse(text, nullptr, false)`: the value, or a
// discarded value (is_discarded(), not an object) when parse_json_guarded fails.
nlohmann::json parse_json_or_discarded(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace pg
