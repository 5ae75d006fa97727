// What every route handler shares: the configuration, logger, metrics, model
// manager, the registry of running generations (for cancel by id), id
// generation and the shutdown flag. Owned by PlaygroundServer and alive for
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

#include "server/generation_job.h"
#include "server/metrics.h"
#include "server/model_manager.h"
#include "server/server_config.h"
#include "server/server_log.h"

namespace pg::server {

class ServerContext {
 public:
  ServerContext(ServerConfig config, ServerLog& log, Metrics& metrics, ModelManager& models);

  const ServerConfig& config() const { return config_; }
  ServerLog& log() { return log_; }
  Metrics& metrics() { return metrics_; }
  ModelManager& models() { return models_; }
  bool shutting_down() const { return shutting_down_.load(); }
  void begin_shutdown() { shutting_down_.store(true); }
  double uptime_seconds() const;

  // prefix + 24 random hex digits, e.g. "chatcmpl-3f9a...".
  std::string new_id(std::string_view prefix);

  void register_job(const std::shared_ptr<GenerationJob>& job);
  void unregister_job(const std::string& id);
  // Asks a running or queued generation to stop; false when no such id is running.
  bool cancel_job(const std::string& id);

 private:
  const ServerConfig config_;
  ServerLog& log_;
  Metrics& metrics_;
  ModelManager& models_;
  std::atomic<bool> shutting_down_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::map<std::string, std::weak_ptr<GenerationJob>> jobs_;
};

}  // namespace pg::server
