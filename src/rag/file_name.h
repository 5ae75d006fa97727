// Safe display names for uploaded files: what a client sends as a file name is
// hostile input (directories, "..", NUL, control and bidi characters, invalid
// UTF-8, megabytes of name). The result is only ever a base name, never a path
// that leaves a directory, never empty.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace pg::rag {

constexpr size_t kMaxFileNameBytes = 255;     // longest result (a filesystem name limit)
constexpr size_t kMaxFileNameInput = 4096;    // longer input is refused, not truncated

// The base name (after the last '/' or '\'), without control characters,
// invisible format characters (bidi overrides, zero-width), leading dots and
// surrounding spaces; invalid UTF-8 is read as Windows-1252 (old archives);
// cut to 255 bytes at a character boundary, keeping a short extension;
// "document" when nothing is left. Error only for input over 4096 bytes.
Result<std::string> sanitize_file_name(std::string_view name);

}  // namespace pg::rag
