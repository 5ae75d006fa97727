// SQLite → PostgreSQL copy and its verification; see store_copy.h.
#include "store/store_copy.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>


#include "store/migrations.h"
#include "util/sha256.h"
#include "store/query.h"

namespace pg::store {
namespace {

enum class Kind { Integer, Real, Text, Blob };

struct Column {
  std::string name;
  Kind kind = Kind::Text;
  int pk = 0;  // position in the primary key (1-based), 0 when not part of it
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::string> references;  // tables its foreign keys point to
  bool has_id_sequence = false;         // an INTEGER PRIMARY KEY "id" (an identity column in PostgreSQL)
};

Kind kind_of_declared(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), ::toupper);
  if (type.find("INT") != std::string::npos) return Kind::Integer;
  if (type.find("REAL") != std::string::npos || type.find("FLOA") != std::string::npos ||
      type.find("DOUB") != std::string::npos)
    return Kind::Real;
  if (type.find("BLOB") != std::string::npos) return Kind::Blob;
  return Kind::Text;
}

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

std::string first_text(const Statement& row) { return row.text(0); }

Result<std::vector<std::string>> string_column(Database& db, const std::string& sql) {
  return query_rows(db, sql, first_text);
}

// The tables to copy, referenced ones first.
Result<std::vector<Table>> read_tables(Database& sqlite) {
  auto virtual_names = string_column(sqlite, "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                                             "upper(sql) LIKE 'CREATE VIRTUAL TABLE%'");
  if (!virtual_names) return Error{virtual_names.error()};
  auto names = string_column(sqlite, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                     "AND name <> 'schema_version' ORDER BY name");
  if (!names) return Error{names.error()};
  std::map<std::string, Table> tables;
  for (const std::string& name : *names) {
    const bool is_fts = std::any_of(virtual_names->begin(), virtual_names->end(), [&](const std::string& v) {
      return name == v || name.rfind(v + "_", 0) == 0;  // the virtual table or one of its shadow tables
    });
    if (is_fts) continue;
    Table t;
    t.name = name;
    auto columns = query_rows(
        sqlite, "SELECT name, type, pk FROM pragma_table_info(?)",
        [](const Statement& row) {
          return Column{row.text(0), kind_of_declared(row.text(1)), static_cast<int>(row.int64(2))};
        },
        name);
    if (!columns) return Error{columns.error()};
    t.columns = std::move(*columns);
    for (const Column& c : t.columns)
      if (c.name == "id" && c.pk == 1 && c.kind == Kind::Integer) t.has_id_sequence = true;
    auto refs = query_rows(sqlite, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", first_text, name);
    if (!refs) return Error{refs.error()};
    for (const std::string& ref : *refs)
      if (ref != name) t.references.push_back(ref);
    tables.emplace(name, std::move(t));
  }
  // Referenced tables first (a plain topological order; the schema has no cycles).
  std::vector<Table> ordered;
  std::set<std::string> placed;
  while (placed.size() < tables.size()) {
    bool progressed = false;
    for (auto& [name, t] : tables) {
      if (placed.count(name)) continue;
      const bool ready = std::all_of(t.references.begin(), t.references.end(),
                                     [&](const std::string& r) { return placed.count(r) || !tables.count(r); });
      if (!ready) continue;
      ordered.push_back(t);
      placed.insert(name);
      progressed = true;
    }
    if (!progressed) return Error{"the tables' foreign keys form a cycle; cannot order the copy"};
  }
  return ordered;
}

std::string column_list(const Table& t) {
  std::string s;
  for (const Column& c : t.columns) s += (s.empty() ? "" : ", ") + quoted(c.name);
  return s;
}

// Primary-key order, the same on both engines: text compared byte by byte
// (PostgreSQL's "C" collation is SQLite's BINARY, whatever the database's locale).
std::string order_by(const Table& t, Dialect dialect) {
  auto key = [&](const Column& c) {
    return quoted(c.name) + (dialect == Dialect::Postgres && c.kind == Kind::Text ? " COLLATE \"C\"" : "");
  };
  std::vector<const Column*> pk;
  for (const Column& c : t.columns)
    if (c.pk > 0) pk.push_back(&c);
  std::sort(pk.begin(), pk.end(), [](const Column* a, const Column* b) { return a->pk < b->pk; });
  std::string s;
  for (const Column* c : pk) s += (s.empty() ? "" : ", ") + key(*c);
  if (s.empty())
    for (const Column& c : t.columns) s += (s.empty() ? "" : ", ") + key(c);
  return s;
}

// SHA-256 (hex) of every row in primary-key order, each value typed by its
// declared kind so both engines render it the same way.
Result<std::string> table_checksum(Database& db, const Table& t) {
  auto st = db.prepare("SELECT " + column_list(t) + " FROM " + quoted(t.name) + " ORDER BY " + order_by(t, db.dialect()));
  if (!st) return Error{st.error()};
  Sha256 h;
  auto feed = [&](const std::string& s) { h.update(s); };
  for (;;) {
    auto row = st->step();
    if (!row) return Error{"reading " + t.name + ": " + row.error()};
    if (!*row) break;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const int col = static_cast<int>(i);
      if (st->is_null(col)) {
        feed(std::string("N", 1));
        continue;
      }
      std::string v;
      switch (t.columns[i].kind) {
        case Kind::Integer: v = "I" + std::to_string(st->int64(col)); break;
        case Kind::Real: {
          char buf[40];
          std::snprintf(buf, sizeof buf, "R%.17g", st->real(col));
          v = buf;
          break;
        }
        case Kind::Text: v = "T" + st->text(col); break;
        case Kind::Blob: v = "B" + st->blob(col); break;
      }
      feed(std::to_string(v.size()) + ":");  // length-prefixed: no two rows hash alike by accident
      feed(v);
    }
    feed("\n");
  }
  return h.hex();
}

Result<int64_t> row_count(Database& db, const std::string& table) {
  return query_int64(db, "SELECT count(*) FROM " + quoted(table));
}

Status copy_table(Database& from, Database& to, const Table& t, const CopyProgress& progress, int64_t& copied) {
  auto total = row_count(from, t.name);
  if (!total) return total.status();
  auto read = from.prepare("SELECT " + column_list(t) + " FROM " + quoted(t.name) + " ORDER BY rowid");
  if (!read) {
    // WITHOUT ROWID tables have no rowid: their primary key orders them.
    read = from.prepare("SELECT " + column_list(t) + " FROM " + quoted(t.name) + " ORDER BY " + order_by(t, Dialect::Sqlite));
    if (!read) return read.status();
  }
  std::string placeholders;
  for (size_t i = 0; i < t.columns.size(); ++i) placeholders += i ? ", ?" : "?";
  auto write = to.prepare("INSERT INTO " + quoted(t.name) + " (" + column_list(t) + ") VALUES (" + placeholders + ")");
  if (!write) return write.status();
  int64_t done = 0;
  for (;;) {
    auto row = read->step();
    if (!row) return Status::error("reading " + t.name + ": " + row.error());
    if (!*row) break;
    write->reset();
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const int col = static_cast<int>(i), p = col + 1;
      if (read->is_null(col)) {
        write->bind_null(p);
        continue;
      }
      switch (t.columns[i].kind) {
        case Kind::Integer: write->bind(p, read->int64(col)); break;
        case Kind::Real: write->bind(p, read->real(col)); break;
        case Kind::Text: write->bind(p, read->text(col)); break;
        case Kind::Blob: write->bind_blob(p, read->blob(col)); break;
      }
    }
    if (Status s = write->run(); !s) return Status::error("writing " + t.name + " row " + std::to_string(done + 1) + ": " + s.message());
    ++done;
    if (progress && done % 2000 == 0) progress(t.name, done, *total);
  }
  if (t.has_id_sequence) {
    // The identity column goes on after the copied ids.
    auto seq = to.prepare("SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM " +
                          quoted(t.name) + "), false)");
    if (!seq) return seq.status();
    seq->bind(1, t.name);
    if (Status s = seq->run(); !s) return Status::error("sequence of " + t.name + ": " + s.message());
  }
  if (progress) progress(t.name, done, *total);
  copied += done;
  return Status::ok();
}

}  // namespace

