// The database schema as an ordered list of migrations, applied at start:
// each runs once, in its own transaction, and is recorded in schema_version.
// A migration is never edited after it shipped; changes are new migrations
// appended to the list. A database written by a newer playground (a version
// this binary does not know) is refused, never modified. Each migration is
// written once for both engines (schema_dialect.h); migrate() runs the text of
// the database's dialect.
#pragma once

#include <string>
#include <vector>

#include "store/database.h"

namespace pg::store {

struct Migration {
  int version;       // 1, 2, 3, ... in order
  const char* name;  // what it does, recorded with it
  const char* sql;   // the form for both engines (schema_dialect.h)
};

const std::vector<Migration>& migrations();
// The text of a migration for one engine.
std::string migration_sql(const Migration& m, Dialect dialect);

// Applies the missing migrations; returns the schema version afterwards.
Result<int> migrate(Database& db);

// The version recorded in schema_version (0 for a new database).
Result<int> schema_version(Database& db);

}  // namespace pg::store
