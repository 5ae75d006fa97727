// The PostgreSQL implementation of store::Database; see postgres_database.h.
#include "store/postgres_database.h"

#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include <libpq-fe.h>

namespace pg::store {
namespace {

// Type OIDs of the binds we type ourselves (pg_type.h values, stable since 7.x).
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kByteaOid = 17;
constexpr Oid kBoolOid = 16;

std::string connection_message(PGconn* conn) {
  std::string m = conn ? PQerrorMessage(conn) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

std::string result_message(PGresult* r, PGconn* conn) {
  const char* m = r ? PQresultErrorMessage(r) : nullptr;
  std::string s = m && *m ? m : connection_message(conn);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class PostgresStatement final : public StatementBackend {
 public:
  PostgresStatement(PGconn* conn, std::string sql, int params, std::string original,
                    std::shared_ptr<int64_t> changes)
      : conn_(conn), sql_(std::move(sql)), original_(std::move(original)), changes_(std::move(changes)),
        values_(static_cast<size_t>(params)), types_(static_cast<size_t>(params), 0),
        formats_(static_cast<size_t>(params), 0) {}
  ~PostgresStatement() override { PQclear(result_); }

  void bind_int64(int index, int64_t value) override { set(index, std::to_string(value), kInt8Oid, 0); }
  void bind_double(int index, double value) override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    set(index, buf, kFloat8Oid, 0);
  }
  void bind_text(int index, std::string_view text) override {
    if (text.find('\0') != std::string_view::npos) {
      note("bind of parameter " + std::to_string(index) + ": text contains a NUL byte (use a blob)");
      return;
    }
    set(index, std::string(text), 0, 0);
  }
  void bind_blob(int index, std::string_view bytes) override { set(index, std::string(bytes), kByteaOid, 1); }
  void bind_null(int index) override {
    if (!check(index)) return;
    values_[static_cast<size_t>(index - 1)].reset();
    types_[static_cast<size_t>(index - 1)] = 0;
    formats_[static_cast<size_t>(index - 1)] = 0;
  }

  Result<bool> step() override {
    if (!bind_error_.empty()) return Error{bind_error_};
    if (!result_) {
      std::vector<const char*> values(values_.size());
      std::vector<int> lengths(values_.size());
      for (size_t i = 0; i < values_.size(); ++i) {
        values[i] = values_[i] ? values_[i]->data() : nullptr;
        lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
      }
      result_ = PQexecParams(conn_, sql_.c_str(), static_cast<int>(values_.size()), types_.data(), values.data(),
                             lengths.data(), formats_.data(), 0);
      const ExecStatusType st = PQresultStatus(result_);
      if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        std::string m = result_message(result_, conn_) + " (in: " + original_.substr(0, 80) + ")";
        PQclear(result_);
        result_ = nullptr;
        return Error{m};
      }
      const char* tuples = PQcmdTuples(result_);
      *changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
      row_ = -1;
    }
    return ++row_ < PQntuples(result_);
  }

  void reset() override {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    for (auto& v : values_) v.reset();
    std::fill(types_.begin(), types_.end(), 0);
    std::fill(formats_.begin(), formats_.end(), 0);
    bind_error_.clear();
  }

  bool is_null(int column) const override { return !valid(column) || PQgetisnull(result_, row_, column); }
  int64_t int64(int column) const override {
    if (is_null(column)) return 0;
    const char* v = PQgetvalue(result_, row_, column);
    if (PQftype(result_, column) == kBoolOid) return v[0] == 't';
    return std::strtoll(v, nullptr, 10);
  }
  double real(int column) const override { return is_null(column) ? 0 : std::strtod(PQgetvalue(result_, row_, column), nullptr); }
  std::string text(int column) const override {
    if (is_null(column)) return {};
    if (PQftype(result_, column) == kByteaOid) return blob(column);
    return std::string(PQgetvalue(result_, row_, column), static_cast<size_t>(PQgetlength(result_, row_, column)));
  }
  std::string blob(int column) const override {
    if (is_null(column)) return {};
    const char* v = PQgetvalue(result_, row_, column);
    const size_t n = static_cast<size_t>(PQgetlength(result_, row_, column));
    if (PQftype(result_, column) != kByteaOid) return std::string(v, n);
    // Text-format bytea is "\x" and two hex digits a byte (the default output since 9.0).
    if (n < 2 || v[0] != '\\' || v[1] != 'x') return {};
    std::string out;
    out.reserve((n - 2) / 2);
    for (size_t i = 2; i + 1 < n; i += 2) {
      const int hi = hex_value(v[i]), lo = hex_value(v[i + 1]);
      if (hi < 0 || lo < 0) return {};
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
  }

 private:
  bool check(int index) {
    if (index >= 1 && index <= static_cast<int>(values_.size())) return true;
    note("bind of parameter " + std::to_string(index) + ": the statement has " + std::to_string(values_.size()) +
         " parameters");
    return false;
  }
  void set(int index, std::string value, Oid type, int format) {
    if (!check(index)) return;
    values_[static_cast<size_t>(index - 1)] = std::move(value);
    types_[static_cast<size_t>(index - 1)] = type;
    formats_[static_cast<size_t>(index - 1)] = format;
  }
  void note(std::string m) {
    if (bind_error_.empty()) bind_error_ = std::move(m);
  }
  bool valid(int column) const {
    return result_ && row_ >= 0 && row_ < PQntuples(result_) && column >= 0 && column < PQnfields(result_);
  }

  PGconn* conn_;
  std::string sql_, original_;
  std::shared_ptr<int64_t> changes_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  std::vector<int> formats_;
  std::string bind_error_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

}  // namespace

std::string postgres_placeholders(const std::string& sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0, highest = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a literal or a quoted identifier: copied as is ('' and "" stay inside)
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == std::string::npos ? sql.size() : end + 1;
      out.append(sql, i, stop - i);
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string::npos ? sql.size() : end;
      out.append(sql, i, stop - i);
      i = stop - 1;
    } else if (c == '?') {
      size_t j = i + 1;
      int n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 100000) n = n * 10 + (sql[j++] - '0');
      if (j == i + 1) n = ++next;
      else next = std::max(next, n);
      highest = std::max(highest, n);
      out += '$' + std::to_string(n);
      i = j - 1;
    } else {
      out += c;
    }
  }
  if (count) *count = highest;
  return out;
}

