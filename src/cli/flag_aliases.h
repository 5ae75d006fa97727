// llama.cpp's multi-letter single-dash flags, which CLI11 cannot name (a
// single dash takes one letter): the command line is rewritten before parsing,
// -ctk to --cache-type-k, -ctv to --cache-type-v and -ub to --ubatch-size
// (also "-ctk=q8_0"). Words
// after "--" are left alone. Knows no command; never parses values.
#pragma once

#include <string>
#include <vector>

namespace pg::cli {

// argv (program name first) with the aliases spelled as their long flags.
std::vector<std::string> expand_flag_aliases(int argc, const char* const* argv);

}  // namespace pg::cli
