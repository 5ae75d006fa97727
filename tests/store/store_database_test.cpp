// The SQLite store (src/store): a fresh database gets the whole schema with
// mode 0600 in a 0700 directory, reopening keeps the data and applies no
// migration twice, a file that is not a database or a newer schema gives a
// clear error (never a crash, never a rewrite), and foreign keys cascade.
// Messages keep tool calls, tool call ids and reasoning, and a database made
// before those columns keeps its messages when migrated.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "rag/collection_store.h"
#include "store/conversation_store.h"
#include "store/data_dir.h"
#include "store/migrations.h"
#include "store/query.h"
#include "store/user_store.h"
#include "pg_test_server.h"
#include "test_process.h"

namespace pg::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("pg_store") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
  }
  void TearDown() override { test::cleanup(dir_); }
  std::string data_dir() const { return (dir_ / "data").string(); }
  fs::path dir_;
};

// The tests of what both engines must do alike: SQLite files and databases on
// the tests' PostgreSQL server.
class StoreEngines : public StoreTest, public ::testing::WithParamInterface<Dialect> {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (GetParam() == Dialect::Postgres) {
      PG_REQUIRE_POSTGRES(url);
      database_ = url;
    }
  }
  std::string database_;  // "" (SQLite in the data dir) or the PostgreSQL URL
};

int mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

TEST_F(StoreTest, FreshDatabaseHasTheSchemaAndPrivateModes) {
  auto db = open_store(data_dir(), "");
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ(mode_of(data_dir()), 0700);
  EXPECT_EQ(mode_of(data_dir() + "/playground.db"), 0600);
  auto version = schema_version(**db);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, migrations().back().version);
  for (const char* table : {"users", "api_keys", "conversations", "messages", "chat_templates", "settings"}) {
    auto st = (*db)->prepare(std::string("SELECT count(*) FROM ") + table);
    ASSERT_TRUE(st) << table << ": " << st.error();
  }
  auto wal = (*db)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(wal);
  ASSERT_TRUE(*wal->step());
  EXPECT_EQ(wal->text(0), "wal");
  auto fk = (*db)->prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(fk);
  ASSERT_TRUE(*fk->step());
  EXPECT_EQ(fk->int64(0), 1);
}

TEST_P(StoreEngines, ReopeningKeepsDataAndAppliesNoMigrationTwice) {
  {
    auto db = open_store(data_dir(), database_);
    ASSERT_TRUE(db) << db.error();
    UserStore users(**db);
    ASSERT_TRUE(users.create("alice", "hash", "admin"));
  }
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db) << db.error();
  auto again = migrate(**db);
  ASSERT_TRUE(again) << again.error();
  auto rows = (*db)->prepare("SELECT count(*) FROM schema_version");
  ASSERT_TRUE(rows && *rows->step());
  EXPECT_EQ(rows->int64(0), static_cast<int64_t>(migrations().size()));
  UserStore users(**db);
  auto alice = users.find_by_name("alice");
  ASSERT_TRUE(alice && *alice);
  EXPECT_EQ((*alice)->role, "admin");
}

TEST_F(StoreTest, ANonDatabaseFileIsAClearErrorAndIsLeftAlone) {
  fs::create_directories(data_dir());
  const std::string path = data_dir() + "/playground.db";
  const std::string junk(8192, 'x');
  { std::ofstream(path, std::ios::binary) << junk; }
  auto db = open_store(data_dir(), "");
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find(path), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("not a database"), std::string::npos) << db.error();
  const auto bytes = test::slurp(path);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), junk);
}

TEST_P(StoreEngines, ANewerSchemaIsRefused) {
  {
    auto db = open_store(data_dir(), database_);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 0)"));
  }
  auto db = open_store(data_dir(), database_);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find("newer"), std::string::npos) << db.error();
}

