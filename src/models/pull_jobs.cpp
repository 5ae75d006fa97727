// Background pulls; see pull_jobs.h.
#include "models/pull_jobs.h"

#include <filesystem>
#include <random>

#include "models/download.h"

namespace pg::models {
namespace {
int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

PullJobs::PullJobs(ModelRegistry& registry, SourceEndpoints endpoints, int max_parallel)
    : registry_(registry), endpoints_(std::move(endpoints)), max_parallel_(std::max(1, max_parallel)) {}

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
  job->info.created_unix = unix_now();
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
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running_ < max_parallel_ || job->cancel || stopping_; });
    if (job->cancel || stopping_) {
      job->info.state = "cancelled";
      job->info.finished_unix = unix_now();
      bump(*job);
      return;
    }
    ++running_;
    job->info.state = "running";
    job->info.progress.status = "resolving";
    bump(*job);
  }
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
    bump(*job);
  };
  options.on_notice = [&](const std::string& n) {
    std::lock_guard lock(mu_);
    job->info.notices.push_back(n);
    if (job->info.notices.size() > 20) job->info.notices.erase(job->info.notices.begin());
    bump(*job);
  };
  Result<RegistryEntry> outcome = Error{"not started"};
  auto plan = plan_pull(job->info.reference, endpoints_);
  if (!plan) {
    outcome = plan.status();
  } else {
    {
      std::lock_guard lock(mu_);
      job->info.model = plan->model_name;
      job->info.progress.total = plan->total_bytes();
      job->info.progress.file_count = static_cast<int>(plan->files.size());
      for (const auto& f : plan->files)
        job->partial_files.push_back((std::filesystem::path(registry_.models_dir()) / f.file_name).string());
      bump(*job);
    }
    outcome = execute_pull(*plan, registry_, options);
  }
  std::lock_guard lock(mu_);
  --running_;
  if (job->cancel) {
    job->info.state = "cancelled";
    // A cancelled pull frees its disk; a killed process keeps its partial file to resume.
    if (!stopping_)
      for (const auto& p : job->partial_files) discard_partial(registry_.partial_dir(), p);
  } else if (outcome) {
    job->info.state = "success";
    job->info.model = outcome->name;
  } else {
    job->info.state = "failed";
    job->info.error = outcome.error();
  }
  job->info.finished_unix = unix_now();
  bump(*job);
}

std::vector<PullJobInfo> PullJobs::list() const {
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
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->info;
}

bool PullJobs::cancel(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->info.terminal()) return false;
  it->second->cancel = true;
  cv_.notify_all();
  return true;
}

std::optional<std::pair<PullJobInfo, uint64_t>> PullJobs::wait_change(const std::string& id, uint64_t seen,
                                                                      std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  auto job = it->second;
  cv_.wait_for(lock, timeout, [&] { return job->version > seen; });
  return std::make_pair(job->info, job->version);
}

}  // namespace pg::models
