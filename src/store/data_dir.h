// The data directory of the server and the user commands: created with mode
// 0700 when missing, and the one database in it (or the configured path),
// opened and migrated to the current schema. Never deletes or rewrites
// anything it did not create.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace pg::store {

// Creates `dir` (and parents) when missing; a new directory gets mode 0700.
Status ensure_private_dir(const std::string& dir);

// `database` when set, else <data_dir>/playground.db.
std::string database_path(const std::string& data_dir, const std::string& database);

// Opens the database and applies the migrations: `database` may be a
// PostgreSQL URL (postgres://…), "sqlite:PATH", a path, or empty
// (<data_dir>/playground.db); an SQLite file's directory is created if needed.
Result<std::unique_ptr<Database>> open_store(const std::string& data_dir, const std::string& database);

}  // namespace pg::store
