// Model pulls kept in the database (table model_pulls, migration 6), so that
// every server instance on one database lists every pull with its progress,
// and finished pulls survive a restart. The instance that runs a pull owns
// its row and holds a lease on it that it renews while it works; a queued or
// running row whose lease ran out belonged to an instance that stopped, and
// expire() turns it into a failed pull that says which instance it was. At
// most one live (queued or running) row per reference, enforced by a unique
// index so two instances cannot both start the same pull. Another instance
// cancels a pull by setting cancel_requested; the owner reads it with its
// lease renewal. Works on SQLite and PostgreSQL alike. Never downloads,
// never touches files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/pull_job_info.h"
#include "store/database.h"
#include "util/result.h"

namespace pg::models {

// One row: the pull as listed, plus what the instances coordinate with.
struct PullRecord {
  PullJobInfo info;  // info.instance: the owner
  int64_t lease_until = 0;
  bool cancel_requested = false;
  int64_t revision = 0;  // grows with every change a watcher should see
};

// What the owner learns when it renews its lease.
struct PullLease {
  bool held = false;              // false: the row is no longer live (expired elsewhere, or gone)
  bool cancel_requested = false;  // another instance asked to cancel
};

class PullStore {
 public:
  explicit PullStore(store::Database& db) : db_(db) {}

  // Inserts a new live pull (state queued or running) owned by info.instance
  // with the lease until `lease_until` (Unix seconds). When a live pull of
  // the same reference exists (on any instance; expired ones are failed
  // first), inserts nothing and returns that pull.
  Result<std::optional<PullRecord>> insert(const PullJobInfo& info, int64_t lease_until);
  // The owner's write of its pull's state, model, error, progress, notices
  // and finish time, with a fresh lease. Only while the row is live and
  // owned by info.instance: false when it is not (nothing written).
  Result<bool> write(const PullJobInfo& info, int64_t lease_until);
  // The owner renews its lease and, when given, writes the latest progress and
  // notices (a revision watchers see); says whether a cancel was asked for.
  Result<PullLease> renew(const PullJobInfo& info, int64_t lease_until, bool with_progress);
  // Marks a live pull for cancelling by its owner; false when there is no
  // such live pull.
  Result<bool> request_cancel(const std::string& id);
  // Fails every live pull whose lease ended before `now`; returns how many.
  Result<int64_t> expire(int64_t now);
  // Newest first, after expire(): every live pull and the last `keep_finished` finished ones.
  Result<std::vector<PullRecord>> list(int keep_finished = 50);
  // One pull, after expire(); nullopt when unknown.
  Result<std::optional<PullRecord>> get(const std::string& id);
  // Deletes finished pulls beyond the newest `keep_finished`.
  Status prune(int keep_finished = 50);

 private:
  Result<std::optional<PullRecord>> live_for_reference(const std::string& reference);
  Result<std::optional<PullRecord>> read_one(const std::string& id);
  store::Database& db_;
};

}  // namespace pg::models
