// Model pulls kept in the database (src/models/pull_store.h, and PullJobs
// with a store), on SQLite and on the tests' real PostgreSQL server: state
// and progress written and read back; one live pull per reference; a pull
// whose instance stopped (lease ran out) shows as failed naming it; two
// "instances" (two PullJobs, each with its own connection and models folder)
// over one database against a loopback Hub: one pulls, the other lists it
// with progress, is refused a duplicate, watches it and cancels it, and the
// owner stops and deletes its partial file; finished pulls survive a restart.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "fake_model_source.h"
#include "model_bytes.h"
#include "models/pull_jobs.h"
#include "models/pull_store.h"
#include "store/data_dir.h"
#include "../store/pg_test_server.h"
#include "test_process.h"
#include "util/unix_time.h"

namespace pg::models {
namespace {

namespace fs = std::filesystem;
using store::Dialect;

class ModelsPullStore : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("pg_pull_store") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (GetParam() == Dialect::Postgres) {
      PG_REQUIRE_POSTGRES(url);
      database_ = url;
    }
  }
  void TearDown() override { test::cleanup(dir_); }

  // A new connection to the test's database (each "instance" has its own).
  std::unique_ptr<store::Database> connect() {
    auto db = store::open_store((dir_ / "data").string(), database_);
    EXPECT_TRUE(db) << db.error();
    return db ? std::move(*db) : nullptr;
  }

  static PullJobInfo queued(const std::string& id, const std::string& reference, const std::string& instance) {
    PullJobInfo i;
    i.id = id;
    i.reference = reference;
    i.state = "queued";
    i.instance = instance;
    i.created_unix = unix_time_now();
    return i;
  }

  SourceEndpoints endpoints() const {
    SourceEndpoints e;
    e.hf_endpoint = source_.url();
    e.ollama_registry = source_.url();
    return e;
  }

  PullSharing sharing(PullStore& store, const std::string& instance) const {
    PullSharing s;
    s.store = &store;
    s.instance = instance;
    s.tick = std::chrono::milliseconds(200);
    s.remote_poll = std::chrono::milliseconds(100);
    return s;
  }

  template <typename Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
  }

  fs::path dir_;
  std::string database_;  // "" (SQLite in the data dir) or the PostgreSQL URL
  test::FakeModelSource source_;
};

