// store::Database over one PostgreSQL connection (libpq). Statements written
// with `?` placeholders are sent with `$n` ones; values go as text with their
// types (int8, float8; text left for the server to infer), blobs as binary
// bytea. Only database.cpp and tests construct it directly. Never logs or
// returns the connection's password.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

struct pg_conn;

namespace pg::store {

class PostgresDatabase final : public Database {
 public:
  // `url`: a libpq connection URL (postgres://user:password@host:port/db?…).
  static Result<std::unique_ptr<Database>> open(const std::string& url);
  ~PostgresDatabase() override;

  Dialect dialect() const override { return Dialect::Postgres; }
  Status exec(const std::string& sql) override;
  Result<Statement> prepare(const std::string& sql) override;
  int64_t last_insert_id() override;
  int64_t changes() const override { return *changes_; }

 private:
  PostgresDatabase(pg_conn* conn, std::string redacted_url);
  pg_conn* conn_;
  std::shared_ptr<int64_t> changes_;  // written by this connection's statements
};

// `sql` with each `?` outside quotes and comments replaced by `$1`, `$2`, …
// (`?NNN` by `$NNN`); the number of parameters in `count`.
std::string postgres_placeholders(const std::string& sql, int* count);
// The URL with any password replaced by "***".
std::string redact_database_url(const std::string& url);

}  // namespace pg::store
