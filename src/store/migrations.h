// The database schema as an ordered list of migrations, applied at start:
// each runs once, in its own transaction, and is recorded in schema_version.
// A migration is never edited after it shipped; changes are new migrations
// appended to the list. A database written by a newer playground (a version
// this binary does not know) is refused, never modified. Each migration has a
// SQLite form (migrations.cpp) and a PostgreSQL form (migrations_postgres.cpp);
// migrate() runs the one of the database's dialect.
#pragma once

#include <vector>

#include "store/database.h"

namespace pg::store {

struct Migration {
  int version;       // 1, 2, 3, ... in order
  const char* name;  // what it does, recorded with it
  const char* sql;
};

const std::vector<Migration>& migrations();
// The PostgreSQL form of a migration, or nullptr when it has none yet.
const char* postgres_migration_sql(int version);

// Applies the missing migrations; returns the schema version afterwards.
Result<int> migrate(Database& db);

// The version recorded in schema_version (0 for a new database).
Result<int> schema_version(Database& db);

}  // namespace pg::store
