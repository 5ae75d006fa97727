// Cutting text that came from elsewhere (a provider's error body, a JSON value)
// down to a size fit for a log line or an error message: cuts never split a
// UTF-8 sequence and control characters become spaces. Never allocates more
// than the cap (plus the marker), whatever the input size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pg {

// The longest prefix of `s` of at most max_bytes that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

// At most max_bytes of `s` (cut as utf8_prefix, then "..." appended when cut),
// with control characters (tabs, newlines, ESC...) turned into spaces.
std::string cap_text(std::string_view s, size_t max_bytes);

}  // namespace pg
