// `playground migrate`'s copy: a single-machine SQLite database filled through
// the real stores (users, keys, conversations with messages, collections with
// tagged documents and chunks with embeddings, an ingestion job) is copied
// into an empty database on the tests' PostgreSQL server; counts and
// checksums agree, the stores read the copy back (search included), new rows
// get fresh ids after the copied ones, and a target with rows is refused.
// Also the CLI end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "pg_test_server.h"
#include "rag/collection_store.h"
#include "rag/fts_query.h"
#include "rag/ingest_jobs.h"
#include "store/conversation_store.h"
#include "store/data_dir.h"
#include "store/store_copy.h"
#include "store/user_store.h"
#include "test_process.h"

namespace pg::store {
namespace {

namespace fs = std::filesystem;

class StoreCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pg::test::temp_dir("pg_store_copy") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    auto db = open_store((dir_ / "data").string(), "");
    ASSERT_TRUE(db) << db.error();
    sqlite_ = std::move(*db);
    fill(*sqlite_);
  }
  void TearDown() override {
    sqlite_.reset();
    ::pg::test::cleanup(dir_);
  }

  void fill(Database& db) {
    UserStore users(db);
    auto alice = users.create("alice", "$argon2id$fake-hash", "admin");
    ASSERT_TRUE(alice) << alice.error();
    ConversationStore convs(db);
    for (int i = 0; i < 3; ++i) {
      Conversation c;
      c.id = "conv-" + std::to_string(i);
      c.user_id = alice->id;
      c.title = "Über café ✓ " + std::to_string(i);
      c.model = "stories260K";
      ASSERT_TRUE(convs.create(c));
      for (int m = 0; m < 4; ++m) {
        Message msg;
        msg.conversation_id = c.id;
        msg.role = m % 2 ? "assistant" : "user";
        msg.content = "message " + std::to_string(m) + " with 'quotes' and \"double\" and \\ backslash";
        ASSERT_TRUE(convs.add_message(msg));
      }
    }
    rag::CollectionStore coll(db);
    rag::NewCollection nc;
    nc.name = "zoo";
    nc.embedding_model = "m";
    nc.embedding_dim = 3;
    auto c = coll.create_collection(nc);
    ASSERT_TRUE(c) << c.error();
    for (int d = 0; d < 5; ++d) {
      rag::NewDocument nd;
      nd.file_name = "animal" + std::to_string(d) + ".txt";
      nd.format = "text";
      nd.size_bytes = 10 + d;
      nd.sha256 = std::string(64, static_cast<char>('a' + d));
      nd.tags = {"animals", "set" + std::to_string(d % 2)};
      nd.metadata = {{"lang", d % 2 ? "de" : "en"}};
      auto doc = coll.add_document(c->id, nd);
      ASSERT_TRUE(doc) << doc.error();
      std::vector<rag::NewChunk> chunks;
      for (int k = 0; k < 4; ++k) {
        rag::NewChunk ch;
        ch.index = k;
        ch.text = (d == 3 && k == 2 ? std::string("the walrus rests on ice") : "animal " + std::to_string(d)) +
                  " chunk " + std::to_string(k);
        ch.char_end = static_cast<int64_t>(ch.text.size());
        ch.token_count = 5;
        ch.embedding = {0.25f * float(k + 1), -1.5f, 1e-7f * float(d + 1)};
        chunks.push_back(ch);
      }
      ASSERT_TRUE(coll.replace_chunks(doc->id, chunks));
      document_ids_.push_back(doc->id);
    }
    rag::IngestJobStore jobs(db);
    ASSERT_TRUE(jobs.create("job-1", c->id, "upload", {{document_ids_[0], "animal0.txt", 10}}));
    ASSERT_TRUE(jobs.create("job-2", c->id, "upload", {{document_ids_[1], "animal1.txt", 11}}));
    // Two conversations answer from the collection, one also owns it (files dropped into it).
    ConversationUpdate link;
    link.collection_ids = std::vector<int64_t>{c->id};
    link.retrieval = std::optional<std::string>(R"({"mode":"bm25","top_k":3})");
    ASSERT_TRUE(convs.update("conv-0", Access{true}, link));
    link.own_collection_id = c->id;
    ASSERT_TRUE(convs.update("conv-1", Access{true}, link));
  }

  fs::path dir_;
  std::unique_ptr<Database> sqlite_;
  std::vector<int64_t> document_ids_;
};

