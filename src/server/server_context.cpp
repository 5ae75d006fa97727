// Shared handler state; see server_context.h.
#include "server/server_context.h"

#include <algorithm>

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

bool may_see(const std::string& owner, const auth::Principal& caller) {
  return caller.is_admin() || (!caller.anonymous() && caller.username == owner);
}

}  // namespace

ServerContext::ServerContext(app::Core& core, AuthSettings auth)
    : core_(core),
      auth_(std::move(auth)),
      authenticator_(core.users(), auth_.secret, core.config().token_ttl),
      login_throttle_(limiter_options(core.config().login_account_failures, core.config().login_account_window,
                                      core.config()),
                      limiter_options(core.config().login_ip_failures, core.config().login_ip_window, core.config())),
      hash_permits_(core.config().password_hash_concurrency) {}

void ServerContext::register_job(const std::shared_ptr<GenerationJob>& job, const auth::Principal& owner) {
  core_.register_job(job, owner.anonymous() ? std::string() : owner.username);
}

bool ServerContext::cancel_job(const std::string& id, const auth::Principal& caller) {
  auto owner = core_.job_owner(id);
  if (!owner || !may_see(*owner, caller)) return false;
  std::shared_ptr<GenerationJob> job = core_.find_job(id);
  if (!job || job->finished()) return false;
  job->cancel(CancelReason::Requested);
  return true;
}

bool ServerContext::may_see_job(const std::string& id, const auth::Principal& caller) {
  if (caller.is_admin()) return true;
  auto owner = core_.job_owner(id);
  return owner && may_see(*owner, caller);
}

}  // namespace pg::server
