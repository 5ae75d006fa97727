// The SQLite implementation of store::Database (see database.h): one
// connection to one file, created with mode 0600, WAL journal, foreign keys
// on, a busy timeout. Never follows a path it was not given.
#include "store/sqlite_database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sqlite3.h>

namespace pg::store {
namespace {
constexpr int kBusyTimeoutMs = 5000;

std::string message_of(sqlite3* db, int rc) {
  const char* m = db ? sqlite3_errmsg(db) : nullptr;
  return m && *m ? std::string(m) : std::string(sqlite3_errstr(rc));
}

class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind_int64(int index, int64_t value) override { note(sqlite3_bind_int64(stmt_, index, value), index); }
  void bind_double(int index, double value) override { note(sqlite3_bind_double(stmt_, index, value), index); }
  void bind_text(int index, std::string_view text) override {
    note(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  }
  void bind_blob(int index, std::string_view bytes) override {
    note(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), index);
  }
  void bind_null(int index) override { note(sqlite3_bind_null(stmt_, index), index); }

  Result<bool> step() override {
    if (!bind_error_.empty()) return Error{bind_error_};
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Error{message_of(db_, rc)};
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.clear();
  }

  bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t int64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string text(int column) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(p, static_cast<size_t>(n)) : std::string();
  }
  std::string blob(int column) const override {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    const int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(p, static_cast<size_t>(n)) : std::string();
  }

 private:
  void note(int rc, int index) {
    if (rc != SQLITE_OK && bind_error_.empty())
      bind_error_ = "bind of parameter " + std::to_string(index) + ": " + message_of(db_, rc);
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string bind_error_;
};

}  // namespace

Result<std::unique_ptr<Database>> SqliteDatabase::open(const std::string& path) {
  // Create the file with mode 0600 ourselves: SQLite would use the umask (0644).
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open database file " + path + ": " + std::string(std::strerror(errno))};
  ::close(fd);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = message_of(raw, rc);
    sqlite3_close(raw);
    return Error{"cannot open database " + path + ": " + m};
  }
  std::unique_ptr<Database> db(new SqliteDatabase(raw, path));
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  sqlite3_extended_result_codes(raw, 1);
  // The first statement that reads the file finds out whether it is a database.
  if (Status s = db->exec("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"); !s)
    return Error{"database " + path + " cannot be used: " + s.message()};
  auto check = db->prepare("SELECT count(*) FROM sqlite_schema");
  if (!check) return Error{"database " + path + " cannot be used: " + check.error()};
  if (auto r = check->step(); !r) return Error{"database " + path + " cannot be used: " + r.error()};
  return db;
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

Status SqliteDatabase::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::ok();
  std::string m = err ? std::string(err) : message_of(db_, rc);
  sqlite3_free(err);
  return Status::error(m);
}

Result<Statement> SqliteDatabase::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error{message_of(db_, rc) + " (in: " + sql.substr(0, 80) + ")"};
  return Statement(std::make_unique<SqliteStatement>(db_, stmt));
}

int64_t SqliteDatabase::last_insert_id() { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteDatabase::changes() const { return sqlite3_changes64(db_); }

}  // namespace pg::store
