// The same statements on both database engines: SQLite (a real file in a temp
// folder) and PostgreSQL (a real server, tests/store/pg_test_server.h). What a
// store relies on must behave alike: `?` binds of every type, NULLs, ids of
// inserted rows, changed-row counts, blobs with any bytes, UTF-8 text,
// transactions that roll back, errors that name the statement.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "pg_test_server.h"
#include "store/database.h"
#include "store/postgres_database.h"
#include "test_process.h"

namespace pg::store {
namespace {

// One step: true only when it gave a row (an error fails the test).
bool has_row(Statement& st) {
  auto r = st.step();
  EXPECT_TRUE(r) << r.error();
  return r && *r;
}

class StoreDatabaseBackends : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    if (GetParam() == Dialect::Postgres) {
      PG_REQUIRE_POSTGRES(url);
      auto db = Database::open_url(url);
      ASSERT_TRUE(db) << db.error();
      db_ = std::move(*db);
    } else {
      dir_ = ::pg::test::temp_dir("pg_db_backends") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      auto db = Database::open_url("sqlite:" + (dir_ / "t.db").string());
      ASSERT_TRUE(db) << db.error();
      db_ = std::move(*db);
    }
    ASSERT_EQ(db_->dialect(), GetParam());
    const std::string id = GetParam() == Dialect::Sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                                         : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
    const std::string blob = GetParam() == Dialect::Sqlite ? "BLOB" : "BYTEA";
    ASSERT_TRUE(db_->exec("CREATE TABLE items (id " + id +
                          ", name TEXT NOT NULL UNIQUE, n BIGINT, x DOUBLE PRECISION, note TEXT, data " + blob + ")"));
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) ::pg::test::cleanup(dir_);
  }

  int64_t insert(const std::string& name, std::optional<int64_t> n, double x, std::optional<std::string> note) {
    auto st = db_->prepare("INSERT INTO items (name, n, x, note) VALUES (?, ?, ?, ?)");
    EXPECT_TRUE(st) << st.error();
    if (!st) return -1;
    st->bind(1, name).bind(2, n).bind(3, x).bind(4, note);
    Status s = st->run();
    EXPECT_TRUE(s) << s.message();
    return db_->last_insert_id();
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreDatabaseBackends, TypedBindsAndReadsRoundTrip) {
  const int64_t big = std::numeric_limits<int64_t>::max() - 7;
  const int64_t a = insert("alpha", big, 0.1, std::string("héllo, wörld ✓ 'quoted' ?"));
  const int64_t b = insert("beta", std::nullopt, -2.5e-300, std::nullopt);
  EXPECT_GT(a, 0);
  EXPECT_EQ(b, a + 1);

  auto st = db_->prepare("SELECT id, name, n, x, note FROM items WHERE id >= ? ORDER BY id");
  ASSERT_TRUE(st) << st.error();
  st->bind(1, a);
  auto row = st->step();
  ASSERT_TRUE(row && *row) << (row ? "no row" : row.error());
  EXPECT_EQ(st->int64(0), a);
  EXPECT_EQ(st->text(1), "alpha");
  EXPECT_EQ(st->int64(2), big);
  EXPECT_EQ(st->real(3), 0.1);  // exactly: doubles travel without loss
  EXPECT_EQ(st->optional_text(4), std::optional<std::string>("héllo, wörld ✓ 'quoted' ?"));
  row = st->step();
  ASSERT_TRUE(row && *row);
  EXPECT_TRUE(st->is_null(2));
  EXPECT_EQ(st->optional_int64(2), std::nullopt);
  EXPECT_EQ(st->real(3), -2.5e-300);
  EXPECT_EQ(st->optional_text(4), std::nullopt);
  row = st->step();
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row);
}

TEST_P(StoreDatabaseBackends, ResetRebindsAndCountsChangedRows) {
  for (int i = 0; i < 5; ++i) insert("n" + std::to_string(i), i, i * 1.5, std::nullopt);
  auto upd = db_->prepare("UPDATE items SET note = ? WHERE n >= ?");
  ASSERT_TRUE(upd) << upd.error();
  upd->bind(1, "big").bind(2, int64_t{3});
  ASSERT_TRUE(upd->run());
  EXPECT_EQ(db_->changes(), 2);
  upd->reset();
  upd->bind(1, "all").bind(2, int64_t{0});
  ASSERT_TRUE(upd->run());
  EXPECT_EQ(db_->changes(), 5);

  auto count = db_->prepare("SELECT count(*) FROM items WHERE note = ?");
  ASSERT_TRUE(count);
  count->bind(1, "all");
  ASSERT_TRUE(has_row(*count));
  EXPECT_EQ(count->int64(0), 5);
  // Numbered placeholders (?2 before ?1) and a '?' inside a literal are not parameters.
  auto numbered = db_->prepare("SELECT count(*) FROM items WHERE n BETWEEN ?2 AND ?1 AND name <> '?'");
  ASSERT_TRUE(numbered) << numbered.error();
  numbered->bind(1, int64_t{3}).bind(2, int64_t{1});
  ASSERT_TRUE(has_row(*numbered));
  EXPECT_EQ(numbered->int64(0), 3);
}

