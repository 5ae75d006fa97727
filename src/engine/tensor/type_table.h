// Constant per-type dispatch tables: an entry (ops, kernels, decoders) for each
// GgmlType a module handles, found by one lookup instead of a switch per table.
// Holds only constant data; never computes on tensor data.
#pragma once

#include <cstddef>

#include "engine/tensor/ggml_type.h"

namespace pg {

template <typename Entry>
struct TypeEntry {
  GgmlType type;
  Entry entry;
};

// The entry of `type`, or nullptr when the table has none.
template <typename Entry, std::size_t N>
constexpr const Entry* find_type_entry(const TypeEntry<Entry> (&table)[N], GgmlType type) {
  for (const TypeEntry<Entry>& row : table)
    if (row.type == type) return &row.entry;
  return nullptr;
}

}  // namespace pg
