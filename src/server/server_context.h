// What every route handler shares: the application core (app/core.h) and the
// HTTP face's own parts — the authenticator, whether auth is on, the password
// cost, the login throttle and the password-hash permits — built whole by one
// constructor. Alive for as long as any handler runs. Holds no HTTP objects.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "app/core.h"
#include "server/app_names.h"
#include "server/auth/authenticator.h"
#include "server/auth/crypto.h"
#include "server/auth/hash_permits.h"
#include "server/auth/login_throttle.h"

namespace pg::server {

struct AuthSettings {
  bool auth_on = false;  // requests must carry a token or key
  auth::PasswordCost password_cost = auth::PasswordCost::Moderate;
  std::string secret;    // signs access tokens
};

class ServerContext {
 public:
  ServerContext(app::Core& core, AuthSettings auth);

  app::Core& core() { return core_; }
  // The core's parts, as handlers name them.
  const ServerConfig& config() const { return core_.config(); }
  ServerLog& log() { return core_.log(); }
  Metrics& metrics() { return core_.metrics(); }
  ModelManager& models() { return core_.models(); }
  store::UserStore& users() { return core_.users(); }
  store::ConversationStore& conversations() { return core_.conversations(); }
  RagServices& rag() { return core_.rag(); }
  providers::ProviderRegistry& providers() { return core_.providers(); }
  providers::ProviderStore& provider_store() { return core_.provider_store(); }
  bool shutting_down() const { return core_.shutting_down(); }
  double uptime_seconds() const { return core_.uptime_seconds(); }
  const std::string& instance_id() const { return core_.instance_id(); }
  std::string new_id(std::string_view prefix) { return core_.new_id(prefix); }

  auth::Authenticator& authenticator() { return authenticator_; }
  bool auth_on() const { return auth_.auth_on; }
  auth::PasswordCost password_cost() const { return auth_.password_cost; }

  // `owner`: who started the job (with auth off the anonymous local caller).
  void register_job(const std::shared_ptr<GenerationJob>& job, const auth::Principal& owner);
  void unregister_job(const std::string& id) { core_.unregister_job(id); }
  // Asks a running or queued generation to stop; false when no such id is
  // running or `caller` may not see it (see may_see_job).
  bool cancel_job(const std::string& id, const auth::Principal& caller);
  // Admins (everyone with auth off) see every generation; users their own only.
  bool may_see_job(const std::string& id, const auth::Principal& caller);

  // Failed-login throttling and the bound on concurrent password hashes.
  auth::LoginThrottle& login_throttle() { return login_throttle_; }
  auth::HashPermits& hash_permits() { return hash_permits_; }

 private:
  app::Core& core_;
  const AuthSettings auth_;
  auth::Authenticator authenticator_;
  auth::LoginThrottle login_throttle_;
  auth::HashPermits hash_permits_;
};

}  // namespace pg::server
