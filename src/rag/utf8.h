// UTF-8 helpers shared by extraction and chunking: decode one code point,
// append one, validate a buffer, and repair a buffer into valid UTF-8. They only
// look at bytes; they never allocate beyond the output string and never read
// past the end of the input (every length is checked before a byte is read).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pg::rag::utf8 {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point at s[pos]. On success returns it and sets `len` to its
// byte length (1..4). An invalid or truncated sequence (overlong form,
// surrogate, > U+10FFFF, bad continuation byte) returns kReplacement with
// len = 1 and `ok` false, so a caller can always advance.
char32_t decode(std::string_view s, size_t pos, int& len, bool& ok);

// Appends the UTF-8 form of `cp` (a surrogate or out-of-range value becomes U+FFFD).
void append(std::string& out, char32_t cp);

// True when `s` is entirely valid UTF-8.
bool is_valid(std::string_view s);

// Byte offset of the first invalid sequence, or s.size() when there is none.
size_t first_invalid(std::string_view s);

// `s` with every invalid sequence replaced by U+FFFD; `replaced` counts them.
std::string repair(std::string_view s, size_t& replaced);

// Number of code points of valid UTF-8 (counts lead bytes; callers pass
// text that extraction has already made valid).
size_t count_code_points(std::string_view s);

// True for bytes that do not start a code point (10xxxxxx).
inline bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

}  // namespace pg::rag::utf8
