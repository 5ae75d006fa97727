// Python semantics of Values, as Jinja2 inherits them from Python: str() and
// repr() (float repr, Python quoting), truthiness, ==, ordering, hashing of
// dict keys, len(), iteration, and the arithmetic operators with Python's
// results and error messages. Every failure throws TemplateError (the message
// names the Python error, e.g. "TypeError: ..."). This file must never depend
// on the parser or the interpreter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/value.h"

namespace pg::jinja::py {

// Caps on one value built by an operator or filter, so that a single `*`, `+`
// or `~` cannot exhaust memory (Python has no such cap; templates never come near).
inline constexpr uint64_t kMaxBuiltString = uint64_t{32} << 20;
inline constexpr uint64_t kMaxBuiltItems = uint64_t{1} << 22;
[[noreturn]] void throw_too_large(uint64_t size, bool is_string);
// Size arithmetic for results whose size comes from template data (a width, a
// count, a repeat): saturating, so a hostile width cannot wrap around.
uint64_t saturating_mul(uint64_t a, uint64_t b);
uint64_t saturating_add(uint64_t a, uint64_t b);
// Throws throw_too_large's MemoryError unless a string of `bytes` fits
// kMaxBuiltString (the items likewise). Called BEFORE allocating the result.
void require_string_fits(uint64_t bytes);
void require_items_fit(uint64_t items);

// The Python type name: 'str', 'int', 'list', 'tuple', 'dict', 'NoneType', ...
std::string type_name(const Value& v);

bool truthy(const Value& v);
std::string str(const Value& v);
std::string repr(const Value& v);
std::string float_repr(double d);
std::string int_str(int64_t i);
std::string string_repr(std::string_view s);

// UndefinedError (or SecurityError for sandbox-blocked attributes) for an
// operation on an undefined value.
[[noreturn]] void throw_undefined(const Value& undefined);
// Throws if `v` is undefined: the operations of Jinja's Undefined that fail.
inline void require_defined(const Value& v) {
  if (v.is_undefined()) throw_undefined(v);
}

bool equals(const Value& a, const Value& b);
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };
bool compare(CompareOp op, const Value& a, const Value& b);
std::string_view compare_op_symbol(CompareOp op);

// Key under which a dict stores `key`; 1, 1.0 and True share one key like in
// Python. Throws "TypeError: unhashable type: 'list'".
std::string hash_key(const Value& key);

// len(); throws TypeError for values without a length.
int64_t length(const Value& v);
// list(v): the items a for loop sees. Dicts give their keys, strings their
// characters, undefined nothing; generators are consumed.
std::vector<Value> iterate(const Value& v);
// `item in container`.
bool contains(const Value& container, const Value& item);

Value add(const Value& a, const Value& b);
Value subtract(const Value& a, const Value& b);
Value multiply(const Value& a, const Value& b);
Value true_divide(const Value& a, const Value& b);
Value floor_divide(const Value& a, const Value& b);
Value modulo(const Value& a, const Value& b);  // numbers, or str % args
Value power(const Value& a, const Value& b);
Value negate(const Value& a);
Value unary_plus(const Value& a);

// Python int() of a float (truncation), failing for inf/nan/overflow.
int64_t float_to_int(double d);
// Parses a Python int literal as int(s, base) does; false when invalid.
bool parse_int(std::string_view s, int base, int64_t& out);
// Parses a Python float literal as float(s) does; false when invalid.
bool parse_float(std::string_view s, double& out);

// markupsafe.escape: & < > ' " as HTML entities.
std::string html_escape(std::string_view s);

// Python str indexing helpers (code points; negative indices allowed).
std::u32string to_codepoints(const std::string& s);
// Resolves slice bounds like PySlice_AdjustIndices; returns the item count.
// out_stop is the adjusted stop index (what slice.indices() gives).
int64_t adjust_slice(int64_t length, std::optional<int64_t> start, std::optional<int64_t> stop,
                     int64_t step, int64_t& out_start, int64_t& out_step, int64_t* out_stop = nullptr);

}  // namespace pg::jinja::py
