// The process environment as an EnvLookup; see env_lookup.h.
#include "util/env_lookup.h"

#include <cstdlib>

namespace pg {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
}

}  // namespace pg