TEST_F(StoreTest, ADatabasePathInAnUncreatableDirectoryIsAnError) {
  fs::create_directories(dir_);
  { std::ofstream(dir_ / "file") << "x"; }
  auto db = open_store(data_dir(), (dir_ / "file" / "sub" / "x.db").string());
  ASSERT_FALSE(db);
  EXPECT_FALSE(db.error().empty());
}

TEST_P(StoreEngines, UsersKeysAndTheLastAdmin) {
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db);
  UserStore users(**db);
  EXPECT_FALSE(users.create("bad name", "h", "user"));
  EXPECT_FALSE(users.create("bob", "h", "root"));
  auto admin = users.create("root", "h", "admin");
  ASSERT_TRUE(admin);
  auto bob = users.create("bob", "h", "user");
  ASSERT_TRUE(bob);
  EXPECT_FALSE(users.create("bob", "h", "user"));  // taken
  auto key = users.create_key(bob->id, "ci", "pgk_12345678", "hash-of-key");
  ASSERT_TRUE(key);
  auto used = users.use_key("hash-of-key", 1000);
  ASSERT_TRUE(used && *used);
  EXPECT_EQ((*used)->second.username, "bob");
  EXPECT_EQ((*used)->first.last_used_at, 1000);
  EXPECT_FALSE(*users.use_key("other", 1000));
  auto removed_last_admin = users.remove("root");
  EXPECT_FALSE(removed_last_admin);
  EXPECT_NE(removed_last_admin.error().find("last admin"), std::string::npos);
  ASSERT_TRUE(users.set_password("bob", "h2"));
  EXPECT_EQ((*users.find_by_name("bob"))->token_version, 1);
  // Removing a user removes its keys (ON DELETE CASCADE).
  ASSERT_TRUE(*users.remove("bob"));
  EXPECT_FALSE(*users.use_key("hash-of-key", 1000));
  EXPECT_FALSE(*users.remove("bob"));
}

TEST_P(StoreEngines, DeletingAConversationDeletesItsMessages) {
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db);
  ConversationStore convs(**db);
  Conversation c;
  c.id = "conv-1";
  c.title = "t";
  c.model = "m";
  ASSERT_TRUE(convs.create(c));
  Message m;
  m.conversation_id = "conv-1";
  m.role = "user";
  m.content = "hi";
  ASSERT_TRUE(convs.add_message(m));
  Message orphan = m;
  orphan.conversation_id = "no-such";
  EXPECT_FALSE(convs.add_message(orphan));  // foreign key
  Access all{true, 0, false};
  ASSERT_TRUE(*convs.remove("conv-1", all));
  auto count = (*db)->prepare("SELECT count(*) FROM messages");
  ASSERT_TRUE(count && *count->step());
  EXPECT_EQ(count->int64(0), 0);
}

TEST_P(StoreEngines, AccessLimitsWhatAUserSees) {
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db);
  UserStore users(**db);
  const int64_t a = users.create("a", "h", "user")->id, b = users.create("b", "h", "admin")->id;
  ConversationStore convs(**db);
  for (auto [id, owner] : {std::pair<const char*, std::optional<int64_t>>{"ca", a}, {"cb", b}, {"cn", std::nullopt}}) {
    Conversation c;
    c.id = id;
    c.user_id = owner;
    c.title = id;
    c.model = "m";
    ASSERT_TRUE(convs.create(c));
  }
  int64_t total = 0;
  EXPECT_EQ(convs.list(Access{false, a, false}, 10, 0, total)->size(), 1u);
  EXPECT_EQ(total, 1);
  EXPECT_EQ(convs.list(Access{false, b, true}, 10, 0, total)->size(), 2u);
  EXPECT_EQ(convs.list(Access{true, 0, false}, 10, 0, total)->size(), 3u);
  EXPECT_FALSE(*convs.get("cb", Access{false, a, false}));
  EXPECT_FALSE(*convs.remove("cb", Access{false, a, false}));
  EXPECT_TRUE(*convs.get("cb", Access{false, b, false}));
}

