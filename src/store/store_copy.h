// Copies a single-machine installation's SQLite database into an empty
// PostgreSQL database of the same schema version (`playground migrate`), and
// verifies the copy: per table, the row count and a SHA-256 over every row in
// primary-key order, computed on both sides from what each engine returns.
// Tables and columns come from SQLite's own schema (so tables added by later
// migrations are copied without changes here); FTS5 tables are not copied
// (PostgreSQL's tsvector column is computed from the text). The copy is one
// PostgreSQL transaction: it lands whole or not at all. It only reads the
// source and refuses a target that already holds rows.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/database.h"

namespace pg::store {

struct TableCopy {
  std::string table;
  int64_t rows = 0;
  std::string source_sha256;  // of the rows as SQLite returns them
  std::string target_sha256;  // of the rows as PostgreSQL returns them (after the copy)
};

struct CopyReport {
  std::vector<TableCopy> tables;  // in copy order (referenced tables first)
  int64_t rows = 0;
  double seconds = 0;
  bool verified() const;  // every table's two checksums agree
};

// Called after each table and every few thousand rows: table, rows copied of it, its total.
using CopyProgress = std::function<void(const std::string& table, int64_t done, int64_t total)>;

// `from` must be SQLite and `to` PostgreSQL, both migrated to the same version.
Result<CopyReport> copy_sqlite_to_postgres(Database& from, Database& to, const CopyProgress& progress = {});

}  // namespace pg::store
