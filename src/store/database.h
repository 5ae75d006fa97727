// A small RAII wrapper over one SQLite connection: open (WAL journal,
// foreign keys on, busy timeout), prepared statements with typed binds and
// column reads, transactions. One Database is shared by the server's threads:
// every user of it takes lock() for the whole of one operation, so statements
// of two requests never interleave. Errors come back as Status/Result with
// SQLite's message; nothing here throws or aborts on a bad file.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pg::store {

class Database;

// A prepared statement. Binds are 1-based like SQLite's; columns 0-based.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind(int index, const std::optional<int64_t>& value);

  // Steps once: true when a row is available, false when done. A bind or step
  // error is reported here (and by run()).
  Result<bool> step();
  // Steps to the end (for statements that return no rows).
  Status run();
  // Ready for new binds and steps.
  void reset();

  bool is_null(int column) const;
  int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<int64_t> optional_int64(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string bind_error_;
};

class Database {
 public:
  // Opens (creating when missing) the database file with mode 0600, turns on
  // WAL, foreign keys and a busy timeout, and checks that it is a database.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }

  // Held for the whole of one store operation (recursive: stores may nest).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mu_); }

  // Runs one or more statements without results.
  Status exec(const std::string& sql);
  Result<Statement> prepare(const std::string& sql);
  int64_t last_insert_id() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;

  // BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when `body` fails.
  template <typename F>
  Status transaction(F&& body) {
    if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
    Status s = body();
    if (!s) {
      (void)exec("ROLLBACK");
      return s;
    }
    if (Status c = exec("COMMIT"); !c) {
      (void)exec("ROLLBACK");
      return c;
    }
    return Status::ok();
  }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::recursive_mutex mu_;
};

}  // namespace pg::store
