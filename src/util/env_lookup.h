// How the program reads environment variables: always through an EnvLookup
// passed in (the configuration's injectable lookup), so tests give their own
// and nothing reads the process environment behind a caller's back.
// process_environment() is the one place that calls getenv.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace pg {

// The value of a variable, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

EnvLookup process_environment();

}  // namespace pg