std::string redact_database_url(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t at = url.find('@', scheme + 3);
  const size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

PostgresDatabase::PostgresDatabase(pg_conn* conn, std::string redacted_url)
    : Database(std::move(redacted_url)), conn_(conn), changes_(std::make_shared<int64_t>(0)) {}

Result<std::unique_ptr<Database>> PostgresDatabase::open(const std::string& url) {
  const std::string shown = redact_database_url(url);
  PGconn* conn = PQconnectdb(url.c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string m = connection_message(conn);
    PQfinish(conn);
    return Error{"cannot connect to PostgreSQL " + shown + ": " + m};
  }
  std::unique_ptr<Database> db(new PostgresDatabase(conn, shown));
  // Times in UTC, notices quiet, text comparisons as SQLite's (byte order is the
  // stores' business: they never rely on a collation).
  if (Status s = db->exec("SET TIME ZONE 'UTC'; SET client_min_messages = warning; SET client_encoding = 'UTF8'"); !s)
    return Error{"PostgreSQL " + shown + " cannot be used: " + s.message()};
  return db;
}

PostgresDatabase::~PostgresDatabase() { PQfinish(conn_); }

Status PostgresDatabase::exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    const char* tuples = PQcmdTuples(r);
    *changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
    PQclear(r);
    return Status::ok();
  }
  std::string m = result_message(r, conn_);
  PQclear(r);
  return Status::error(m);
}

Result<Statement> PostgresDatabase::prepare(const std::string& sql) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    PQreset(conn_);  // a server restart or a dropped connection: one new try
    if (PQstatus(conn_) != CONNECTION_OK) return Error{"PostgreSQL " + path() + ": " + connection_message(conn_)};
  }
  int params = 0;
  std::string translated = postgres_placeholders(sql, &params);
  return Statement(std::make_unique<PostgresStatement>(conn_, std::move(translated), params, sql, changes_));
}

int64_t PostgresDatabase::last_insert_id() {
  PGresult* r = PQexec(conn_, "SELECT lastval()");
  int64_t id = 0;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) id = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
  PQclear(r);
  return id;
}

}  // namespace pg::store
