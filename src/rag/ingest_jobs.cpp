// Ingestion jobs and their files in SQLite; see ingest_jobs.h.
#include "rag/ingest_jobs.h"

#include "store/statement_rows.h"
#include "util/unix_time.h"

namespace pg::rag {

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
  f.id = st.int64(0);
  f.job_id = st.text(1);
  f.position = static_cast<int>(st.int64(2));
  f.document_id = st.int64(3);
  f.file_name = st.text(4);
  f.size_bytes = st.int64(5);
  f.status = st.text(6);
  f.error = st.text(7);
  f.pages = st.int64(8);
  f.chunks = st.int64(9);
  f.seconds = st.real(10);
  f.warnings = st.text(11);
  return f;
}

IngestJob read_job(const store::Statement& st) {
  IngestJob j;
  j.id = st.text(0);
  j.collection_id = st.int64(1);
  j.kind = st.text(2);
  j.status = st.text(3);
  j.created_at = st.int64(4);
  j.updated_at = st.int64(5);
  j.started_at = st.optional_int64(6);
  j.finished_at = st.optional_int64(7);
  return j;
}

constexpr const char* kJobColumns = "id, collection_id, kind, status, created_at, updated_at, started_at, finished_at";

}  // namespace

Result<IngestJob> IngestJobStore::create(const std::string& id, int64_t collection_id, const std::string& kind,
                                         const std::vector<NewIngestFile>& files) {
  auto lock = db_.lock();
  const int64_t now = unix_time_now();
  Status s = db_.transaction([&]() -> Status {
    auto job = db_.prepare(
        "INSERT INTO ingest_jobs (id, collection_id, kind, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)");
    if (!job) return job.status();
    if (Status r = job->bind(1, id).bind(2, collection_id).bind(3, kind).bind(4, now).bind(5, now).run(); !r) return r;
    auto ins = db_.prepare(
        "INSERT INTO ingest_job_files (job_id, position, document_id, file_name, size_bytes, status) "
        "VALUES (?, ?, ?, ?, ?, 'pending')");
    if (!ins) return ins.status();
    int position = 0;
    for (const NewIngestFile& f : files) {
      ins->reset();
      if (Status r = ins->bind(1, id).bind(2, position++).bind(3, f.document_id).bind(4, f.file_name)
                         .bind(5, f.size_bytes).run();
          !r)
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
  auto st = db_.prepare(std::string("SELECT ") + kFileColumns +
                        " FROM ingest_job_files WHERE job_id = ? ORDER BY position");
  if (!st) return Error{st.error()};
  st->bind(1, job_id);
  return store::read_rows(*st, read_file);
}

Result<std::optional<IngestJob>> IngestJobStore::get(const std::string& id) {
  auto lock = db_.lock();
  auto st = db_.prepare(std::string("SELECT ") + kJobColumns + " FROM ingest_jobs WHERE id = ?");
  if (!st) return Error{st.error()};
  st->bind(1, id);
  auto row = st->step();
  if (!row) return Error{row.error()};
  if (!*row) return std::optional<IngestJob>();
  IngestJob job = read_job(*st);
  auto files = files_of(id);
  if (!files) return Error{files.error()};
  job.files = std::move(*files);
  return std::optional<IngestJob>(std::move(job));
}

Result<std::vector<IngestJob>> IngestJobStore::list(int64_t collection_id, int limit) {
  auto lock = db_.lock();
  auto st = db_.prepare(std::string("SELECT ") + kJobColumns +
                        " FROM ingest_jobs WHERE (?1 = 0 OR collection_id = ?1) ORDER BY created_at DESC, rowid DESC LIMIT ?2");
  if (!st) return Error{st.error()};
  st->bind(1, collection_id).bind(2, int64_t{limit});
  auto jobs = store::read_rows(*st, read_job);
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
  auto st = db_.prepare(std::string("SELECT ") + kPrefixedFileColumns +
                        " FROM ingest_job_files f JOIN ingest_jobs j ON j.id = f.job_id"
                        " WHERE f.status = 'pending' AND j.status IN ('queued', 'running')"
                        " ORDER BY j.created_at, j.rowid, f.position LIMIT 1");
  if (!st) return Error{st.error()};
  auto row = st->step();
  if (!row) return Error{row.error()};
  if (!*row) return std::optional<IngestFile>();
  return std::optional<IngestFile>(read_file(*st));
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
    auto pick = db_.prepare(std::string("SELECT f.id") + kClaimable +
                            (db_.dialect() == store::Dialect::Postgres ? " FOR UPDATE OF f SKIP LOCKED" : ""));
    if (!pick) return pick.status();
    pick->bind(1, now);
    auto row = pick->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    const int64_t id = pick->int64(0);
    auto up = db_.prepare(
        "UPDATE ingest_job_files SET status = 'running', error = '', claimed_by = ?, lease_until = ? WHERE id = ?");
    if (!up) return up.status();
    if (Status r = up->bind(1, worker).bind(2, now + lease_seconds).bind(3, id).run(); !r) return r;
    auto read = db_.prepare(std::string("SELECT ") + kFileColumns + " FROM ingest_job_files WHERE id = ?");
    if (!read) return read.status();
    read->bind(1, id);
    auto got = read->step();
    if (!got) return got.status();
    if (!*got) return Status::error("ingestion file " + std::to_string(id) + " vanished while claimed");
    claimed = read_file(*read);
    return refresh_job_status(claimed->job_id);
  });
  if (!s) return Error{"cannot claim an ingestion file: " + s.message()};
  return claimed;
}

Result<bool> IngestJobStore::renew_lease(int64_t file_id, const std::string& worker, int64_t lease_seconds) {
  auto lock = db_.lock();
  auto up = db_.prepare(
      "UPDATE ingest_job_files SET lease_until = ? WHERE id = ? AND claimed_by = ? AND status = 'running'");
  if (!up) return Error{up.error()};
  if (Status s = up->bind(1, unix_time_now() + lease_seconds).bind(2, file_id).bind(3, worker).run(); !s)
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
  st->bind(1, job_id);
  auto row = st->step();
  if (!row) return row.status();
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
  auto up = db_.prepare(
      "UPDATE ingest_jobs SET status = ?2, updated_at = ?3, "
      "started_at = CASE WHEN ?2 = 'queued' THEN started_at ELSE coalesce(started_at, ?3) END, "
      "finished_at = CASE WHEN ?4 <> 0 THEN coalesce(finished_at, ?3) ELSE NULL END WHERE id = ?1");
  if (!up) return up.status();
  return up->bind(1, job_id).bind(2, status).bind(3, now).bind(4, int64_t{ended}).run();
}

namespace {
Result<std::string> job_of_file(store::Database& db, int64_t file_id) {
  auto st = db.prepare("SELECT job_id FROM ingest_job_files WHERE id = ?");
  if (!st) return Error{st.error()};
  st->bind(1, file_id);
  auto row = st->step();
  if (!row) return Error{row.error()};
  if (!*row) return Error{"no ingestion file " + std::to_string(file_id)};
  return st->text(0);
}
}  // namespace

Status IngestJobStore::start_file(int64_t file_id) {
  auto lock = db_.lock();
  return db_.transaction([&]() -> Status {
    auto job = job_of_file(db_, file_id);
    if (!job) return job.status();
    auto st = db_.prepare("UPDATE ingest_job_files SET status = 'running', error = '' WHERE id = ?");
    if (!st) return st.status();
    if (Status s = st->bind(1, file_id).run(); !s) return s;
    return refresh_job_status(*job);
  });
}

Status IngestJobStore::finish_file(int64_t file_id, int64_t pages, int64_t chunks, double seconds,
                                   const std::string& warnings) {
  auto lock = db_.lock();
  return db_.transaction([&]() -> Status {
    auto job = job_of_file(db_, file_id);
    if (!job) return job.status();
    auto st = db_.prepare(
        "UPDATE ingest_job_files SET status = 'done', error = '', pages = ?, chunks = ?, seconds = ?, warnings = ? "
        "WHERE id = ?");
    if (!st) return st.status();
    if (Status s = st->bind(1, pages).bind(2, chunks).bind(3, seconds).bind(4, warnings).bind(5, file_id).run(); !s)
      return s;
    return refresh_job_status(*job);
  });
}

Status IngestJobStore::fail_file(int64_t file_id, const std::string& error) {
  auto lock = db_.lock();
  return db_.transaction([&]() -> Status {
    auto job = job_of_file(db_, file_id);
    if (!job) return job.status();
    auto st = db_.prepare("UPDATE ingest_job_files SET status = 'failed', error = ? WHERE id = ?");
    if (!st) return st.status();
    if (Status s = st->bind(1, error).bind(2, file_id).run(); !s) return s;
    return refresh_job_status(*job);
  });
}

Result<bool> IngestJobStore::cancel(const std::string& job_id) {
  auto lock = db_.lock();
  bool changed = false;
  Status s = db_.transaction([&]() -> Status {
    auto st = db_.prepare("SELECT status FROM ingest_jobs WHERE id = ?");
    if (!st) return st.status();
    st->bind(1, job_id);
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    const std::string status = st->text(0);
    if (status != "queued" && status != "running") return Status::ok();
    auto up = db_.prepare("UPDATE ingest_job_files SET status = 'cancelled', error = 'cancelled' "
                          "WHERE job_id = ? AND status IN ('pending', 'running')");
    if (!up) return up.status();
    if (Status r = up->bind(1, job_id).run(); !r) return r;
    changed = true;
    return refresh_job_status(job_id);
  });
  if (!s) return Error{"cannot cancel ingestion job " + job_id + ": " + s.message()};
  return changed;
}

Result<bool> IngestJobStore::retry(const std::string& job_id) {
  auto lock = db_.lock();
  bool changed = false;
  Status s = db_.transaction([&]() -> Status {
    auto up = db_.prepare("UPDATE ingest_job_files SET status = 'pending', error = '' "
                          "WHERE job_id = ? AND status IN ('failed', 'cancelled')");
    if (!up) return up.status();
    if (Status r = up->bind(1, job_id).run(); !r) return r;
    changed = db_.changes() > 0;
    if (!changed) return Status::ok();
    return refresh_job_status(job_id);
  });
  if (!s) return Error{"cannot retry ingestion job " + job_id + ": " + s.message()};
  return changed;
}

Result<int64_t> IngestJobStore::recover_interrupted() {
  auto lock = db_.lock();
  if (db_.dialect() == store::Dialect::Postgres) return int64_t{0};  // leases run out instead
  int64_t n = 0;
  Status s = db_.transaction([&]() -> Status {
    auto up = db_.prepare("UPDATE ingest_job_files SET status = 'pending' WHERE status = 'running'");
    if (!up) return up.status();
    if (Status r = up->run(); !r) return r;
    n = db_.changes();
    return Status::ok();
  });
  if (!s) return Error{"cannot recover interrupted ingestion jobs: " + s.message()};
  return n;
}

}  // namespace pg::rag
