// Turns the bytes of a text file into normalized UTF-8: detects the encoding
// (byte order marks, valid UTF-8, BOM-less UTF-16 by its zero bytes, then
// uchardet, else Windows-1252), converts, makes line ends LF and rejects
// content that is not text (NUL bytes, control characters). It never trusts
// the file name for the encoding and never returns invalid UTF-8.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace pg::rag {

struct DecodedText {
  std::string text;      // valid UTF-8, LF line ends, only \n and \t among the control characters
  std::string encoding;  // what the bytes were: "UTF-8", "UTF-16LE", "windows-1252", …
  std::vector<std::string> warnings;
};

// `file_name` only names the input in messages. `is_prefix`: the bytes are the
// first part of a longer file (sniffing), so a multi-byte sequence cut at the
// end is not an error. Errors: "<name>: binary content (not PDF, text or Markdown)".
Result<DecodedText> decode_text(std::span<const uint8_t> bytes, std::string_view file_name, bool is_prefix = false);

// Windows-1252 to UTF-8 (the five bytes it leaves undefined map to U+FFFD):
// the fallback when no other encoding fits, since every byte decodes.
std::string windows1252_to_utf8(std::span<const uint8_t> bytes);

}  // namespace pg::rag
