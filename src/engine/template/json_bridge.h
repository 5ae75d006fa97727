// Conversions between JSON and template Values: the render context arrives as
// nlohmann JSON (ordered_json keeps object key order, which `tojson` output
// depends on), and the `tojson` filter writes Values back as Python's
// json.dumps would. This file must never evaluate template code.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/value.h"

namespace pg::jinja {

// Nesting deeper than this in a context value is refused (stack safety).
inline constexpr int kMaxJsonDepth = 200;

// Throws TemplateError for values nested deeper than kMaxJsonDepth.
Value value_from_json(const nlohmann::ordered_json& j);
Value value_from_json(const nlohmann::json& j);

struct JsonDumpOptions {
  std::optional<std::string> indent;  // json.dumps(indent=...): None, a count of spaces or a string
  std::string item_separator = ", ";   // json.dumps separators; ", " becomes "," with indent
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};

// json.dumps(value, ...). Throws TemplateError ("TypeError: Object of type
// Undefined is not JSON serializable") for values JSON cannot hold.
std::string dump_json(const Value& v, const JsonDumpOptions& options);

}  // namespace pg::jinja
