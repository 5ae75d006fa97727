// One statement from SQL to result in one call, for the stores in src/store/,
// src/rag/ and src/models/: execute runs a statement that returns no rows,
// query_first reads its first row (or none), query_rows all of its rows; each
// prepares `sql`, binds `values` to parameters 1..N (bind_values) and steps;
// query_int64 reads one number (a count, a maximum), 0 when there is no row.
// Errors are the engine's message, as prepare and step give it. Never takes
// the database lock (the caller holds it) and never keeps a statement.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "store/database.h"
#include "store/row_values.h"
#include "store/statement_rows.h"
#include "util/result.h"

namespace pg::store {

// `sql` prepared with `values` bound, handed to `use(Statement&)`, whose
// result (a Status or Result) is returned; a failed prepare is returned as one.
template <typename Use, typename... Values>
auto with_statement(Database& db, const std::string& sql, Use&& use, const Values&... values)
    -> std::invoke_result_t<Use&, Statement&> {
  auto st = db.prepare(sql);
  if (!st) return st.status();
  return use(bind_values(*st, values...));
}

template <typename... Values>
Status execute(Database& db, const std::string& sql, const Values&... values) {
  return with_statement(db, sql, [](Statement& st) { return st.run(); }, values...);
}

// The first row as `read(const Statement&)` gives it, or nullopt.
template <typename Read, typename... Values>
auto query_first(Database& db, const std::string& sql, Read&& read, const Values&... values) {
  return with_statement(db, sql, [&](Statement& st) { return read_first_row(st, read); }, values...);
}

// Every row as `read(const Statement&)` gives it, in row order.
template <typename Read, typename... Values>
auto query_rows(Database& db, const std::string& sql, Read&& read, const Values&... values) {
  return with_statement(db, sql, [&](Statement& st) { return read_rows(st, read); }, values...);
}

template <typename... Values>
Result<int64_t> query_int64(Database& db, const std::string& sql, const Values&... values) {
  auto first = query_first(db, sql, [](const Statement& row) { return row.int64(0); }, values...);
  if (!first) return first.status();
  return first->value_or(0);
}

}  // namespace pg::store
