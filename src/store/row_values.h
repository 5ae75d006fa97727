// Binding a list of values to consecutive parameters and reading consecutive
// columns into a list of fields, the read chosen by each field's type
// (int64_t, int, double, std::string and the optional ones), for the stores
// in src/store/, src/rag/ and src/models/. A store names each of its record's
// fields once, in the order of its SQL, instead of a bind or read per line.
// Never prepares, steps or locks: the caller owns the statement and holds the
// database lock. A field of a type without a read here does not compile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/database.h"

namespace pg::store {

// Binds `values` to parameters first, first + 1, ... (as Statement::bind would
// bind each one).
template <typename... Values>
Statement& bind_values_at(Statement& st, int first, const Values&... values) {
  int index = first;
  (st.bind(index++, values), ...);
  return st;
}

// Binds `values` to parameters 1..N.
template <typename... Values>
Statement& bind_values(Statement& st, const Values&... values) {
  return bind_values_at(st, 1, values...);
}

inline void read_column(const Statement& st, int column, int64_t& out) { out = st.int64(column); }
inline void read_column(const Statement& st, int column, int& out) { out = static_cast<int>(st.int64(column)); }
inline void read_column(const Statement& st, int column, double& out) { out = st.real(column); }
inline void read_column(const Statement& st, int column, std::string& out) { out = st.text(column); }
inline void read_column(const Statement& st, int column, std::optional<int64_t>& out) {
  out = st.optional_int64(column);
}
inline void read_column(const Statement& st, int column, std::optional<std::string>& out) {
  out = st.optional_text(column);
}

// Reads columns 0..N-1 of the current row into `fields`, in order.
template <typename... Fields>
void read_columns(const Statement& st, Fields&... fields) {
  int column = 0;
  (read_column(st, column++, fields), ...);
}

}  // namespace pg::store