TEST_P(ModelsPullStore, StateAndProgressAreWrittenAndReadBack) {
  auto db = connect();
  ASSERT_TRUE(db);
  PullStore store(*db);
  const int64_t lease = unix_time_now() + 30;
  PullJobInfo info = queued("pull-00000001", "hf.co/acme/Tiny-GGUF", "inst-a");
  auto inserted = store.insert(info, lease);
  ASSERT_TRUE(inserted) << inserted.error();
  EXPECT_FALSE(*inserted);

  info.state = "running";
  info.model = "tiny.Q4_K_M";
  info.progress.status = "downloading";
  info.progress.file = "tiny.Q4_K_M.gguf";
  info.progress.file_index = 1;
  info.progress.file_count = 2;
  info.progress.completed = 5'000'000'000ULL;  // beyond 32 bits
  info.progress.total = 9'000'000'000ULL;
  info.progress.bytes_per_second = 1234.5;
  info.progress.eta_seconds = 42.25;
  info.notices = {"retrying after HTTP 503 (attempt 2)", "resuming at byte 65536 \"quoted\""};
  auto wrote = store.write(info, lease);
  ASSERT_TRUE(wrote) << wrote.error();
  EXPECT_TRUE(*wrote);

  auto got = store.get(info.id);
  ASSERT_TRUE(got) << got.error();
  ASSERT_TRUE(*got);
  const PullRecord& r = **got;
  EXPECT_EQ(r.info.reference, "hf.co/acme/Tiny-GGUF");
  EXPECT_EQ(r.info.model, "tiny.Q4_K_M");
  EXPECT_EQ(r.info.state, "running");
  EXPECT_EQ(r.info.instance, "inst-a");
  EXPECT_EQ(r.info.progress.status, "downloading");
  EXPECT_EQ(r.info.progress.file, "tiny.Q4_K_M.gguf");
  EXPECT_EQ(r.info.progress.file_index, 1);
  EXPECT_EQ(r.info.progress.file_count, 2);
  EXPECT_EQ(r.info.progress.completed, 5'000'000'000ULL);
  EXPECT_EQ(r.info.progress.total, 9'000'000'000ULL);
  EXPECT_DOUBLE_EQ(r.info.progress.bytes_per_second, 1234.5);
  EXPECT_DOUBLE_EQ(r.info.progress.eta_seconds, 42.25);
  EXPECT_EQ(r.info.notices, info.notices);
  EXPECT_EQ(r.info.created_unix, info.created_unix);
  EXPECT_EQ(r.info.finished_unix, 0);
  EXPECT_FALSE(r.cancel_requested);
  const int64_t revision = r.revision;

  // A renewal with progress moves the revision (watchers see it); one without does not.
  info.progress.completed = 6'000'000'000ULL;
  auto renewed = store.renew(info, lease + 5, true);
  ASSERT_TRUE(renewed) << renewed.error();
  EXPECT_TRUE(renewed->held);
  EXPECT_FALSE(renewed->cancel_requested);
  auto after = store.get(info.id);
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->info.progress.completed, 6'000'000'000ULL);
  EXPECT_EQ((*after)->lease_until, lease + 5);
  EXPECT_GT((*after)->revision, revision);
  ASSERT_TRUE(store.renew(info, lease + 6, false));
  EXPECT_EQ((*store.get(info.id))->revision, (*after)->revision);

  // Only the owner writes its row.
  PullJobInfo stranger = info;
  stranger.instance = "inst-b";
  stranger.state = "success";
  auto refused = store.write(stranger, lease);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(*refused);
  EXPECT_EQ((*store.get(info.id))->info.state, "running");

  // A second live pull of the same reference is refused and names the first.
  auto twice = store.insert(queued("pull-00000002", info.reference, "inst-b"), lease);
  ASSERT_TRUE(twice) << twice.error();
  ASSERT_TRUE(*twice);
  EXPECT_EQ((*twice)->info.id, info.id);
  EXPECT_EQ((*twice)->info.instance, "inst-a");

  // Cancel asked by another instance reaches the owner with its renewal.
  auto asked = store.request_cancel(info.id);
  ASSERT_TRUE(asked);
  EXPECT_TRUE(*asked);
  auto told = store.renew(info, lease, false);
  ASSERT_TRUE(told);
  EXPECT_TRUE(told->cancel_requested);

  // Finished: a new pull of the reference may start; the finished one stays listed, newest first.
  info.state = "cancelled";
  info.finished_unix = unix_time_now();
  ASSERT_TRUE(*store.write(info, lease));
  EXPECT_FALSE(*store.request_cancel(info.id));  // already ended
  auto again = store.insert(queued("pull-00000003", info.reference, "inst-b"), lease);
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE(*again);
  auto list = store.list();
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].info.id, "pull-00000003");
  EXPECT_EQ((*list)[1].info.id, info.id);
  EXPECT_EQ((*list)[1].info.state, "cancelled");
  EXPECT_EQ((*list)[1].info.finished_unix, info.finished_unix);
  auto unknown = store.get("pull-ffffffff");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(*unknown);
}

