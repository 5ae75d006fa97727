// Shared handler state; see server_context.h.
#include "server/server_context.h"

#include <algorithm>
#include <cstdio>

namespace pg::server {

namespace {

auth::FailureLimiter::Options limiter_options(int failures, int64_t window, const ServerConfig& c) {
  auth::FailureLimiter::Options o;
  o.max_failures = failures;
  o.window = std::chrono::seconds(window);
  o.max_lockout = std::chrono::seconds(std::max(c.login_max_lockout, window));
  o.max_keys = static_cast<size_t>(c.login_tracked_keys);
  return o;
}

}  // namespace

ServerContext::ServerContext(ServerConfig config, ServerLog& log, Metrics& metrics, ModelManager& models)
    : config_(std::move(config)),
      log_(log),
      metrics_(metrics),
      models_(models),
      rng_(std::random_device{}()),
      login_throttle_(limiter_options(config_.login_account_failures, config_.login_account_window, config_),
                      limiter_options(config_.login_ip_failures, config_.login_ip_window, config_)),
      hash_permits_(config_.password_hash_concurrency) {
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

void ServerContext::register_job(const std::shared_ptr<GenerationJob>& job, const auth::Principal& owner) {
  std::lock_guard lock(mu_);
  jobs_[job->id()] = RegisteredJob{job, owner.anonymous() ? std::string() : owner.username};
}

void ServerContext::unregister_job(const std::string& id) {
  std::lock_guard lock(mu_);
  jobs_.erase(id);
}

namespace {

bool may_see(const std::string& owner, const auth::Principal& caller) {
  return caller.is_admin() || (!caller.anonymous() && caller.username == owner);
}

}  // namespace

bool ServerContext::cancel_job(const std::string& id, const auth::Principal& caller) {
  std::shared_ptr<GenerationJob> job;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(id);
    if (it != jobs_.end() && may_see(it->second.owner, caller)) job = it->second.job.lock();
  }
  if (!job || job->finished()) return false;
  job->cancel(CancelReason::Requested);
  return true;
}

bool ServerContext::may_see_job(const std::string& id, const auth::Principal& caller) {
  if (caller.is_admin()) return true;
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  return it != jobs_.end() && may_see(it->second.owner, caller);
}

}  // namespace pg::server
