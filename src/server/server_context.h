// What every route handler shares: the configuration, logger, metrics, model
// manager, the registry of running generations with their owners (for cancel
// by id and the slot listing), the login throttle and the password-hash
// permits, id generation and the shutdown flag. Owned by PlaygroundServer and alive for
// as long as any handler runs. Holds no HTTP objects.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "server/app_names.h"
#include "server/auth/authenticator.h"
#include "server/auth/crypto.h"
#include "server/auth/hash_permits.h"
#include "server/auth/login_throttle.h"
#include "app/generation_job.h"
#include "app/metrics.h"
#include "app/model_manager.h"
#include "app/rag_services.h"
#include "app/server_config.h"
#include "app/server_log.h"

namespace pg::store {
class ConversationStore;
}
namespace pg::providers {
class ProviderRegistry;
class ProviderStore;
}

namespace pg::server {

// The stores and the authenticator, opened by the server at start.
struct DataServices {
  store::UserStore* users = nullptr;
  store::ConversationStore* conversations = nullptr;
  auth::Authenticator* authenticator = nullptr;
  bool auth_on = false;  // requests must carry a token or key
  auth::PasswordCost password_cost = auth::PasswordCost::Moderate;
  RagServices* rag = nullptr;
  providers::ProviderRegistry* providers = nullptr;     // remote inference providers
  providers::ProviderStore* provider_store = nullptr;   // providers added through the API
};

class ServerContext {
 public:
  ServerContext(ServerConfig config, ServerLog& log, Metrics& metrics, ModelManager& models);

  const ServerConfig& config() const { return config_; }
  ServerLog& log() { return log_; }
  Metrics& metrics() { return metrics_; }
  ModelManager& models() { return models_; }
  // Set once by the server before it serves (the accessors below need it).
  void attach(DataServices data) { data_ = data; }
  store::UserStore& users() { return *data_.users; }
  store::ConversationStore& conversations() { return *data_.conversations; }
  auth::Authenticator& authenticator() { return *data_.authenticator; }
  bool auth_on() const { return data_.auth_on; }
  auth::PasswordCost password_cost() const { return data_.password_cost; }
  RagServices& rag() { return *data_.rag; }
  // Remote providers exist in the server only (not in the CLI's in-process commands).
  bool has_providers() const { return data_.providers != nullptr; }
  providers::ProviderRegistry& providers() { return *data_.providers; }
  providers::ProviderStore& provider_store() { return *data_.provider_store; }
  bool shutting_down() const { return shutting_down_.load(); }
  void begin_shutdown() { shutting_down_.store(true); }
  double uptime_seconds() const;
  // Random per process (12 hex digits): tells instances behind a load balancer apart.
  const std::string& instance_id() const { return instance_id_; }

  // prefix + 24 random hex digits, e.g. "chatcmpl-3f9a...".
  std::string new_id(std::string_view prefix);

  // `owner`: who started the job (with auth off the anonymous local caller).
  void register_job(const std::shared_ptr<GenerationJob>& job, const auth::Principal& owner);
  void unregister_job(const std::string& id);
  // Asks a running or queued generation to stop; false when no such id is
  // running or `caller` may not see it (see may_see_job).
  bool cancel_job(const std::string& id, const auth::Principal& caller);
  // Admins (everyone with auth off) see every generation; users their own only.
  bool may_see_job(const std::string& id, const auth::Principal& caller);

  // Failed-login throttling and the bound on concurrent password hashes.
  auth::LoginThrottle& login_throttle() { return login_throttle_; }
  auth::HashPermits& hash_permits() { return hash_permits_; }

 private:
  const ServerConfig config_;
  ServerLog& log_;
  Metrics& metrics_;
  ModelManager& models_;
  DataServices data_;
  std::atomic<bool> shutting_down_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::mt19937_64 rng_;
  struct RegisteredJob {
    std::weak_ptr<GenerationJob> job;
    std::string owner;  // the user name; "" for the anonymous caller (auth off)
  };
  std::map<std::string, RegisteredJob> jobs_;
  auth::LoginThrottle login_throttle_;
  auth::HashPermits hash_permits_;
  std::string instance_id_;
};

}  // namespace pg::server
