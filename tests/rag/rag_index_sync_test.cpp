// Two instances on one PostgreSQL database, each with its own connection and
// vector index set (as two servers): chunks added or deleted through one are
// found (or no longer found) by dense search through the other within a
// second, via NOTIFY/LISTEN; an instance's own announcements do not make it
// drop its index. Skips without a PostgreSQL server.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../store/pg_test_server.h"
#include "rag/index_sync.h"
#include "rag/retriever.h"
#include "rag_store_fixture.h"
#include "store/data_dir.h"

namespace pg::rag {
namespace {

struct Instance {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<CollectionStore> store;
  std::unique_ptr<VectorIndexSet> indexes;
  std::unique_ptr<IndexSync> sync;
};

Instance open_instance(const std::string& url, const std::filesystem::path& dir, const std::string& id) {
  Instance in;
  auto db = store::open_store(dir.string(), url);
  EXPECT_TRUE(db) << db.error();
  if (!db) return in;
  in.db = std::move(*db);
  in.store = std::make_unique<CollectionStore>(*in.db);
  in.indexes = std::make_unique<VectorIndexSet>(*in.store, (dir / "vectors").string());
  auto sync = IndexSync::start(url, *in.db, *in.indexes, id);
  EXPECT_TRUE(sync) << sync.error();
  if (sync) in.sync = std::move(*sync);
  return in;
}

std::vector<int64_t> dense_documents(Instance& in, int64_t collection, const std::vector<float>& q) {
  Retriever r(*in.store, in.indexes.get());
  RetrievalQuery query;
  query.mode = RetrievalMode::Dense;
  query.embedding = q;
  query.top_k = 10;
  auto hits = r.retrieve(collection, query);
  EXPECT_TRUE(hits) << hits.error();
  std::vector<int64_t> docs;
  if (hits)
    for (const RetrievalHit& h : *hits) docs.push_back(h.document.id);
  return docs;
}

// Polls until `pred` holds or a second passed; the time it took in ms (-1: never).
template <typename F>
double within_a_second(F pred) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(1)) {
    if (pred()) return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

TEST(RagIndexSync, ChangesThroughOneInstanceReachTheOthersDenseSearch) {
  PG_REQUIRE_POSTGRES(url);
  const auto dir = ::pg::test::temp_dir("pg_index_sync");
  std::filesystem::remove_all(dir);
  Instance a = open_instance(url, dir / "a", "instance-a");
  Instance b = open_instance(url, dir / "b", "instance-b");
  ASSERT_TRUE(a.sync && b.sync);

  NewCollection nc;
  nc.name = "shared";
  nc.embedding_model = "m";
  nc.embedding_dim = 4;
  auto c = a.store->create_collection(nc);
  ASSERT_TRUE(c) << c.error();
  auto add = [&](Instance& in, const std::string& name, std::vector<float> v) {
    NewDocument nd;
    nd.file_name = name;
    nd.format = "text";
    nd.size_bytes = 1;
    nd.sha256 = name;
    auto d = in.store->add_document(c->id, nd);
    EXPECT_TRUE(d) << d.error();
    NewChunk k = test::text_chunk(0, "text of " + name);
    k.embedding = std::move(v);
    EXPECT_TRUE(in.indexes->replace_chunks(d->id, {k}));
    return d->id;
  };
  const int64_t first = add(a, "first.txt", {1, 0, 0, 0});
  // b opens its index now (it has the first document) ...
  EXPECT_EQ(dense_documents(b, c->id, {1, 0, 0, 0}), std::vector<int64_t>{first});
  // ... then a adds a second: b's open index hears of it and catches up.
  const int64_t second = add(a, "second.txt", {0, 1, 0, 0});
  const double ms = within_a_second([&] {
    auto docs = dense_documents(b, c->id, {0, 1, 0, 0});
    return !docs.empty() && docs[0] == second;
  });
  EXPECT_GE(ms, 0) << "b did not find a's new document within a second";
  std::printf("a's new document found by b's dense search after %.0f ms\n", ms);

  // A deletion through b disappears from a's results; a hears of it (its
  // results may lose the document earlier: hits are read from the database).
  EXPECT_EQ(dense_documents(a, c->id, {1, 0, 0, 0}).front(), first);
  const uint64_t heard = a.sync->changes_heard();
  ASSERT_TRUE(b.indexes->delete_document(first));
  EXPECT_GE(within_a_second([&] {
              auto docs = dense_documents(a, c->id, {1, 0, 0, 0});
              return std::find(docs.begin(), docs.end(), first) == docs.end();
            }),
            0)
      << "a still finds the document b deleted";
  EXPECT_GE(within_a_second([&] { return a.sync->changes_heard() > heard; }), 0) << "a did not hear of b's deletion";

  // Its own announcements leave an instance's open index alone (same object before and after).
  auto before = a.indexes->index(c->id);
  ASSERT_TRUE(before);
  add(a, "third.txt", {0, 0, 1, 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto after = a.indexes->index(c->id);
  ASSERT_TRUE(after);
  EXPECT_EQ(before->get(), after->get());
  b.sync.reset();
  a.sync.reset();
  ::pg::test::cleanup(dir);
}

}  // namespace
}  // namespace pg::rag
