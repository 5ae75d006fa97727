// Reading a file a command was given (a template, messages, a grammar, a
// schema) whole into memory, bounded in size, with an error naming what it
// is. Never interprets the bytes.
#pragma once

#include <string>

#include "util/result.h"

namespace pg::cli {

inline constexpr size_t kMaxInputFileBytes = size_t{256} << 20;

// `what` names the file in errors ("template file").
Result<std::string> read_input_file(const std::string& path, const char* what);

}  // namespace pg::cli