TEST_P(ModelsPullStore, APullWhoseInstanceStoppedShowsAsFailedNamingIt) {
  auto db = connect();
  ASSERT_TRUE(db);
  PullStore store(*db);
  PullJobInfo gone = queued("pull-0000dead", "hf.co/acme/Tiny-GGUF", "inst-gone");
  gone.state = "running";
  ASSERT_FALSE(*store.insert(gone, unix_time_now() - 5));  // its lease ran out 5 s ago
  PullJobInfo alive = queued("pull-0000a11e", "hf.co/acme/Other-GGUF", "inst-alive");
  ASSERT_FALSE(*store.insert(alive, unix_time_now() + 30));

  auto got = store.get(gone.id);
  ASSERT_TRUE(got && *got) << (got ? "" : got.error());
  EXPECT_EQ((*got)->info.state, "failed");
  EXPECT_NE((*got)->info.error.find("inst-gone"), std::string::npos) << (*got)->info.error;
  EXPECT_NE((*got)->info.error.find("stopped"), std::string::npos) << (*got)->info.error;
  EXPECT_GT((*got)->info.finished_unix, 0);
  EXPECT_EQ((*store.get(alive.id))->info.state, "queued");
  // Its owner, should it come back, no longer holds it.
  auto lease = store.renew(gone, unix_time_now() + 30, true);
  ASSERT_TRUE(lease);
  EXPECT_FALSE(lease->held);

  // The reference is free again: another instance's PullJobs may pull it.
  auto db2 = connect();
  ASSERT_TRUE(db2);
  PullStore store2(*db2);
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", test::synthetic_gguf(64, 1, 1, "F32"));
  ModelRegistry registry((dir_ / "models-b").string());
  PullJobs jobs(registry, endpoints(), 3, sharing(store2, "inst-b"));
  auto id = jobs.start("hf.co/acme/Tiny-GGUF");
  ASSERT_TRUE(id) << id.error();
  ASSERT_TRUE(eventually([&] { return jobs.get(*id)->terminal(); }));
  EXPECT_EQ(jobs.get(*id)->state, "success") << jobs.get(*id)->error;
  EXPECT_EQ((*store.get(*id))->info.state, "success");
}

TEST_P(ModelsPullStore, OnlyTheLastFinishedPullsAreKept) {
  auto db = connect();
  ASSERT_TRUE(db);
  PullStore store(*db);
  for (int i = 0; i < 6; ++i) {
    PullJobInfo p = queued("pull-0000000" + std::to_string(i), "ref-" + std::to_string(i), "inst-a");
    ASSERT_FALSE(*store.insert(p, unix_time_now() + 30));
    if (i == 0) continue;  // stays live
    p.state = "success";
    p.finished_unix = unix_time_now();
    ASSERT_TRUE(*store.write(p, 0));
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // distinct creation order
  }
  ASSERT_TRUE(store.prune(3));
  auto all = store.list(100);
  ASSERT_TRUE(all) << all.error();
  std::vector<std::string> ids;
  for (const auto& r : *all) ids.push_back(r.info.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"pull-00000005", "pull-00000004", "pull-00000003", "pull-00000000"}));
  auto two = store.list(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->size(), 3u);  // the live one and the two newest finished
}

TEST_P(ModelsPullStore, TwoInstancesSeeRefuseAndCancelOnePull) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", test::synthetic_gguf());
  source_.throttle_us = 50000;  // about 1.3 MB/s: seconds to download
  auto db_a = connect(), db_b = connect();
  ASSERT_TRUE(db_a && db_b);
  PullStore store_a(*db_a), store_b(*db_b);
  ModelRegistry registry_a((dir_ / "models-a").string()), registry_b((dir_ / "models-b").string());
  PullJobs a(registry_a, endpoints(), 3, sharing(store_a, "inst-a"));
  PullJobs b(registry_b, endpoints(), 3, sharing(store_b, "inst-b"));

  auto id = a.start("hf.co/acme/Tiny-GGUF");
  ASSERT_TRUE(id) << id.error();
  // B lists A's pull, with A's progress (written about every tick).
  ASSERT_TRUE(eventually([&] {
    auto seen = b.get(*id);
    return seen && seen->state == "running" && seen->progress.completed > 0;
  })) << "B never saw A's progress";
  auto listed = b.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, *id);
  EXPECT_EQ(listed[0].instance, "inst-a");
  EXPECT_EQ(listed[0].model, "tiny.Q4_K_M");
  EXPECT_GT(listed[0].progress.total, 0u);
  ASSERT_EQ(b.active().size(), 1u);
  // B watches it through the database: a change comes within the poll.
  auto first = b.wait_change(*id, 0, std::chrono::seconds(5));
  ASSERT_TRUE(first);
  auto next = b.wait_change(*id, first->second, std::chrono::seconds(5));
  ASSERT_TRUE(next);
  EXPECT_NE(next->second, first->second);
  EXPECT_GE(next->first.progress.completed, first->first.progress.completed);
  // Neither instance may start the same reference again.
  auto dup_b = b.start("hf.co/acme/Tiny-GGUF");
  ASSERT_FALSE(dup_b);
  EXPECT_NE(dup_b.error().find("already being pulled"), std::string::npos) << dup_b.error();
  EXPECT_NE(dup_b.error().find("inst-a"), std::string::npos) << dup_b.error();
  EXPECT_FALSE(a.start("hf.co/acme/Tiny-GGUF"));
  const fs::path partial = dir_ / "models-a" / ".partial" / "tiny.Q4_K_M.gguf.part";
  ASSERT_TRUE(eventually([&] { return fs::exists(partial); }));

  // B cancels A's pull: A notices within about a tick, stops and frees its disk.
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.cancel(*id));
  ASSERT_TRUE(eventually([&] { return a.get(*id)->state == "cancelled"; }, std::chrono::seconds(5)))
      << a.get(*id)->state;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(3));
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_FALSE(fs::exists(dir_ / "models-a" / "tiny.Q4_K_M.gguf"));
  ASSERT_TRUE(eventually([&] { return b.get(*id)->state == "cancelled"; }));
  EXPECT_FALSE(b.cancel(*id));  // already ended
  EXPECT_TRUE(b.active().empty());
}

