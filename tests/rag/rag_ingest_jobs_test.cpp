// Durable ingestion jobs (rag/ingest_jobs.h) on a real SQLite file: a job's
// status follows its files; cancel, retry and recovery after a crash; the
// next file is the oldest job's first pending one; rows survive reopening.
#include "rag/ingest_jobs.h"

#include <gtest/gtest.h>

#include "../store/pg_test_server.h"

#include <filesystem>
#include <set>

#include "rag/collection_store.h"
#include "store/data_dir.h"
#include "test_process.h"

namespace pg::rag {
namespace {

class RagIngestJobs : public ::testing::TestWithParam<store::Dialect> {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("pg_ingest_jobs") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    if (GetParam() == store::Dialect::Postgres) {
      PG_REQUIRE_POSTGRES(url);
      database_url_ = url;
    }
    open();
    NewCollection c;
    c.name = "docs";
    auto made = collections_->create_collection(c);
    ASSERT_TRUE(made) << made.error();
    collection_ = made->id;
    for (const char* name : {"a.txt", "b.txt", "c.txt"}) {
      NewDocument d;
      d.file_name = name;
      d.format = "text";
      d.size_bytes = 10;
      d.sha256 = std::string(64, name[0]);
      auto doc = collections_->add_document(collection_, d);
      ASSERT_TRUE(doc) << doc.error();
      files_.push_back({doc->id, name, 10});
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void open() {
    jobs_.reset();
    collections_.reset();
    db_.reset();
    auto db = store::open_store(dir_.string(), database_url_);
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(*db);
    collections_ = std::make_unique<CollectionStore>(*db_);
    jobs_ = std::make_unique<IngestJobStore>(*db_);
  }

  std::filesystem::path dir_;
  std::string database_url_;  // PostgreSQL only
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<CollectionStore> collections_;
  std::unique_ptr<IngestJobStore> jobs_;
  int64_t collection_ = 0;
  std::vector<NewIngestFile> files_;
};

TEST_P(RagIngestJobs, StatusFollowsTheFiles) {
  auto job = jobs_->create("job-1", collection_, "upload", files_);
  ASSERT_TRUE(job) << job.error();
  EXPECT_EQ(job->status, "queued");
  EXPECT_EQ(job->files_total(), 3);

  auto next = jobs_->next_pending();
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->file_name, "a.txt");
  ASSERT_TRUE(jobs_->start_file((*next)->id));
  EXPECT_EQ((*jobs_->get("job-1"))->status, "running");
  ASSERT_TRUE(jobs_->finish_file((*next)->id, 4, 9, 0.5, "page 2 has no text layer"));
  next = jobs_->next_pending();
  ASSERT_TRUE(jobs_->start_file((*next)->id));
  ASSERT_TRUE(jobs_->fail_file((*next)->id, "b.txt: binary content"));
  next = jobs_->next_pending();
  EXPECT_EQ((*next)->file_name, "c.txt");
  ASSERT_TRUE(jobs_->start_file((*next)->id));
  ASSERT_TRUE(jobs_->finish_file((*next)->id, 1, 2, 0.1, ""));

