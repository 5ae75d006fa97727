// Python's two string formatting languages as templates use them: printf-style
// `fmt % args` (also the `format` filter) and `str.format(...)` with the format
// spec mini-language. Errors throw TemplateError with Python's message. This
// file must never evaluate template code; field lookups in str.format go
// through the accessor the caller passes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/template/value.h"

namespace pg::jinja::py {

// `fmt % args`: a tuple gives positional arguments, a dict named ones
// (`%(name)s`), anything else is the single argument.
std::string percent_format(std::string_view fmt, const Value& args);

// Applies one format spec (`>10`, `.2f`, `,d`, ...) to a value: format(v, spec).
std::string format_with_spec(const Value& v, std::string_view spec);

// Looks up `.name` (is_index false) or `[key]` (is_index true) in str.format.
using FieldAccessor = std::function<Value(const Value& object, const std::string& key, bool is_index)>;

// `fmt.format(*args, **kwargs)`.
std::string str_format(std::string_view fmt, const CallArgs& args, const FieldAccessor& access);

}  // namespace pg::jinja::py