// Documents in chat: a conversation's collections (ordered), retrieval
// settings, own collection and a reply's sources round-trip; deleting a
// collection unlinks it everywhere, deleting the conversation drops its links.
TEST_P(StoreEngines, ConversationsKeepTheirCollectionsRetrievalAndSources) {
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db) << db.error();
  rag::CollectionStore collections(**db);
  std::vector<int64_t> ids;
  for (const char* name : {"manuals", "specs", "notes"}) {
    rag::NewCollection nc;
    nc.name = name;
    auto made = collections.create_collection(nc);
    ASSERT_TRUE(made) << made.error();
    ids.push_back(made->id);
  }
  ConversationStore convs(**db);
  Conversation c;
  c.id = "conv-docs";
  c.title = "t";
  c.model = "m";
  c.collection_ids = {ids[2], ids[0]};
  c.retrieval = R"({"mode":"bm25","top_k":4})";
  ASSERT_TRUE(convs.create(c));
  const Access all{true, 0, false};
  auto got = convs.get(c.id, all);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->collection_ids, (std::vector<int64_t>{ids[2], ids[0]}));  // in the given order
  EXPECT_EQ((*got)->retrieval, R"({"mode":"bm25","top_k":4})");
  EXPECT_FALSE((*got)->own_collection_id);

  ConversationUpdate u;
  u.collection_ids = std::vector<int64_t>{ids[1], ids[2], ids[1]};  // a repeat is kept once
  u.retrieval = std::optional<std::string>();                          // back to the defaults
  u.own_collection_id = ids[1];
  ASSERT_TRUE(*convs.update(c.id, all, u));
  got = convs.get(c.id, all);
  EXPECT_EQ((*got)->collection_ids, (std::vector<int64_t>{ids[1], ids[2]}));
  EXPECT_FALSE((*got)->retrieval);
  EXPECT_EQ((*got)->own_collection_id, ids[1]);
  ConversationUpdate title_only;
  title_only.title = "renamed";
  ASSERT_TRUE(*convs.update(c.id, all, title_only));  // leaves the documents alone
  EXPECT_EQ((*convs.get(c.id, all))->collection_ids, (std::vector<int64_t>{ids[1], ids[2]}));

  Message reply;
  reply.conversation_id = c.id;
  reply.role = "assistant";
  reply.content = "See [1].";
  reply.sources = R"([{"n":1,"collection_id":2,"chunk_id":7,"score":0.5}])";
  ASSERT_TRUE(convs.add_message(reply));
  EXPECT_EQ((*convs.messages(c.id))[0].sources, reply.sources);

  // A collection deleted elsewhere leaves the conversation (and its own-collection mark).
  ASSERT_TRUE(collections.delete_collection(ids[1]));
  got = convs.get(c.id, all);
  EXPECT_EQ((*got)->collection_ids, (std::vector<int64_t>{ids[2]}));
  EXPECT_FALSE((*got)->own_collection_id);
  // Linking a collection that does not exist fails and changes nothing.
  ConversationUpdate bad;
  bad.collection_ids = std::vector<int64_t>{ids[0], 987654};
  EXPECT_FALSE(convs.update(c.id, all, bad));
  EXPECT_EQ((*convs.get(c.id, all))->collection_ids, (std::vector<int64_t>{ids[2]}));
  // Deleting the conversation drops its links, not the collections.
  ASSERT_TRUE(*convs.remove(c.id, all));
  auto links = (*db)->prepare("SELECT count(*) FROM conversation_collections");
  ASSERT_TRUE(links && *links->step());
  EXPECT_EQ(links->int64(0), 0);
  EXPECT_TRUE(collections.get_collection(ids[2]));
}

