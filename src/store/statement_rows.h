// Stepping a prepared statement over all of its rows, for the stores in
// src/store/, src/rag/ and src/models/: for_each_row calls a function on each
// row and stops at the first error; read_rows collects one value per row;
// read_first_row reads the first row, when there is one. Step errors
// come back with SQLite's message. Never prepares, binds, resets or locks: the
// caller owns the statement and holds the database lock.
#pragma once

#include <optional>
#include <type_traits>
#include <vector>

#include "store/database.h"
#include "util/result.h"

namespace pg::store {

// `each(const Statement&)` returns void or Status; a failed Status ends the
// walk and is returned.
template <typename Each>
Status for_each_row(Statement& st, Each&& each) {
  for (;;) {
    auto row = st.step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    const Statement& current = st;
    if constexpr (std::is_same_v<std::invoke_result_t<Each&, const Statement&>, Status>) {
      if (Status s = each(current); !s) return s;
    } else {
      each(current);
    }
  }
}

// One value per row, in row order, as `read(const Statement&)` gives it.
template <typename Read>
auto read_rows(Statement& st, Read&& read)
    -> Result<std::vector<std::decay_t<std::invoke_result_t<Read&, const Statement&>>>> {
  std::vector<std::decay_t<std::invoke_result_t<Read&, const Statement&>>> out;
  if (Status s = for_each_row(st, [&](const Statement& row) { out.push_back(read(row)); }); !s) return s;
  return out;
}

// The first row as `read(const Statement&)` gives it, or nullopt when there is
// no row. Steps once: the caller resets before stepping again.
template <typename Read>
auto read_first_row(Statement& st, Read&& read)
    -> Result<std::optional<std::decay_t<std::invoke_result_t<Read&, const Statement&>>>> {
  using Row = std::decay_t<std::invoke_result_t<Read&, const Statement&>>;
  auto row = st.step();
  if (!row) return row.status();
  if (!*row) return std::optional<Row>();
  return std::optional<Row>(read(static_cast<const Statement&>(st)));
}

}  // namespace pg::store