TEST_P(StoreDatabaseBackends, BlobsKeepEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += std::string("\0\0\xff\xfe", 4);
  const int64_t id = insert("blob", 1, 0, std::nullopt);
  auto st = db_->prepare("UPDATE items SET data = ? WHERE id = ?");
  ASSERT_TRUE(st);
  st->bind_blob(1, bytes).bind(2, id);
  ASSERT_TRUE(st->run());
  auto get = db_->prepare("SELECT data FROM items WHERE id = ?");
  ASSERT_TRUE(get);
  get->bind(1, id);
  ASSERT_TRUE(has_row(*get));
  EXPECT_EQ(get->blob(0), bytes);
  EXPECT_EQ(get->blob(0).size(), 260u);
}

TEST_P(StoreDatabaseBackends, FailedTransactionLeavesNothingBehind) {
  insert("kept", 1, 0, std::nullopt);
  Status s = db_->transaction([&]() -> Status {
    auto st = db_->prepare("INSERT INTO items (name) VALUES (?)");
    if (!st) return st.status();
    st->bind(1, "inside");
    if (Status r = st->run(); !r) return r;
    st->reset();
    st->bind(1, "kept");  // UNIQUE violation: the whole transaction goes
    return st->run();
  });
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("items"), std::string::npos) << s.message();  // names the table
  auto count = db_->prepare("SELECT count(*) FROM items");
  ASSERT_TRUE(count);
  ASSERT_TRUE(has_row(*count));
  EXPECT_EQ(count->int64(0), 1);
  // The connection is usable afterwards, and a good transaction commits.
  ASSERT_TRUE(db_->transaction([&]() -> Status {
    insert("after", 2, 0, std::nullopt);
    return Status::ok();
  }));
  count->reset();
  ASSERT_TRUE(has_row(*count));
  EXPECT_EQ(count->int64(0), 2);
}

TEST_P(StoreDatabaseBackends, BadStatementsAndBindsAreErrorsNotCrashes) {
  auto bad = db_->prepare("SELEC nothing FROM items");
  if (bad) {
    auto r = bad->step();  // PostgreSQL finds out when it runs
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("SELEC"), std::string::npos) << r.error();
  }
  auto st = db_->prepare("SELECT count(*) FROM items WHERE n = ?");
  ASSERT_TRUE(st);
  st->bind(2, int64_t{1});  // out of range
  auto r = st->step();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("parameter 2"), std::string::npos) << r.error();
  EXPECT_FALSE(db_->exec("INSERT INTO no_such_table VALUES (1)"));
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreDatabaseBackends, ::testing::Values(Dialect::Sqlite, Dialect::Postgres),
                         [](const auto& info) { return std::string(dialect_name(info.param)); });

TEST(StoreDatabaseUrl, PlaceholdersBecomeNumberedOutsideQuotesAndComments) {
  int n = 0;
  EXPECT_EQ(postgres_placeholders("SELECT ? , ?, 'a?b', \"c?\" -- what?\n, ?", &n), "SELECT $1 , $2, 'a?b', \"c?\" -- what?\n, $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(postgres_placeholders("x = ?2 OR y = ?1 OR z = ?2", &n), "x = $2 OR y = $1 OR z = $2");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(postgres_placeholders("'it''s ?' || ?", &n), "'it''s ?' || $1");
  EXPECT_EQ(n, 1);
}

TEST(StoreDatabaseUrl, PasswordsNeverAppearInNamesAndUnknownKindsAreRefused) {
  EXPECT_EQ(redact_database_url("postgres://u:secret@db.example:5432/pg"), "postgres://u:***@db.example:5432/pg");
  EXPECT_EQ(redact_database_url("postgres://u@db/pg"), "postgres://u@db/pg");
  EXPECT_EQ(redact_database_url("postgresql://db:5432/x?a=b@c"), "postgresql://db:5432/x?a=b@c");
  auto r = Database::open_url("mysql://x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("unknown kind"), std::string::npos);
  EXPECT_FALSE(Database::open_url("sqlite:"));
  // A server that is not there: a clear error naming it, without the password.
  auto down = Database::open_url("postgresql://u:hunter2@127.0.0.1:1/x?connect_timeout=2");
  ASSERT_FALSE(down);
  EXPECT_NE(down.error().find("127.0.0.1:1"), std::string::npos) << down.error();
  EXPECT_EQ(down.error().find("hunter2"), std::string::npos) << down.error();
}

}  // namespace
}  // namespace pg::store
