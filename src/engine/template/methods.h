// The Python methods templates call on str, list and dict values
// (`content.strip()`, `'a,b'.split(',')`, `message.get('x')`, ...), with
// Python's semantics. Methods that mutate a list or dict are refused like in
// Hugging Face's ImmutableSandboxedEnvironment unless the render options allow
// them. This file must never evaluate template code.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/template/value.h"

namespace pg::jinja {

class Interpreter;

// `receiver.name` for a method: the bound method, an "unsafe" undefined for a
// mutating method the sandbox refuses, or nullopt when there is no such method.
std::optional<Value> find_method(Interpreter& in, const Value& receiver, std::string_view name);

// Calls a method found by find_method().
Value call_method(Interpreter& in, const Value& receiver, const std::string& name, CallArgs& args);

// Python str.strip(chars) family: which = 'l', 'r' or 'b' (both); chars
// nullptr strips whitespace.
std::string strip_string(const std::string& s, const std::string* chars, char which);

// str.split(sep, maxsplit) / rsplit; sep nullptr splits on whitespace runs.
std::vector<Value> split_string(const std::string& s, const std::string* sep, int64_t maxsplit, bool from_right);

// str.replace(old, new, count).
std::string replace_string(const std::string& s, const std::string& old_s, const std::string& new_s, int64_t count);

// dict.update(args), shared with the dict() and namespace() globals, which
// check first that there is at most one positional argument: the pairs of that
// argument (a dict, or an iterable of 2-item iterables), then the keywords. A
// pair of another length raises ValueError, whose message gives the length
// when `length_in_error` (dict()'s wording) and not otherwise (update()'s).
void update_dict(DictData& d, const CallArgs& args, bool length_in_error);

// str.splitlines(keepends).
std::vector<std::string> split_lines(const std::string& s, bool keepends);

}  // namespace pg::jinja