bool CopyReport::verified() const {
  return std::all_of(tables.begin(), tables.end(), [](const TableCopy& t) { return t.source_sha256 == t.target_sha256; });
}

Result<CopyReport> copy_sqlite_to_postgres(Database& from, Database& to, const CopyProgress& progress) {
  if (from.dialect() != Dialect::Sqlite || to.dialect() != Dialect::Postgres)
    return Error{"migrate copies from an SQLite database to a PostgreSQL one"};
  const auto started = std::chrono::steady_clock::now();
  auto lock_from = from.lock();
  auto lock_to = to.lock();
  auto v_from = schema_version(from), v_to = schema_version(to);
  if (!v_from) return Error{v_from.error()};
  if (!v_to) return Error{v_to.error()};
  if (*v_from != *v_to)
    return Error{"schema versions differ: " + from.path() + " is at " + std::to_string(*v_from) + ", " + to.path() +
                 " at " + std::to_string(*v_to) + " (open both with this playground first)"};
  auto tables = read_tables(from);
  if (!tables) return Error{tables.error()};
  for (const Table& t : *tables) {
    auto n = row_count(to, t.name);
    if (!n) return Error{"the target has no table " + t.name + ": " + n.error()};
    if (*n > 0)
      return Error{"the target " + to.path() + " already has " + std::to_string(*n) + " rows in " + t.name +
                   "; migrate only copies into an empty database"};
  }
  CopyReport report;
  Status s = to.transaction([&]() -> Status {
    for (const Table& t : *tables) {
      TableCopy c;
      c.table = t.name;
      const int64_t before = report.rows;
      if (Status e = copy_table(from, to, t, progress, report.rows); !e) return e;
      c.rows = report.rows - before;
      report.tables.push_back(std::move(c));
    }
    return Status::ok();
  });
  if (!s) return Error{"copy failed, nothing was written: " + s.message()};
  for (size_t i = 0; i < tables->size(); ++i) {
    auto a = table_checksum(from, (*tables)[i]);
    if (!a) return Error{a.error()};
    auto b = table_checksum(to, (*tables)[i]);
    if (!b) return Error{b.error()};
    report.tables[i].source_sha256 = *a;
    report.tables[i].target_sha256 = *b;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace pg::store
