// Parser of `.env` files (KEY=VALUE lines as docker compose and python-dotenv
// read them): `#` comments, blank lines, an optional `export ` prefix, values
// bare (trimmed, ` #` starts a comment), in single quotes (literal) or double
// quotes (\n \t \" \\ escapes). It only parses: it never touches the process
// environment.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/result.h"

namespace pg::app {

// Later lines override earlier ones. Errors name the line number.
Result<std::map<std::string, std::string>> parse_dotenv(std::string_view text);

// Reads and parses a file; a missing file gives an empty map (nothing to read).
Result<std::map<std::string, std::string>> read_dotenv_file(const std::string& path);

}  // namespace pg::app
