// The pulls a server runs in the background: each has an id, a state
// (queued, running, success, failed, cancelled), its progress and notices
// (retries, resumes), and runs on its own thread so several download at
// once (at most max_parallel; the rest wait). Cancelling stops the transfer
// and deletes the partial file. Watchers wait for a change with a version
// number (for SSE). Finished jobs are kept (the last 50) for listing.
// With a PullStore (the server's database) every pull is also a row that all
// instances on that database see: this instance writes its pulls' states at
// once and their progress about once a second, renewing its lease on them;
// listings come from the database (other instances' pulls included); a
// start is refused while any instance pulls the same reference; cancelling
// another instance's pull asks its owner through the row, and watching one
// polls the row. Without a store, pulls live in this process only.
// Never touches models outside its registry's directory.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "models/pull.h"
#include "models/pull_job_info.h"
#include "models/pull_store.h"
#include "models/registry.h"

namespace pg::models {

// The database that shares pulls between instances, and who this instance is.
struct PullSharing {
  PullStore* store = nullptr;  // null: pulls live in this process only
  std::string instance;        // this instance's id (ServerContext::instance_id())
  int lease_seconds = 30;      // how long a row stays ours without a renewal
  std::chrono::milliseconds tick{1000};           // progress writes, lease renewals, cancel checks
  std::chrono::milliseconds remote_poll{300};     // how often a watcher of another instance's pull reads it
};

class PullJobs {
 public:
  PullJobs(ModelRegistry& registry, SourceEndpoints endpoints, int max_parallel = 3, PullSharing sharing = {});
  ~PullJobs();  // cancels and joins every job (with a store: recorded as failed, the partial file kept to resume)

  // Starts a pull; an error when the same reference is already being pulled
  // (with a store: by any instance).
  Result<std::string> start(const std::string& reference);
  // Oldest first in this process; with a store, the database's rows newest
  // first (every live pull and the last 50 finished, of every instance).
  std::vector<PullJobInfo> list() const;
  std::optional<PullJobInfo> get(const std::string& id) const;
  // False when no such job, or it already ended. Another instance's pull is
  // cancelled by its owner within about a tick.
  bool cancel(const std::string& id);
  // Waits until the job's version passes `seen` (or the timeout); returns the job and its version.
  // Another instance's pull: its row is read every remote_poll and its revision is the version.
  std::optional<std::pair<PullJobInfo, uint64_t>> wait_change(const std::string& id, uint64_t seen,
                                                               std::chrono::milliseconds timeout) const;
  // Names of models being downloaded now (for the model list).
  std::vector<PullJobInfo> active() const;
  // Retry tuning (tests shorten the backoff).
  void set_retry(int max_attempts, std::chrono::milliseconds first_backoff);

 private:
  struct Job {
    PullJobInfo info;
    uint64_t version = 0;
    std::atomic<bool> cancel{false};
    std::thread thread;
    std::vector<std::string> partial_files;  // final paths, to discard on cancel
    bool progress_dirty = false;             // progress or notices not yet written to the store
  };
  void run(std::shared_ptr<Job> job);
  void bump(Job& job);  // under mu_
  // With a store: writes the job's state now (never under mu_).
  void record(const PullJobInfo& info);
  // With a store: every tick, writes dirty progress, renews leases and picks up cancel requests.
  void heartbeat_loop();
  int64_t lease_until() const;
  // With a store: the rows, this instance's own jobs replaced by their fresher in-memory state.
  std::optional<PullJobInfo> local_info(const std::string& id) const;

  ModelRegistry& registry_;
  const SourceEndpoints endpoints_;
  const int max_parallel_;
  int max_attempts_ = 6;
  std::chrono::milliseconds first_backoff_{500};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> order_;
  int running_ = 0;
  uint64_t counter_ = 0;
  bool stopping_ = false;
  const PullSharing sharing_;
  std::thread heartbeat_;  // with a store only; started last
};

}  // namespace pg::models
