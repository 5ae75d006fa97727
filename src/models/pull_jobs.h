// The pulls a server runs in the background: each has an id, a state
// (queued, running, success, failed, cancelled), its progress and notices
// (retries, resumes), and runs on its own thread so several download at
// once (at most max_parallel; the rest wait). Cancelling stops the transfer
// and deletes the partial file. Watchers wait for a change with a version
// number (for SSE). Finished jobs are kept (the last 50) for listing.
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
#include "models/registry.h"

namespace pg::models {

struct PullJobInfo {
  std::string id;
  std::string reference;
  std::string model;   // the model name once planned ("" before)
  std::string state;   // queued, running, success, failed, cancelled
  std::string error;   // when failed
  PullProgress progress;
  std::vector<std::string> notices;  // the last few
  int64_t created_unix = 0, finished_unix = 0;
  bool terminal() const { return state == "success" || state == "failed" || state == "cancelled"; }
};

class PullJobs {
 public:
  PullJobs(ModelRegistry& registry, SourceEndpoints endpoints, int max_parallel = 3);
  ~PullJobs();  // cancels and joins every job

  // Starts a pull; an error when the same reference is already being pulled.
  Result<std::string> start(const std::string& reference);
  std::vector<PullJobInfo> list() const;
  std::optional<PullJobInfo> get(const std::string& id) const;
  // False when no such job, or it already ended.
  bool cancel(const std::string& id);
  // Waits until the job's version passes `seen` (or the timeout); returns the job and its version.
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
  };
  void run(std::shared_ptr<Job> job);
  void bump(Job& job);  // under mu_

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
};

}  // namespace pg::models
