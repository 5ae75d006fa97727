// One database connection behind a small interface, with two implementations:
// SQLite (the embedded default: a file with WAL journal, foreign keys on, busy
// timeout; sqlite_database.cpp) and PostgreSQL (one libpq connection;
// postgres_database.cpp). Prepared statements take `?` placeholders and typed
// binds (1-based) and give typed column reads (0-based) on both, so a store
// written in the SQL both understand runs on either; what differs (DDL, full
// text search) asks dialect(). One Database is shared by the server's threads:
// every user of it takes lock() for the whole of one operation, so statements
// of two requests never interleave. Errors come back as Status/Result with the
// engine's message; nothing here throws or aborts on a bad file or server.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace pg::store {

enum class Dialect { Sqlite, Postgres };
std::string_view dialect_name(Dialect d);  // "sqlite", "postgres"

// Whether an error message of either engine reports a UNIQUE (or primary key) violation.
bool is_unique_violation(std::string_view message);

// What one engine's prepared statement does; Statement forwards to it. A bind
// error is kept and reported by the next step().
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void bind_int64(int index, int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_blob(int index, std::string_view bytes) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  virtual void reset() = 0;
  virtual bool is_null(int column) const = 0;
  virtual int64_t int64(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual std::string blob(int column) const = 0;
};

// A prepared statement. Binds are 1-based; columns 0-based.
class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementBackend> impl) : impl_(std::move(impl)) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& bind(int index, int64_t value) { return impl_->bind_int64(index, value), *this; }
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value) { return impl_->bind_double(index, value), *this; }
  Statement& bind(int index, std::string_view text) { return impl_->bind_text(index, text), *this; }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  // Bytes that need not be text (a BLOB in SQLite, a bytea in PostgreSQL).
  Statement& bind_blob(int index, std::string_view bytes) { return impl_->bind_blob(index, bytes), *this; }
  Statement& bind_null(int index) { return impl_->bind_null(index), *this; }
  Statement& bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
  }
  Statement& bind(int index, const std::optional<int64_t>& value) { return value ? bind(index, *value) : bind_null(index); }

  // Steps once: true when a row is available, false when done. A bind or step
  // error is reported here (and by run()).
  Result<bool> step() { return impl_->step(); }
  // Steps to the end (for statements that return no rows).
  Status run();
  // Ready for new binds and steps.
  void reset() { impl_->reset(); }

  bool is_null(int column) const { return impl_->is_null(column); }
  int64_t int64(int column) const { return impl_->int64(column); }
  double real(int column) const { return impl_->real(column); }
  std::string text(int column) const { return impl_->text(column); }
  std::string blob(int column) const { return impl_->blob(column); }
  std::optional<std::string> optional_text(int column) const {
    return is_null(column) ? std::nullopt : std::optional<std::string>(text(column));
  }
  std::optional<int64_t> optional_int64(int column) const {
    return is_null(column) ? std::nullopt : std::optional<int64_t>(int64(column));
  }

 private:
  std::unique_ptr<StatementBackend> impl_;
};

class Database {
 public:
  // Opens (creating when missing) an SQLite database file with mode 0600,
  // turns on WAL, foreign keys and a busy timeout, and checks that it is a database.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  // A connection by specification: "postgres://…" or "postgresql://…" (a libpq
  // URL), "sqlite:PATH", or a plain path (SQLite).
  static Result<std::unique_ptr<Database>> open_url(const std::string& spec);

  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  virtual Dialect dialect() const = 0;
  // The SQLite file, or the PostgreSQL URL without its password (for messages).
  const std::string& path() const { return path_; }

  // Held for the whole of one store operation (recursive: stores may nest).
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mu_); }

  // Runs one or more statements without results.
  virtual Status exec(const std::string& sql) = 0;
  virtual Result<Statement> prepare(const std::string& sql) = 0;
  // The id the last INSERT gave its row (SQLite's rowid; PostgreSQL's lastval()).
  virtual int64_t last_insert_id() = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual int64_t changes() const = 0;

  // BEGIN (IMMEDIATE on SQLite: the write lock now, not at the first write)
  // ... COMMIT, or ROLLBACK when `body` fails.
  template <typename F>
  Status transaction(F&& body) {
    if (Status s = exec(dialect() == Dialect::Sqlite ? "BEGIN IMMEDIATE" : "BEGIN"); !s) return s;
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

 protected:
  explicit Database(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
  std::recursive_mutex mu_;
};

}  // namespace pg::store
