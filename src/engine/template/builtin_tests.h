// Jinja2's builtin tests (`x is defined`, `x is divisibleby 3`, `x is
// equalto y`, ...) with their Python semantics. Tests only inspect values;
// they must never render or change anything.
#pragma once

#include <string_view>

#include "engine/template/value.h"

namespace pg::jinja {

class Interpreter;

bool is_known_test(std::string_view name);

// Throws TemplateError for unknown tests and bad arguments.
bool apply_builtin_test(Interpreter& in, std::string_view name, const Value& v, CallArgs& args);

}  // namespace pg::jinja
