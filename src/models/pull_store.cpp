// Model pulls in the database, shared by the instances; see pull_store.h.
#include "models/pull_store.h"

#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

#include "store/statement_rows.h"
#include "util/unix_time.h"

namespace pg::models {
namespace {

constexpr const char* kColumns =
    "id, reference, model, state, error, progress_status, progress_file, file_index, file_count, completed_bytes, "
    "total_bytes, bytes_per_second, eta_seconds, notices, instance, lease_until, cancel_requested, revision, "
    "created_at, finished_at";
constexpr const char* kLive = "state IN ('queued', 'running')";
constexpr const char* kFinished = "state IN ('success', 'failed', 'cancelled')";

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_time(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The notices column holds a JSON array of strings; anything else reads as none.
std::vector<std::string> notices_from_json(const std::string& text) {
  std::vector<std::string> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& n : j)
    if (n.is_string()) out.push_back(n.get<std::string>());
  return out;
}

std::string notices_to_json(const std::vector<std::string>& notices) {
  return nlohmann::json(notices).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

PullRecord read_record(const store::Statement& st) {
  PullRecord r;
  PullJobInfo& i = r.info;
  i.id = st.text(0);
  i.reference = st.text(1);
  i.model = st.text(2);
  i.state = st.text(3);
  i.error = st.text(4);
  i.progress.status = st.text(5);
  i.progress.file = st.text(6);
  i.progress.file_index = static_cast<int>(st.int64(7));
  i.progress.file_count = static_cast<int>(st.int64(8));
  i.progress.completed = static_cast<uint64_t>(std::max<int64_t>(0, st.int64(9)));
  i.progress.total = static_cast<uint64_t>(std::max<int64_t>(0, st.int64(10)));
  i.progress.bytes_per_second = st.real(11);
  i.progress.eta_seconds = st.real(12);
  i.notices = notices_from_json(st.text(13));
  i.instance = st.text(14);
  r.lease_until = st.int64(15);
  r.cancel_requested = st.int64(16) != 0;
  r.revision = st.int64(17);
  i.created_unix = st.int64(18);
  i.finished_unix = st.is_null(19) ? 0 : st.int64(19);
  return r;
}

// Binds the progress columns at `first`..`first + 8` (status, file, index,
// count, completed, total, speed, eta, notices).
void bind_progress(store::Statement& st, int first, const PullJobInfo& info) {
  const PullProgress& p = info.progress;
  st.bind(first, p.status)
      .bind(first + 1, p.file)
      .bind(first + 2, int64_t{p.file_index})
      .bind(first + 3, int64_t{p.file_count})
      .bind(first + 4, static_cast<int64_t>(p.completed))
      .bind(first + 5, static_cast<int64_t>(p.total))
      .bind(first + 6, p.bytes_per_second)
      .bind(first + 7, p.eta_seconds)
      .bind(first + 8, notices_to_json(info.notices));
}

// The pull `where` selects with `key` bound to ?1, or nullopt; a failed step
// reads "<reading>: <the engine's message>".
Result<std::optional<PullRecord>> one_record(store::Database& db, const std::string& where, const std::string& key,
                                             const std::string& reading) {
  auto st = db.prepare(std::string("SELECT ") + kColumns + " FROM model_pulls WHERE " + where);
  if (!st) return Error{st.error()};
  auto record = store::read_first_row(st->bind(1, key), read_record);
  if (!record) return Error{reading + ": " + record.error()};
  return record;
}

}  // namespace

Result<std::optional<PullRecord>> PullStore::read_one(const std::string& id) {
  return one_record(db_, "id = ?", id, "cannot read model pull " + id);
}

Result<std::optional<PullRecord>> PullStore::live_for_reference(const std::string& reference) {
  return one_record(db_, std::string("reference = ? AND ") + kLive, reference,
                    "cannot look for a live pull of '" + reference + "'");
}

Result<int64_t> PullStore::expire(int64_t now) {
  auto lock = db_.lock();
  auto find = db_.prepare(std::string("SELECT id, instance, lease_until FROM model_pulls WHERE ") + kLive +
                          " AND lease_until < ?");
  if (!find) return Error{find.error()};
  find->bind(1, now);
  struct Stale {
    std::string id, instance;
    int64_t lease_until;
  };
  auto stale = store::read_rows(*find, [](const store::Statement& st) {
    return Stale{st.text(0), st.text(1), st.int64(2)};
  });
  if (!stale) return Error{"cannot look for model pulls whose instance stopped: " + stale.error()};
  int64_t failed = 0;
  for (const Stale& s : *stale) {
    auto up = db_.prepare(std::string("UPDATE model_pulls SET state = 'failed', error = ?, revision = revision + 1, "
                                      "updated_at = ?, finished_at = ? WHERE id = ? AND lease_until < ? AND ") +
                          kLive);
    if (!up) return Error{up.error()};
    const std::string error = "server instance " + s.instance + " stopped during this pull (its lease ran out at " +
                              utc_time(s.lease_until) + "); pull the model again to resume it";
    if (Status r = up->bind(1, error).bind(2, now).bind(3, now).bind(4, s.id).bind(5, now).run(); !r)
      return Error{"cannot fail model pull " + s.id + " of a stopped instance: " + r.message()};
    failed += db_.changes();
  }
  return failed;
}

Result<std::optional<PullRecord>> PullStore::insert(const PullJobInfo& info, int64_t lease_until) {
  auto lock = db_.lock();
  if (auto e = expire(unix_time_now()); !e) return Error{e.error()};
  std::optional<PullRecord> blocking;
  Status s = db_.transaction([&]() -> Status {
    auto live = live_for_reference(info.reference);
    if (!live) return live.status();
    if (*live) {
      blocking = std::move(*live);
      return Status::ok();
    }
    auto ins = db_.prepare(
        "INSERT INTO model_pulls (id, reference, model, state, error, progress_status, progress_file, file_index, "
        "file_count, completed_bytes, total_bytes, bytes_per_second, eta_seconds, notices, instance, lease_until, "
        "cancel_requested, revision, created_at, created_ms, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?)");
    if (!ins) return ins.status();
    ins->bind(1, info.id).bind(2, info.reference).bind(3, info.model).bind(4, info.state).bind(5, info.error);
    bind_progress(*ins, 6, info);
    ins->bind(15, info.instance).bind(16, lease_until).bind(17, info.created_unix).bind(18, unix_ms_now())
        .bind(19, unix_time_now());
    return ins->run();
  });
  if (!s) {
    // Two instances raced for the same reference: the unique index let one in.
    if (store::is_unique_violation(s.message())) {
      auto live = live_for_reference(info.reference);
      if (live && *live) return std::move(*live);
    }
    return Error{"cannot record the pull of '" + info.reference + "': " + s.message()};
  }
  return blocking;
}

Result<bool> PullStore::write(const PullJobInfo& info, int64_t lease_until) {
  auto lock = db_.lock();
  auto up = db_.prepare(std::string(
      "UPDATE model_pulls SET model = ?, state = ?, error = ?, progress_status = ?, progress_file = ?, "
      "file_index = ?, file_count = ?, completed_bytes = ?, total_bytes = ?, bytes_per_second = ?, "
      "eta_seconds = ?, notices = ?, lease_until = ?, finished_at = ?, revision = revision + 1, updated_at = ? "
      "WHERE id = ? AND instance = ? AND ") + kLive);
  if (!up) return Error{up.error()};
  up->bind(1, info.model).bind(2, info.state).bind(3, info.error);
  bind_progress(*up, 4, info);
  up->bind(13, lease_until);
  if (info.finished_unix) up->bind(14, info.finished_unix);
  else up->bind_null(14);
  up->bind(15, unix_time_now()).bind(16, info.id).bind(17, info.instance);
  if (Status s = up->run(); !s) return Error{"cannot record the state of model pull " + info.id + ": " + s.message()};
  return db_.changes() == 1;
}

Result<PullLease> PullStore::renew(const PullJobInfo& info, int64_t lease_until, bool with_progress) {
  auto lock = db_.lock();
  Result<store::Statement> up = Error{"unprepared"};
  if (with_progress) {
    up = db_.prepare(std::string(
        "UPDATE model_pulls SET progress_status = ?, progress_file = ?, file_index = ?, file_count = ?, "
        "completed_bytes = ?, total_bytes = ?, bytes_per_second = ?, eta_seconds = ?, notices = ?, lease_until = ?, "
        "revision = revision + 1, updated_at = ? WHERE id = ? AND instance = ? AND ") + kLive);
    if (!up) return Error{up.error()};
    bind_progress(*up, 1, info);
    up->bind(10, lease_until).bind(11, unix_time_now()).bind(12, info.id).bind(13, info.instance);
  } else {
    up = db_.prepare(std::string("UPDATE model_pulls SET lease_until = ? WHERE id = ? AND instance = ? AND ") + kLive);
    if (!up) return Error{up.error()};
    up->bind(1, lease_until).bind(2, info.id).bind(3, info.instance);
  }
  if (Status s = up->run(); !s) return Error{"cannot renew the lease of model pull " + info.id + ": " + s.message()};
  PullLease lease;
  lease.held = db_.changes() == 1;
  if (!lease.held) return lease;
  auto row = read_one(info.id);
  if (!row) return Error{row.error()};
  lease.cancel_requested = *row && (*row)->cancel_requested;
  return lease;
}

Result<bool> PullStore::request_cancel(const std::string& id) {
  auto lock = db_.lock();
  if (auto e = expire(unix_time_now()); !e) return Error{e.error()};
  auto up = db_.prepare(std::string("UPDATE model_pulls SET cancel_requested = 1, revision = revision + 1, "
                                    "updated_at = ? WHERE id = ? AND ") + kLive);
  if (!up) return Error{up.error()};
  if (Status s = up->bind(1, unix_time_now()).bind(2, id).run(); !s)
    return Error{"cannot ask for model pull " + id + " to be cancelled: " + s.message()};
  return db_.changes() == 1;
}

Result<std::vector<PullRecord>> PullStore::list(int keep_finished) {
  auto lock = db_.lock();
  if (auto e = expire(unix_time_now()); !e) return Error{e.error()};
  auto st = db_.prepare(std::string("SELECT ") + kColumns + " FROM model_pulls WHERE " + kLive +
                        " OR id IN (SELECT id FROM model_pulls WHERE " + kFinished +
                        " ORDER BY created_ms DESC, id DESC LIMIT ?) ORDER BY created_ms DESC, id DESC");
  if (!st) return Error{st.error()};
  st->bind(1, int64_t{keep_finished});
  auto rows = store::read_rows(*st, read_record);
  if (!rows) return Error{"cannot list the model pulls: " + rows.error()};
  return rows;
}

Result<std::optional<PullRecord>> PullStore::get(const std::string& id) {
  auto lock = db_.lock();
  if (auto e = expire(unix_time_now()); !e) return Error{e.error()};
  return read_one(id);
}

Status PullStore::prune(int keep_finished) {
  auto lock = db_.lock();
  auto del = db_.prepare(std::string("DELETE FROM model_pulls WHERE ") + kFinished +
                         " AND id NOT IN (SELECT id FROM model_pulls WHERE " + kFinished +
                         " ORDER BY created_ms DESC, id DESC LIMIT ?)");
  if (!del) return del.status();
  if (Status s = del->bind(1, int64_t{keep_finished}).run(); !s)
    return Status::error("cannot forget old model pulls: " + s.message());
  return Status::ok();
}

}  // namespace pg::models
