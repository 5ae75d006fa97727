// Jinja2's builtin filters and tests with their Python semantics, plus Hugging
// Face's `tojson` filter (json.dumps with ensure_ascii=False). Filters that are
// generators in Jinja2 (map, select, reject, selectattr, rejectattr, unique,
// batch, slice, items) return single-pass iterators, so truthiness and len()
// behave as in Python. Filters and tests only compute values: they must never
// write output or change anything (builtin_filters.cpp, builtin_tests.cpp).
#pragma once

#include <string_view>

#include "engine/template/value.h"

namespace pg::jinja {

class Interpreter;

bool is_known_filter(std::string_view name);
bool is_known_test(std::string_view name);

// Both throw TemplateError for an unknown name and for bad arguments.
Value apply_builtin_filter(Interpreter& in, std::string_view name, const Value& input, CallArgs& args);
bool apply_builtin_test(Interpreter& in, std::string_view name, const Value& v, CallArgs& args);

}  // namespace pg::jinja
