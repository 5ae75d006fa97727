// Shared handler state; see server_context.h.
#include "server/server_context.h"

#include <cstdio>

namespace pg::server {

ServerContext::ServerContext(ServerConfig config, ServerLog& log, Metrics& metrics, ModelManager& models)
    : config_(std::move(config)), log_(log), metrics_(metrics), models_(models), rng_(std::random_device{}()) {
  instance_id_ = new_id("").substr(0, 12);
}

double ServerContext::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::string ServerContext::new_id(std::string_view prefix) {
  uint64_t a, b;
  {
    std::lock_guard lock(mu_);
    a = rng_();
    b = rng_();
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b & 0xffffffffULL));
  return std::string(prefix) + buf;
}

void ServerContext::register_job(const std::shared_ptr<GenerationJob>& job) {
  std::lock_guard lock(mu_);
  jobs_[job->id()] = job;
}

void ServerContext::unregister_job(const std::string& id) {
  std::lock_guard lock(mu_);
  jobs_.erase(id);
}

bool ServerContext::cancel_job(const std::string& id) {
  std::shared_ptr<GenerationJob> job;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(id);
    if (it != jobs_.end()) job = it->second.lock();
  }
  if (!job || job->finished()) return false;
  job->cancel(CancelReason::Requested);
  return true;
}

}  // namespace pg::server
