// Constant lookup tables of the interpreter: the builtin filters and tests by
// name (builtin_filters.cpp, builtin_tests.cpp) and character substitutions
// (JSON and HTML escaping, string-literal escapes). One linear lookup serves
// them all; the tables are small. Internal to engine/template: tables are
// constant and nothing here stores anything.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/template/template_error.h"

namespace pg::jinja {

template <typename Key, typename Value>
struct TableEntry {
  Key key;
  Value value;
};

// The value stored for `key`, or nullptr when the table has none.
template <typename Key, typename Value, std::size_t N, typename Probe>
constexpr const Value* find_in_table(const TableEntry<Key, Value> (&table)[N], const Probe& key) {
  for (const TableEntry<Key, Value>& entry : table)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

// The builtin function named `name`; throws Jinja2's "No <kind> named '<name>' found."
template <typename Fn, std::size_t N>
Fn require_builtin(const TableEntry<std::string_view, Fn> (&table)[N], const char* kind, std::string_view name) {
  const Fn* fn = find_in_table(table, name);
  if (!fn) throw_runtime("TemplateRuntimeError: No " + std::string(kind) + " named '" + std::string(name) + "' found.");
  return *fn;
}

}  // namespace pg::jinja
