// UTF-8 decoding and encoding for the tokenizers. Decoding follows llama.cpp
// exactly (lenient about overlong forms and surrogates, one U+FFFD per bad byte)
// because tokenization results depend on it; a separate strict check serves the
// stream decoder, whose output must be valid UTF-8. Never reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg::utf8 {

inline constexpr uint32_t kReplacement = 0xFFFD;

// Byte length of a sequence judged by its first byte alone, as llama.cpp's
// unicode_len_utf8: 1 for ASCII and stray continuation bytes, 2/3/4 otherwise.
size_t sequence_length(uint8_t lead);

// Decodes one code point at `offset` and advances it. An invalid or truncated
// sequence (or one above U+10FFFF) consumes one byte and yields U+FFFD.
uint32_t decode_one(std::string_view s, size_t& offset);

std::vector<uint32_t> decode(std::string_view s);

// Appends the UTF-8 form of cp; a value above U+10FFFF appends U+FFFD.
void append(std::string& out, uint32_t cp);
// Appends the 1- to 4-byte pattern that cp's magnitude selects, with no range
// check: callers with their own policy for surrogates or values above U+10FFFF
// (the Jinja interpreter's lossless strings) build on it; others use append.
void append_unchecked(std::string& out, uint32_t cp);
std::string encode(uint32_t cp);
std::string encode(const std::vector<uint32_t>& cps);

// Strict (RFC 3629) check of the sequence starting at s[0]:
//   > 0: length of a complete valid sequence,
//   = 0: s is a proper prefix of a valid sequence (more bytes may complete it),
//   < 0: s[0] starts no valid sequence.
int strict_sequence(std::string_view s);

// Strict (RFC 3629) decoding of all of `s`; false (out unspecified) when any
// of it is not valid UTF-8, a truncated last character included.
bool decode_strict(std::string_view s, std::vector<uint32_t>& out);

// Longest prefix of `bytes` that can be emitted now: complete sequences, with
// invalid bytes replaced by U+FFFD; an incomplete tail stays in `bytes`.
// With `final`, an incomplete tail is replaced by U+FFFD too.
std::string take_complete(std::string& bytes, bool final);

}  // namespace pg::utf8
