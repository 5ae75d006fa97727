// Jinja2's builtin filters with their Python semantics, plus Hugging Face's
// `tojson` (json.dumps with ensure_ascii=False). Filters that are generators
// in Jinja2 (map, select, reject, selectattr, rejectattr, unique, batch, slice,
// items) return single-pass iterators, so truthiness and len() behave as in
// Python. Filters must never write output; they only compute values.
#pragma once

#include <string_view>

#include "engine/template/value.h"

namespace pg::jinja {

class Interpreter;

bool is_known_filter(std::string_view name);

// Throws TemplateError for unknown filters and bad arguments.
Value apply_builtin_filter(Interpreter& in, std::string_view name, const Value& input, CallArgs& args);

}  // namespace pg::jinja
