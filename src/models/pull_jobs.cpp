// Background pulls; see pull_jobs.h.
#include "models/pull_jobs.h"

#include <filesystem>
#include <random>

#include "models/download.h"
#include "util/unix_time.h"

namespace pg::models {

PullJobs::PullJobs(ModelRegistry& registry, SourceEndpoints endpoints, int max_parallel, PullSharing sharing)
    : registry_(registry),
      endpoints_(std::move(endpoints)),
      max_parallel_(std::max(1, max_parallel)),
      sharing_(std::move(sharing)) {
  if (sharing_.store) heartbeat_ = std::thread([this] { heartbeat_loop(); });
}

PullJobs::~PullJobs() {
  std::vector<std::shared_ptr<Job>> all;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [id, j] : jobs_) {
      j->cancel = true;
      all.push_back(j);
    }
  }
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  for (auto& j : all)
    if (j->thread.joinable()) j->thread.join();
}

void PullJobs::set_retry(int max_attempts, std::chrono::milliseconds first_backoff) {
  std::lock_guard lock(mu_);
  max_attempts_ = max_attempts;
  first_backoff_ = first_backoff;
}

void PullJobs::bump(Job& job) {
  ++job.version;
  cv_.notify_all();
}

int64_t PullJobs::lease_until() const { return unix_time_now() + sharing_.lease_seconds; }

void PullJobs::record(const PullJobInfo& info) {
  if (!sharing_.store) return;
  // A failed write leaves the row as it was; its lease then runs out and the
  // other instances show the pull as failed, which is the truth they can know.
  (void)sharing_.store->write(info, lease_until());
  if (info.terminal()) (void)sharing_.store->prune();
}

Result<std::string> PullJobs::start(const std::string& reference) {
  if (reference.empty() || reference.size() > 400) return Error{"a model reference must be 1-400 characters"};
  std::lock_guard lock(mu_);
  if (stopping_) return Error{"the server is shutting down"};
  for (const auto& [id, j] : jobs_)
    if (!j->info.terminal() && j->info.reference == reference)
      return Error{"'" + reference + "' is already being pulled (job " + id + ")"};
  std::random_device rd;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%08x%08x", rd(), static_cast<unsigned>(++counter_));
  auto job = std::make_shared<Job>();
  job->info.id = std::string("pull-") + hex;
  job->info.reference = reference;
  job->info.state = "queued";
  job->info.instance = sharing_.instance;
  job->info.created_unix = unix_time_now();
  if (sharing_.store) {
    auto blocking = sharing_.store->insert(job->info, lease_until());
    if (!blocking) return Error{blocking.error()};
    if (*blocking)
      return Error{"'" + reference + "' is already being pulled (job " + (*blocking)->info.id + " on instance " +
                   (*blocking)->info.instance + ")"};
  }
  jobs_[job->info.id] = job;
  order_.push_back(job->info.id);
  // Forget the oldest finished jobs beyond 50.
  while (order_.size() > 50) {
    auto it = jobs_.find(order_.front());
    if (it == jobs_.end() || !it->second->info.terminal()) break;
    if (it->second->thread.joinable()) it->second->thread.detach();  // its run() has returned
    jobs_.erase(it);
    order_.pop_front();
  }
  job->thread = std::thread([this, job] { run(job); });
  return job->info.id;
}

void PullJobs::run(std::shared_ptr<Job> job) {
  // With a store, a pull stopped by this instance's shutdown is a failure the
  // other instances should see explained (its partial file stays to resume).
  const auto stopped_by_shutdown = [&] {
    if (sharing_.store) {
      job->info.state = "failed";
      job->info.error = "server instance " + sharing_.instance +
                        " shut down during this pull; pull the model again to resume it";
    } else {
      job->info.state = "cancelled";
    }
  };
  PullJobInfo running_info;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running_ < max_parallel_ || job->cancel || stopping_; });
    if (job->cancel || stopping_) {
      if (stopping_) stopped_by_shutdown();
      else job->info.state = "cancelled";
      job->info.finished_unix = unix_time_now();
      bump(*job);
      const PullJobInfo info = job->info;
      lock.unlock();
      record(info);
      return;
    }
    ++running_;
    job->info.state = "running";
    job->info.progress.status = "resolving";
    bump(*job);
    running_info = job->info;
  }
  record(running_info);
  PullOptions options;
  options.endpoints = endpoints_;
  options.cancel = &job->cancel;
  {
    std::lock_guard lock(mu_);
    options.max_attempts = max_attempts_;
    options.first_backoff = first_backoff_;
  }
  options.on_progress = [&](const PullProgress& p) {
    std::lock_guard lock(mu_);
    job->info.progress = p;
    job->progress_dirty = true;
    bump(*job);
  };
  options.on_notice = [&](const std::string& n) {
    std::lock_guard lock(mu_);
    job->info.notices.push_back(n);
    if (job->info.notices.size() > 20) job->info.notices.erase(job->info.notices.begin());
    job->progress_dirty = true;
    bump(*job);
  };
  Result<RegistryEntry> outcome = Error{"not started"};
  auto plan = plan_pull(job->info.reference, endpoints_);
  if (!plan) {
    outcome = plan.status();
  } else {
    PullJobInfo planned;
    {
      std::lock_guard lock(mu_);
      job->info.model = plan->model_name;
      job->info.progress.total = plan->total_bytes();
      job->info.progress.file_count = static_cast<int>(plan->files.size());
      for (const auto& f : plan->files)
        job->partial_files.push_back((std::filesystem::path(registry_.models_dir()) / f.file_name).string());
      bump(*job);
      planned = job->info;
    }
    record(planned);
    outcome = execute_pull(*plan, registry_, options);
  }
  PullJobInfo final_info;
  {
    std::lock_guard lock(mu_);
    --running_;
    if (job->cancel) {
      if (stopping_) {
        stopped_by_shutdown();
      } else {
        job->info.state = "cancelled";
        // A cancelled pull frees its disk; a killed process keeps its partial file to resume.
        for (const auto& p : job->partial_files) discard_partial(registry_.partial_dir(), p);
      }
    } else if (outcome) {
      job->info.state = "success";
      job->info.model = outcome->name;
    } else {
      job->info.state = "failed";
      job->info.error = outcome.error();
    }
    job->info.finished_unix = unix_time_now();
    bump(*job);
    final_info = job->info;
  }
  record(final_info);
}

