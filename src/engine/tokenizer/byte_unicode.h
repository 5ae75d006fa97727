// GPT-2's reversible byte <-> Unicode mapping used by byte-level BPE: every
// byte gets a printable code point (printable Latin-1 bytes map to themselves,
// the rest to U+0100 upwards). Constant tables, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pg::byte_unicode {

// UTF-8 text of the code point standing for `byte`.
const std::string& byte_to_utf8(uint8_t byte);
// Appends the mapped form of every byte of `raw`.
void encode_bytes(std::string_view raw, std::string& out);
// The byte a code point stands for, if it stands for one.
std::optional<uint8_t> code_point_to_byte(uint32_t cp);

}  // namespace pg::byte_unicode
