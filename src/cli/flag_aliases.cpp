// Rewriting llama.cpp's multi-letter short flags; see flag_aliases.h.
#include "cli/flag_aliases.h"

#include <utility>

namespace pg::cli {
namespace {

const std::pair<const char*, const char*> kAliases[] = {
    {"-ctk", "--cache-type-k"}, {"-ctv", "--cache-type-v"}, {"-ub", "--ubatch-size"}};

}  // namespace

std::vector<std::string> expand_flag_aliases(int argc, const char* const* argv) {
  std::vector<std::string> out;
  bool operands = false;  // after "--": nothing is a flag
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && !operands) {
      if (arg == "--") operands = true;
      for (const auto& [alias, flag] : kAliases) {
        const std::string a = alias;
        if (arg == a) arg = flag;
        else if (arg.rfind(a + "=", 0) == 0) arg = flag + arg.substr(a.size());
      }
    }
    out.push_back(std::move(arg));
  }
  return out;
}

}  // namespace pg::cli