void PullJobs::heartbeat_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, sharing_.tick, [&] { return stopping_; });
    if (stopping_) break;
    struct Live {
      std::shared_ptr<Job> job;
      PullJobInfo info;
      bool dirty;
    };
    std::vector<Live> live;
    for (auto& [id, j] : jobs_)
      if (!j->info.terminal()) {
        live.push_back({j, j->info, j->progress_dirty});
        j->progress_dirty = false;
      }
    lock.unlock();
    for (Live& l : live) {
      auto lease = sharing_.store->renew(l.info, lease_until(), l.dirty);
      if (!lease) {
        std::lock_guard again(mu_);
        l.job->progress_dirty = l.job->progress_dirty || l.dirty;  // written at the next tick
        continue;
      }
      // Cancelled from another instance, or the row was failed elsewhere
      // (our lease ran out): either way this pull must stop.
      if (lease->cancel_requested || (!lease->held && !l.info.terminal())) {
        std::lock_guard again(mu_);
        if (!l.job->info.terminal()) {
          l.job->cancel = true;
          cv_.notify_all();
        }
      }
    }
    lock.lock();
  }
}

std::optional<PullJobInfo> PullJobs::local_info(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->info;
}

std::vector<PullJobInfo> PullJobs::list() const {
  if (sharing_.store) {
    auto rows = sharing_.store->list();
    if (rows) {
      std::vector<PullJobInfo> out;
      for (PullRecord& r : *rows) {
        auto mine = r.info.instance == sharing_.instance ? local_info(r.info.id) : std::nullopt;
        out.push_back(mine ? std::move(*mine) : std::move(r.info));
      }
      return out;
    }
    // The database cannot be read: this instance's own pulls are still known.
  }
  std::lock_guard lock(mu_);
  std::vector<PullJobInfo> out;
  for (const auto& id : order_)
    if (auto it = jobs_.find(id); it != jobs_.end()) out.push_back(it->second->info);
  return out;
}

std::vector<PullJobInfo> PullJobs::active() const {
  std::vector<PullJobInfo> out;
  for (auto& j : list())
    if (!j.terminal()) out.push_back(std::move(j));
  return out;
}

std::optional<PullJobInfo> PullJobs::get(const std::string& id) const {
  if (auto mine = local_info(id)) return mine;
  if (!sharing_.store) return std::nullopt;
  auto row = sharing_.store->get(id);
  if (!row || !*row) return std::nullopt;
  return std::move((*row)->info);
}

bool PullJobs::cancel(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(id);
    if (it != jobs_.end()) {
      if (it->second->info.terminal()) return false;
      it->second->cancel = true;
      cv_.notify_all();
      return true;
    }
  }
  if (!sharing_.store) return false;
  // Another instance's pull: its owner sees the request with its next lease renewal.
  auto asked = sharing_.store->request_cancel(id);
  return asked && *asked;
}

std::optional<std::pair<PullJobInfo, uint64_t>> PullJobs::wait_change(const std::string& id, uint64_t seen,
                                                                      std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) {
    auto job = it->second;
    cv_.wait_for(lock, timeout, [&] { return job->version > seen; });
    return std::make_pair(job->info, job->version);
  }
  if (!sharing_.store) return std::nullopt;
  // Another instance's pull: read its row every remote_poll until its revision moves.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    lock.unlock();
    auto row = sharing_.store->get(id);
    lock.lock();
    if (!row || !*row) return std::nullopt;
    const auto revision = static_cast<uint64_t>((*row)->revision);
    const auto now = std::chrono::steady_clock::now();
    if (revision != seen || now >= deadline || stopping_)
      return std::make_pair(std::move((*row)->info), revision);
    cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(sharing_.remote_poll, deadline - now),
                 [&] { return stopping_; });
  }
}

}  // namespace pg::models
