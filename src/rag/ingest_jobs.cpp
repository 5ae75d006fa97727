// Ingestion jobs and their files in SQLite; see ingest_jobs.h.
#include "rag/ingest_jobs.h"

#include <functional>

#include "store/query.h"
#include "util/unix_time.h"

namespace pg::rag {

std::string IngestJob::label() const {
  if (files.empty()) return kind;
  if (files.size() == 1) return files.front().file_name;
  const size_t more = files.size() - 1;
  return files.front().file_name + " and " + std::to_string(more) + (more == 1 ? " more file" : " more files");
}

int64_t IngestJob::files_with(const std::string& status) const {
  int64_t n = 0;
  for (const IngestFile& f : files) n += f.status == status;
  return n;
}
int64_t IngestJob::pages() const {
  int64_t n = 0;
  for (const IngestFile& f : files) n += f.pages;
  return n;
}
int64_t IngestJob::chunks() const {
  int64_t n = 0;
  for (const IngestFile& f : files) n += f.chunks;
  return n;
}

namespace {

constexpr const char* kFileColumns =
    "id, job_id, position, document_id, file_name, size_bytes, status, error, pages, chunks, seconds, warnings";

constexpr const char* kPrefixedFileColumns =
    "f.id, f.job_id, f.position, f.document_id, f.file_name, f.size_bytes, f.status, f.error, f.pages, f.chunks, "
    "f.seconds, f.warnings";

IngestFile read_file(const store::Statement& st) {
  IngestFile f;
  store::read_columns(st, f.id, f.job_id, f.position, f.document_id, f.file_name, f.size_bytes, f.status, f.error,
                      f.pages, f.chunks, f.seconds, f.warnings);
  return f;
}

IngestJob read_job(const store::Statement& st) {
  IngestJob j;
  store::read_columns(st, j.id, j.collection_id, j.kind, j.status, j.created_at, j.updated_at, j.started_at,
                      j.finished_at);
  return j;
}

constexpr const char* kJobColumns = "id, collection_id, kind, status, created_at, updated_at, started_at, finished_at";

}  // namespace

Result<IngestJob> IngestJobStore::create(const std::string& id, int64_t collection_id, const std::string& kind,
                                         const std::vector<NewIngestFile>& files) {
  auto lock = db_.lock();
  const int64_t now = unix_time_now();
  Status s = db_.transaction([&]() -> Status {
    if (Status r = store::execute(db_,
                                  "INSERT INTO ingest_jobs (id, collection_id, kind, status, created_at, updated_at) "
                                  "VALUES (?, ?, ?, 'queued', ?, ?)",
                                  id, collection_id, kind, now, now);
        !r)
      return r;
    auto ins = db_.prepare(
        "INSERT INTO ingest_job_files (job_id, position, document_id, file_name, size_bytes, status) "
        "VALUES (?, ?, ?, ?, ?, 'pending')");
    if (!ins) return ins.status();
    int position = 0;
    for (const NewIngestFile& f : files) {
      ins->reset();
      if (Status r = store::bind_values(*ins, id, position++, f.document_id, f.file_name, f.size_bytes).run(); !r)
        return r;
    }
    return Status::ok();
  });
  if (!s) return Error{"cannot create ingestion job " + id + ": " + s.message()};
  auto job = get(id);
  if (!job) return Error{job.error()};
  if (!*job) return Error{"ingestion job " + id + " vanished after it was created"};
  return std::move(**job);
}

Result<std::vector<IngestFile>> IngestJobStore::files_of(const std::string& job_id) {
  return store::query_rows(
      db_, std::string("SELECT ") + kFileColumns + " FROM ingest_job_files WHERE job_id = ? ORDER BY position", read_file,
      job_id);
}

Result<std::optional<IngestJob>> IngestJobStore::get(const std::string& id) {
  auto lock = db_.lock();
  auto job = store::query_first(db_, std::string("SELECT ") + kJobColumns + " FROM ingest_jobs WHERE id = ?", read_job, id);
  if (!job || !*job) return job;
  auto files = files_of(id);
  if (!files) return Error{files.error()};
  (*job)->files = std::move(*files);
  return job;
}

Result<std::vector<IngestJob>> IngestJobStore::list(int64_t collection_id, int limit) {
  auto lock = db_.lock();
  auto jobs = store::query_rows(
      db_,
      std::string("SELECT ") + kJobColumns +
          " FROM ingest_jobs WHERE (?1 = 0 OR collection_id = ?1) ORDER BY created_at DESC, rowid DESC LIMIT ?2",
      read_job, collection_id, int64_t{limit});
  if (!jobs) return jobs;
  for (IngestJob& j : *jobs) {
    auto files = files_of(j.id);
    if (!files) return Error{files.error()};
    j.files = std::move(*files);
  }
  return jobs;
}

Result<std::optional<IngestFile>> IngestJobStore::next_pending() {
  auto lock = db_.lock();
  return store::query_first(db_,
                            std::string("SELECT ") + kPrefixedFileColumns +
                                " FROM ingest_job_files f JOIN ingest_jobs j ON j.id = f.job_id"
                                " WHERE f.status = 'pending' AND j.status IN ('queued', 'running')"
                                " ORDER BY j.created_at, j.rowid, f.position LIMIT 1",
                            read_file);
}

Result<std::optional<IngestFile>> IngestJobStore::claim_next(const std::string& worker, int64_t lease_seconds) {
  auto lock = db_.lock();
  const int64_t now = unix_time_now();
  std::optional<IngestFile> claimed;
  const char* const kClaimable =
      " FROM ingest_job_files f JOIN ingest_jobs j ON j.id = f.job_id"
      " WHERE (f.status = 'pending' OR (f.status = 'running' AND f.lease_until < ?1))"
      " AND j.status IN ('queued', 'running') ORDER BY j.created_at, j.rowid, f.position LIMIT 1";
  Status s = db_.transaction([&]() -> Status {
    auto pick = store::query_first(db_,
                                   std::string("SELECT f.id") + kClaimable +
                                       (db_.dialect() == store::Dialect::Postgres ? " FOR UPDATE OF f SKIP LOCKED" : ""),
                                   [](const store::Statement& row) { return row.int64(0); }, now);
    if (!pick) return pick.status();
    if (!*pick) return Status::ok();
    const int64_t id = **pick;
    if (Status r = store::execute(
            db_, "UPDATE ingest_job_files SET status = 'running', error = '', claimed_by = ?, lease_until = ? WHERE id = ?",
            worker, now + lease_seconds, id);
        !r)
      return r;
    auto got = store::query_first(db_, std::string("SELECT ") + kFileColumns + " FROM ingest_job_files WHERE id = ?",
                                  read_file, id);
    if (!got) return got.status();
    if (!*got) return Status::error("ingestion file " + std::to_string(id) + " vanished while claimed");
    claimed = std::move(*got);
    return refresh_job_status(claimed->job_id);
  });
  if (!s) return Error{"cannot claim an ingestion file: " + s.message()};
  return claimed;
}

Result<bool> IngestJobStore::renew_lease(int64_t file_id, const std::string& worker, int64_t lease_seconds) {
  auto lock = db_.lock();
  if (Status s = store::execute(
          db_, "UPDATE ingest_job_files SET lease_until = ? WHERE id = ? AND claimed_by = ? AND status = 'running'",
          unix_time_now() + lease_seconds, file_id, worker);
      !s)
    return Error{s.message()};
  return db_.changes() == 1;
}

Status IngestJobStore::refresh_job_status(const std::string& job_id) {
  // queued: nothing started; running: something pending or running; else ended.
  auto st = db_.prepare(
      "SELECT sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), sum(CASE WHEN status = 'running' THEN 1 ELSE 0 END), "
      "sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END), sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), "
      "sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), count(*) FROM ingest_job_files WHERE job_id = ?");
  if (!st) return st.status();
  if (auto row = st->bind(1, job_id).step(); !row) return row.status();
  const int64_t pending = st->int64(0), running = st->int64(1), done = st->int64(2), failed = st->int64(3),
                cancelled = st->int64(4), total = st->int64(5);
  std::string status;
  if (running > 0 || (pending > 0 && pending < total)) status = "running";
  else if (pending == total && total > 0) status = "queued";
  else if (cancelled > 0) status = "cancelled";
  else if (failed == total && total > 0 && done == 0) status = "failed";
  else status = "done";
  const bool ended = status == "done" || status == "failed" || status == "cancelled";
  const int64_t now = unix_time_now();
  return store::execute(db_,
                        "UPDATE ingest_jobs SET status = ?2, updated_at = ?3, "
                        "started_at = CASE WHEN ?2 = 'queued' THEN started_at ELSE coalesce(started_at, ?3) END, "
                        "finished_at = CASE WHEN ?4 <> 0 THEN coalesce(finished_at, ?3) ELSE NULL END WHERE id = ?1",
                        job_id, status, now, int64_t{ended});
}

namespace {
Result<std::string> job_of_file(store::Database& db, int64_t file_id) {
  auto job = store::query_first(db, "SELECT job_id FROM ingest_job_files WHERE id = ?",
                                [](const store::Statement& row) { return row.text(0); }, file_id);
  if (!job) return Error{job.error()};
  if (!*job) return Error{"no ingestion file " + std::to_string(file_id)};
  return std::move(**job);
}
}  // namespace

template <typename... Values>
Status IngestJobStore::update_file(int64_t file_id, const std::string& sql, const Values&... values) {
  auto lock = db_.lock();
  return db_.transaction([&]() -> Status {
    auto job = job_of_file(db_, file_id);
    if (!job) return job.status();
    if (Status s = store::execute(db_, sql, values..., file_id); !s) return s;
    return refresh_job_status(*job);
  });
}

Status IngestJobStore::start_file(int64_t file_id) {
  return update_file(file_id, "UPDATE ingest_job_files SET status = 'running', error = '' WHERE id = ?");
}

Status IngestJobStore::finish_file(int64_t file_id, int64_t pages, int64_t chunks, double seconds,
                                   const std::string& warnings) {
  return update_file(file_id,
                     "UPDATE ingest_job_files SET status = 'done', error = '', pages = ?, chunks = ?, seconds = ?, "
                     "warnings = ? WHERE id = ?",
                     pages, chunks, seconds, warnings);
}

Status IngestJobStore::fail_file(int64_t file_id, const std::string& error) {
  return update_file(file_id, "UPDATE ingest_job_files SET status = 'failed', error = ? WHERE id = ?", error);
}

namespace {
// Runs `body`, which sets whether it changed the job, in one transaction;
// a failure reads "cannot <verb> ingestion job <id>: ...".
Result<bool> change_job(store::Database& db, const std::string& verb, const std::string& job_id,
                        const std::function<Status(bool& changed)>& body) {
  auto lock = db.lock();
  bool changed = false;
  if (Status s = db.transaction([&] { return body(changed); }); !s)
    return Error{"cannot " + verb + " ingestion job " + job_id + ": " + s.message()};
  return changed;
}

// Runs `sql`, an UPDATE of the files of job ?1; how many it changed.
Result<int64_t> update_job_files(store::Database& db, const std::string& sql, const std::string& job_id) {
  if (Status s = store::execute(db, sql, job_id); !s) return s;
  return db.changes();
}
}  // namespace

Result<bool> IngestJobStore::cancel(const std::string& job_id) {
  return change_job(db_, "cancel", job_id, [&](bool& changed) -> Status {
    auto status = store::query_first(db_, "SELECT status FROM ingest_jobs WHERE id = ?",
                                     [](const store::Statement& row) { return row.text(0); }, job_id);
    if (!status) return status.status();
    if (!*status || (**status != "queued" && **status != "running")) return Status::ok();
    auto cancelled = update_job_files(db_,
                                      "UPDATE ingest_job_files SET status = 'cancelled', error = 'cancelled' "
                                      "WHERE job_id = ? AND status IN ('pending', 'running')",
                                      job_id);
    if (!cancelled) return cancelled.status();
    changed = true;
    return refresh_job_status(job_id);
  });
}

Result<bool> IngestJobStore::retry(const std::string& job_id) {
  return change_job(db_, "retry", job_id, [&](bool& changed) -> Status {
    auto retried = update_job_files(db_,
                                    "UPDATE ingest_job_files SET status = 'pending', error = '' "
                                    "WHERE job_id = ? AND status IN ('failed', 'cancelled')",
                                    job_id);
    if (!retried) return retried.status();
    changed = *retried > 0;
    if (!changed) return Status::ok();
    return refresh_job_status(job_id);
  });
}

Result<int64_t> IngestJobStore::recover_interrupted() {
  auto lock = db_.lock();
  if (db_.dialect() == store::Dialect::Postgres) return int64_t{0};  // leases run out instead
  int64_t n = 0;
  Status s = db_.transaction([&]() -> Status {
    if (Status r = store::execute(db_, "UPDATE ingest_job_files SET status = 'pending' WHERE status = 'running'"); !r)
      return r;
    n = db_.changes();
    return Status::ok();
  });
  if (!s) return Error{"cannot recover interrupted ingestion jobs: " + s.message()};
  return n;
}

}  // namespace pg::rag