TEST_P(StoreEngines, MessagesKeepToolCallsToolCallIdsAndReasoning) {
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db) << db.error();
  ConversationStore convs(**db);
  Conversation c;
  c.id = "conv-tools";
  c.title = "t";
  c.model = "m";
  ASSERT_TRUE(convs.create(c));
  const std::string calls =
      R"([{"function":{"arguments":"{\"city\":\"Paris\"}","name":"get_weather"},"id":"call_1","type":"function"}])";
  Message call;
  call.conversation_id = c.id;
  call.role = "assistant";
  call.tool_calls = calls;
  call.reasoning = "The user wants the weather.";
  ASSERT_TRUE(convs.add_message(call));
  Message result;
  result.conversation_id = c.id;
  result.role = "tool";
  result.content = "sunny";
  result.tool_call_id = "call_1";
  ASSERT_TRUE(convs.add_message(result));
  Message plain;
  plain.conversation_id = c.id;
  plain.role = "user";
  plain.content = "thanks";
  ASSERT_TRUE(convs.add_message(plain));
  auto messages = convs.messages(c.id);
  ASSERT_TRUE(messages) << messages.error();
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ((*messages)[0].tool_calls, calls);
  EXPECT_EQ((*messages)[0].reasoning, "The user wants the weather.");
  EXPECT_EQ((*messages)[0].content, "");
  EXPECT_FALSE((*messages)[0].tool_call_id);
  EXPECT_EQ((*messages)[1].tool_call_id, "call_1");
  EXPECT_FALSE((*messages)[1].tool_calls);
  EXPECT_FALSE((*messages)[2].tool_calls || (*messages)[2].tool_call_id || (*messages)[2].reasoning);
}

// A database of schema version 6 (before messages had tool calls) with a
// conversation: migrating it keeps the messages, the new fields empty.
TEST_P(StoreEngines, AnOldDatabaseKeepsItsMessagesWhenMigrated) {
  {
    std::string spec = database_;
    if (spec.empty()) {
      ASSERT_TRUE(ensure_private_dir(data_dir()));
      spec = "sqlite:" + database_path(data_dir(), "");
    }
    auto old = Database::open_url(spec);
    ASSERT_TRUE(old) << old.error();
    ASSERT_TRUE(schema_version(**old));
    for (const Migration& m : migrations()) {
      if (m.version > 6) break;
      ASSERT_TRUE((*old)->exec(migration_sql(m, (*old)->dialect()))) << m.version;
      ASSERT_TRUE(execute(**old, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, 0)", m.version,
                          std::string(m.name)));
    }
    ASSERT_TRUE((*old)->exec(
        "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES ('conv-old', 'old', 'm', 1, 1)"));
    ASSERT_TRUE((*old)->exec("INSERT INTO messages (conversation_id, role, content, created_at, model, generation) "
                             "VALUES ('conv-old', 'user', 'hi', 2, NULL, NULL), "
                             "('conv-old', 'assistant', 'hello', 3, 'm', '{\"finish_reason\": \"stop\"}')"));
  }
  auto db = open_store(data_dir(), database_);
  ASSERT_TRUE(db) << db.error();
  auto version = schema_version(**db);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, migrations().back().version);
  ConversationStore convs(**db);
  auto messages = convs.messages("conv-old");
  ASSERT_TRUE(messages) << messages.error();
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].content, "hi");
  EXPECT_EQ((*messages)[1].content, "hello");
  EXPECT_EQ((*messages)[1].model, "m");
  EXPECT_EQ((*messages)[1].generation, R"({"finish_reason": "stop"})");
  for (const Message& m : *messages) EXPECT_FALSE(m.tool_calls || m.tool_call_id || m.reasoning);
  // New messages carry the new fields.
  Message result;
  result.conversation_id = "conv-old";
  result.role = "tool";
  result.content = "42";
  result.tool_call_id = "call_9";
  ASSERT_TRUE(convs.add_message(result));
  EXPECT_EQ(convs.messages("conv-old")->back().tool_call_id, "call_9");
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreEngines, ::testing::Values(Dialect::Sqlite, Dialect::Postgres),
                         [](const auto& info) { return std::string(dialect_name(info.param)); });

}  // namespace
}  // namespace pg::store
