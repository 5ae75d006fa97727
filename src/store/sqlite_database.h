// store::Database over one SQLite file (the embedded default). Only
// database.cpp and tests construct it directly; everything else sees Database.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

struct sqlite3;

namespace pg::store {

class SqliteDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~SqliteDatabase() override;

  Dialect dialect() const override { return Dialect::Sqlite; }
  Status exec(const std::string& sql) override;
  Result<Statement> prepare(const std::string& sql) override;
  int64_t last_insert_id() override;
  int64_t changes() const override;

 private:
  SqliteDatabase(sqlite3* db, std::string path) : Database(std::move(path)), db_(db) {}
  sqlite3* db_;
};

}  // namespace pg::store