  auto done = *jobs_->get("job-1");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, "done");
  EXPECT_TRUE(done->finished_at.has_value());
  EXPECT_EQ(done->files_with("failed"), 1);
  EXPECT_EQ(done->pages(), 5);
  EXPECT_EQ(done->chunks(), 11);
  EXPECT_EQ(done->files[0].warnings, "page 2 has no text layer");
  EXPECT_EQ(done->files[1].error, "b.txt: binary content");
  EXPECT_FALSE(*jobs_->next_pending());
}

TEST_P(RagIngestJobs, CancelRetryAndRecoveryAfterACrash) {
  ASSERT_TRUE(jobs_->create("job-1", collection_, "upload", files_));
  auto first = **jobs_->next_pending();
  ASSERT_TRUE(jobs_->start_file(first.id));
  // The process dies here: reopening finds the file 'running'.
  open();
  if (GetParam() == store::Dialect::Postgres) {
    // Other instances may be working: nothing is reset at start; the file
    // (held under no lease by start_file) goes to the next claim.
    EXPECT_EQ(*jobs_->recover_interrupted(), 0);
    auto taken = jobs_->claim_next("worker-after-restart", 60);
    ASSERT_TRUE(taken && *taken);
    EXPECT_EQ((*taken)->id, first.id);
  } else {
    EXPECT_EQ(*jobs_->recover_interrupted(), 1);
    auto again = **jobs_->next_pending();
    EXPECT_EQ(again.id, first.id);
  }

  EXPECT_TRUE(*jobs_->cancel("job-1"));
  auto cancelled = **jobs_->get("job-1");
  EXPECT_EQ(cancelled.status, "cancelled");
  EXPECT_EQ(cancelled.files_with("cancelled"), 3);
  EXPECT_FALSE(*jobs_->next_pending());
  EXPECT_FALSE(*jobs_->cancel("job-1"));  // already ended
  EXPECT_FALSE(*jobs_->cancel("job-none"));

  EXPECT_TRUE(*jobs_->retry("job-1"));
  EXPECT_EQ((**jobs_->get("job-1")).status, "queued");
  EXPECT_TRUE(*jobs_->next_pending());
  EXPECT_FALSE(*jobs_->retry("job-1"));  // nothing failed or cancelled any more
}

TEST_P(RagIngestJobs, OldestJobFirstAndListNewestFirst) {
  ASSERT_TRUE(jobs_->create("job-old", collection_, "upload", {files_[0]}));
  ASSERT_TRUE(jobs_->create("job-new", collection_, "reindex", {files_[1], files_[2]}));
  EXPECT_EQ((**jobs_->next_pending()).job_id, "job-old");
  auto list = jobs_->list(collection_, 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "job-new");
  EXPECT_EQ((*list)[0].kind, "reindex");
  EXPECT_EQ(jobs_->list(collection_ + 100, 10)->size(), 0u);
  EXPECT_FALSE(*jobs_->get("job-missing"));
}

TEST_P(RagIngestJobs, DeletingADocumentRemovesItsJobRows) {
  ASSERT_TRUE(jobs_->create("job-1", collection_, "upload", files_));
  ASSERT_TRUE(collections_->delete_document(files_[0].document_id));
  EXPECT_EQ((**jobs_->get("job-1")).files_total(), 2);
  EXPECT_EQ((**jobs_->next_pending()).file_name, "b.txt");
}

// Two workers, each with its own connection to the same database (two
// instances): a file goes to one of them only; a lease that runs out lets the
// other take the file over; a worker cannot renew a lease it no longer holds.
TEST_P(RagIngestJobs, ClaimsGiveEachFileToOneWorkerUntilItsLeaseRunsOut) {
  auto other_db = store::open_store(dir_.string(), database_url_);
  ASSERT_TRUE(other_db) << other_db.error();
  IngestJobStore other(**other_db);
  ASSERT_TRUE(jobs_->create("job-a", collection_, "upload", files_));

  std::set<int64_t> claimed;
  for (int i = 0; i < 3; ++i) {
    IngestJobStore& store = i % 2 ? other : *jobs_;
    auto f = store.claim_next(i % 2 ? "worker-2" : "worker-1", 60);
    ASSERT_TRUE(f) << f.error();
    ASSERT_TRUE(f->has_value());
    EXPECT_EQ((*f)->status, "running");
    EXPECT_TRUE(claimed.insert((*f)->id).second) << "file " << (*f)->id << " claimed twice";
  }
  auto none = other.claim_next("worker-2", 60);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());  // all three are held under live leases
  auto job = jobs_->get("job-a");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ((*job)->status, "running");

  // worker-1's lease on its first file runs out (as when its instance dies).
  const int64_t first = *claimed.begin();
  ASSERT_TRUE(db_->exec("UPDATE ingest_job_files SET lease_until = 1 WHERE id = " + std::to_string(first)));
  auto taken = other.claim_next("worker-2", 60);
  ASSERT_TRUE(taken) << taken.error();
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ((*taken)->id, first);
  auto renewed = jobs_->renew_lease(first, "worker-1", 60);
  ASSERT_TRUE(renewed);
  EXPECT_FALSE(*renewed);  // worker-1 lost it
  auto mine = other.renew_lease(first, "worker-2", 60);
  ASSERT_TRUE(mine);
  EXPECT_TRUE(*mine);
  ASSERT_TRUE(other.finish_file(first, 1, 2, 0.5, ""));
}

INSTANTIATE_TEST_SUITE_P(Engines, RagIngestJobs, ::testing::Values(store::Dialect::Sqlite, store::Dialect::Postgres),
                         [](const auto& info) { return std::string(store::dialect_name(info.param)); });

}  // namespace
}  // namespace pg::rag
