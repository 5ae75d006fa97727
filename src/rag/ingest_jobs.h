// Durable ingestion jobs in SQLite: a job is a list of documents of one
// collection to (re)index, each with its own status, error and counts, so a
// job survives a restart and resumes at the first file not finished, a failed
// file can be retried alone, and progress (files, pages, chunks) is read from
// the rows. Holds no file contents and runs nothing: the ingest worker does.
// A file is either done (its chunks committed in one transaction) or redone
// whole, so a crash never loses or duplicates chunks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "util/result.h"

namespace pg::rag {

struct NewIngestFile {
  int64_t document_id = 0;
  std::string file_name;
  int64_t size_bytes = 0;
};

// A file of a job: what was queued and how its work went.
struct IngestFile : NewIngestFile {
  int64_t id = 0;
  std::string job_id;
  int position = 0;
  std::string status;  // pending, running, done, failed, cancelled
  std::string error;
  std::string warnings;  // e.g. pages without a text layer
  int64_t pages = 0, chunks = 0;
  double seconds = 0;
};

struct IngestJob {
  std::string id;
  int64_t collection_id = 0;
  std::string kind;    // upload, reindex
  std::string status;  // queued, running, done, failed (every file failed), cancelled
  int64_t created_at = 0, updated_at = 0;
  std::optional<int64_t> started_at, finished_at;
  std::vector<IngestFile> files;

  int64_t files_total() const { return static_cast<int64_t>(files.size()); }
  // What a user calls the job: its file's name ("report.pdf"), or the first
  // file's and how many more ("report.pdf and 2 more files"); the kind when it has none.
  std::string label() const;
  int64_t files_with(const std::string& status) const;
  int64_t pages() const;
  int64_t chunks() const;
};

class IngestJobStore {
 public:
  explicit IngestJobStore(store::Database& db) : db_(db) {}

  Result<IngestJob> create(const std::string& id, int64_t collection_id, const std::string& kind,
                           const std::vector<NewIngestFile>& files);
  Result<std::optional<IngestJob>> get(const std::string& id);
  // Newest first; collection_id 0: every collection.
  Result<std::vector<IngestJob>> list(int64_t collection_id, int limit);

  // The next file to work on: the oldest job's first pending file (queued or running jobs).
  Result<std::optional<IngestFile>> next_pending();
  // Takes the next file for `worker` and marks it running with a lease of
  // `lease_seconds`: the oldest job's first file that is pending, or running
  // under a lease that ran out (its worker's instance died). Atomic across
  // instances (PostgreSQL: FOR UPDATE SKIP LOCKED), so two workers never get
  // the same file while a lease holds. Nothing to do: nullopt.
  Result<std::optional<IngestFile>> claim_next(const std::string& worker, int64_t lease_seconds);
  // Extends the lease while `worker` still holds the file; false when it no longer does.
  Result<bool> renew_lease(int64_t file_id, const std::string& worker, int64_t lease_seconds);
  Status start_file(int64_t file_id);
  Status finish_file(int64_t file_id, int64_t pages, int64_t chunks, double seconds, const std::string& warnings);
  Status fail_file(int64_t file_id, const std::string& error);
  // Pending files become cancelled; a running one is stopped by the worker.
  // False when the job does not exist or has already ended.
  Result<bool> cancel(const std::string& job_id);
  // Failed and cancelled files become pending again and the job queued; false when none was.
  Result<bool> retry(const std::string& job_id);
  // At start: files left 'running' by a crash become pending again. On
  // PostgreSQL, where other instances may be working, nothing is reset: a
  // dead worker's files come back when their leases run out (claim_next).
  Result<int64_t> recover_interrupted();

 private:
  Status refresh_job_status(const std::string& job_id);
  // Runs `sql`, an UPDATE of one file whose last parameter is its id, and
  // refreshes the status of the file's job, in one transaction.
  template <typename... Values>
  Status update_file(int64_t file_id, const std::string& sql, const Values&... values);
  Result<std::vector<IngestFile>> files_of(const std::string& job_id);
  store::Database& db_;
};

}  // namespace pg::rag