TEST_P(ModelsPullStore, FinishedPullsSurviveARestart) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", test::synthetic_gguf(64, 1, 1, "F32"));
  std::string id;
  {
    auto db = connect();
    ASSERT_TRUE(db);
    PullStore store(*db);
    ModelRegistry registry((dir_ / "models").string());
    PullJobs jobs(registry, endpoints(), 3, sharing(store, "inst-first"));
    auto started = jobs.start("hf.co/acme/Tiny-GGUF");
    ASSERT_TRUE(started) << started.error();
    id = *started;
    ASSERT_TRUE(eventually([&] { return jobs.get(id)->terminal(); }));
    ASSERT_EQ(jobs.get(id)->state, "success") << jobs.get(id)->error;
  }
  auto db = connect();
  ASSERT_TRUE(db);
  PullStore store(*db);
  ModelRegistry registry((dir_ / "models").string());
  PullJobs jobs(registry, endpoints(), 3, sharing(store, "inst-second"));
  auto list = jobs.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, id);
  EXPECT_EQ(list[0].state, "success");
  EXPECT_EQ(list[0].model, "tiny.Q4_K_M");
  EXPECT_EQ(list[0].instance, "inst-first");
  EXPECT_EQ(list[0].progress.completed, list[0].progress.total);
  EXPECT_GT(list[0].finished_unix, 0);
  ASSERT_TRUE(jobs.get(id));
  EXPECT_FALSE(jobs.cancel(id));
}

TEST_P(ModelsPullStore, AShutDownDuringAPullIsRecordedAsFailed) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", test::synthetic_gguf());
  source_.throttle_us = 50000;
  auto db = connect();
  ASSERT_TRUE(db);
  PullStore store(*db);
  std::string id;
  {
    ModelRegistry registry((dir_ / "models").string());
    PullJobs jobs(registry, endpoints(), 3, sharing(store, "inst-leaving"));
    auto started = jobs.start("hf.co/acme/Tiny-GGUF");
    ASSERT_TRUE(started) << started.error();
    id = *started;
    ASSERT_TRUE(eventually([&] { return jobs.get(id)->progress.completed > 0; }));
  }
  auto row = store.get(id);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->info.state, "failed");
  EXPECT_NE((*row)->info.error.find("inst-leaving"), std::string::npos) << (*row)->info.error;
  // The partial file stays, to resume.
  EXPECT_TRUE(fs::exists(dir_ / "models" / ".partial" / "tiny.Q4_K_M.gguf.part"));
}

INSTANTIATE_TEST_SUITE_P(Engines, ModelsPullStore, ::testing::Values(Dialect::Sqlite, Dialect::Postgres),
                         [](const auto& info) { return std::string(store::dialect_name(info.param)); });

}  // namespace
}  // namespace pg::models