TEST_F(StoreCopy, EveryTableArrivesWithMatchingCountsAndChecksums) {
  PG_REQUIRE_POSTGRES(url);
  auto pg = open_store("", url);
  ASSERT_TRUE(pg) << pg.error();
  int64_t most_progress = 0;
  auto report = copy_sqlite_to_postgres(*sqlite_, **pg, [&](const std::string&, int64_t done, int64_t) {
    most_progress = std::max(most_progress, done);
  });
  ASSERT_TRUE(report) << report.error();
  EXPECT_TRUE(report->verified());
  std::map<std::string, int64_t> rows;
  for (const auto& t : report->tables) {
    rows[t.table] = t.rows;
    EXPECT_EQ(t.source_sha256, t.target_sha256) << t.table;
    EXPECT_EQ(t.source_sha256.size(), 64u) << t.table;
  }
  EXPECT_EQ(rows["users"], 1);
  EXPECT_EQ(rows["conversations"], 3);
  EXPECT_EQ(rows["messages"], 12);
  EXPECT_EQ(rows["documents"], 5);
  EXPECT_EQ(rows["document_tags"], 10);
  EXPECT_EQ(rows["chunks"], 20);
  EXPECT_EQ(rows["ingest_jobs"], 2);
  EXPECT_EQ(rows.count("chunks_fts"), 0u);  // FTS5 stays behind; PostgreSQL indexes the text itself
  EXPECT_EQ(rows["conversation_collections"], 2);
  EXPECT_GT(most_progress, 0);
  // Referenced tables come before the tables that reference them.
  auto pos = [&](const std::string& name) {
    for (size_t i = 0; i < report->tables.size(); ++i)
      if (report->tables[i].table == name) return i;
    return size_t(999);
  };
  EXPECT_LT(pos("users"), pos("conversations"));
  EXPECT_LT(pos("conversations"), pos("messages"));
  EXPECT_LT(pos("documents"), pos("chunks"));

  // The stores read the copy: search, embeddings, conversations, and new ids follow the copied ones.
  rag::CollectionStore coll(**pg);
  auto c = coll.find_collection("zoo");
  ASSERT_TRUE(c) << c.error();
  auto hits = coll.bm25_search(c->id, "walrus", {}, 10);
  ASSERT_TRUE(hits) << hits.error();
  ASSERT_EQ(hits->size(), 1u);
  auto batch_count = 0;
  ASSERT_TRUE(coll.for_each_embedding_batch(c->id, 100, [&](const rag::EmbeddingBatch& b) {
    batch_count += static_cast<int>(b.ids.size());
    EXPECT_EQ(b.vectors.at(1), -1.5f);
    return Status::ok();
  }));
  EXPECT_EQ(batch_count, 20);
  ConversationStore convs(**pg);
  auto messages = convs.messages("conv-1");
  ASSERT_TRUE(messages) << messages.error();
  ASSERT_EQ(messages->size(), 4u);
  EXPECT_EQ((*messages)[3].content, "message 3 with 'quotes' and \"double\" and \\ backslash");
  UserStore users(**pg);
  auto bob = users.create("bob", "h", "user");
  ASSERT_TRUE(bob) << bob.error();
  EXPECT_EQ(bob->id, 2);  // after alice's copied id 1
}

TEST_F(StoreCopy, ATargetWithRowsIsRefusedAndKeepsThem) {
  PG_REQUIRE_POSTGRES(url);
  auto pg = open_store("", url);
  ASSERT_TRUE(pg) << pg.error();
  ASSERT_TRUE(UserStore(**pg).create("existing", "h", "user"));
  auto report = copy_sqlite_to_postgres(*sqlite_, **pg);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().find("already has 1 rows in users"), std::string::npos) << report.error();
  auto st = (*pg)->prepare("SELECT count(*) FROM users");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->step().value());
  EXPECT_EQ(st->int64(0), 1);
}

TEST_F(StoreCopy, TheMigrateCommandCopiesAndVerifies) {
  PG_REQUIRE_POSTGRES(url);
  const std::string db_file = (dir_ / "data" / "playground.db").string();
  int64_t chunk_count = 0;
  {
    auto chunks = sqlite_->prepare("SELECT count(*) FROM chunks");
    ASSERT_TRUE(chunks);
    ASSERT_TRUE(chunks->step().value());
    chunk_count = chunks->int64(0);
  }
  ASSERT_GT(chunk_count, 0);
  sqlite_.reset();  // as after stopping the server
  auto r = ::pg::test::run_playground("migrate --from " + ::pg::test::shell_quote("sqlite:" + db_file) + " --to " +
                                      ::pg::test::shell_quote(url));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verified (counts and checksums agree)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chunks"), std::string::npos) << r.out;
  // Then PostgreSQL's full-text terms of every copied chunk are written.
  EXPECT_NE(r.out.find("full-text terms written for " + std::to_string(chunk_count) + " chunks"), std::string::npos)
      << r.out;
  auto pg = open_store("", url);
  ASSERT_TRUE(pg) << pg.error();
  auto unindexed = (*pg)->prepare("SELECT count(*) FROM chunks WHERE search_terms IS NULL OR search_length IS NULL");
  ASSERT_TRUE(unindexed);
  ASSERT_TRUE(unindexed->step().value());
  EXPECT_EQ(unindexed->int64(0), 0);
  // Twice: the target now has rows, so the second run refuses and says why.
  auto again = ::pg::test::run_playground("migrate --from " + ::pg::test::shell_quote("sqlite:" + db_file) + " --to " +
                                          ::pg::test::shell_quote(url));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("only copies into an empty database"), std::string::npos) << again.err;
  auto wrong = ::pg::test::run_playground("migrate --from " + ::pg::test::shell_quote(url) + " --to " +
                                          ::pg::test::shell_quote("sqlite:" + db_file));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
}

}  // namespace
}  // namespace pg::store
