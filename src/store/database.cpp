// What both database engines share; see database.h. Picks the engine from a
// specification; never opens anything the specification does not name.
#include "store/database.h"

#include "store/postgres_database.h"
#include "store/sqlite_database.h"

namespace pg::store {

std::string_view dialect_name(Dialect d) { return d == Dialect::Sqlite ? "sqlite" : "postgres"; }

bool is_unique_violation(std::string_view message) {
  return message.find("UNIQUE constraint failed") != std::string_view::npos ||  // SQLite
         message.find("duplicate key value violates unique constraint") != std::string_view::npos;  // PostgreSQL
}

Status Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.status();
    if (!*r) return Status::ok();
  }
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path) { return SqliteDatabase::open(path); }

Result<std::unique_ptr<Database>> Database::open_url(const std::string& spec) {
  if (spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0) return PostgresDatabase::open(spec);
  if (spec.rfind("sqlite:", 0) == 0) {
    const std::string path = spec.substr(7);
    if (path.empty()) return Error{"database '" + spec + "': no file after 'sqlite:'"};
    return SqliteDatabase::open(path);
  }
  if (spec.find("://") != std::string::npos)
    return Error{"database '" + spec + "': unknown kind (use postgres://…, sqlite:PATH or a file path)"};
  if (spec.empty()) return Error{"database: empty specification"};
  return SqliteDatabase::open(spec);
}

}  // namespace pg::store
