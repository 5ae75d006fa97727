// The application core every client uses (the HTTP server and the CLI's
// in-process commands): the configuration, log and metrics, the database and
// its stores, the documents (collections, ingestion jobs, vector indexes, the
// ingest worker), the remote providers, the model manager, and the registry
// of running generations. Core::open builds it whole — nothing is attached
// later and no accessor can return null — and a Core never speaks HTTP.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include <spdlog/common.h>

#include "app/generation_job.h"
#include "app/metrics.h"
#include "app/model_manager.h"
#include "app/rag_services.h"
#include "app/server_config.h"
#include "app/server_log.h"
#include "models/pull_store.h"
#include "providers/provider_registry.h"
#include "providers/provider_store.h"
#include "rag/index_sync.h"
#include "store/conversation_store.h"
#include "store/database.h"
#include "store/user_store.h"

namespace pg::app {

class Core;

// The embedder of a model name (local or remote) for the ingest worker; given
// the core it works for.
using EmbedderFactory = std::function<Result<std::shared_ptr<rag::Embedder>>(Core& core, const std::string& model)>;

struct CoreInputs {
  ServerConfig config;
  spdlog::sink_ptr log_sink;  // nullptr: stderr
  std::string secret;         // encrypts stored provider keys (the token-signing secret)
  // A server: shares model pulls and (PostgreSQL) vector indexes with other
  // instances, loads the remote providers and records generation metrics.
  // The CLI's in-process commands do none of this.
  bool serving = true;
  EmbedderFactory embedder_for;  // empty: local models only
};

class Core {
 public:
  // Opens the database and everything on it, the documents, the providers and
  // the model manager, and loads the default model. The ingest worker is
  // created but not started (start_ingestion()).
  static Result<std::unique_ptr<Core>> open(CoreInputs inputs);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // The embedder of a model (local, or remote where the inputs' factory
  // knows remote models), as ingestion and retrieval use it.
  Result<std::shared_ptr<rag::Embedder>> embedder(const std::string& model);

  // Resumes ingestion jobs in the background.
  Status start_ingestion();
  // Stops background work: ingestion, remote generations, every scheduler
  // (running jobs end as "cancelled"). Idempotent.
  void shutdown();

  const ServerConfig& config() const { return config_; }
  ServerLog& log() { return log_; }
  Metrics& metrics() { return metrics_; }
  ModelManager& models() { return *models_; }
  store::Database& database() { return *db_; }
  store::UserStore& users() { return *users_; }
  store::ConversationStore& conversations() { return *conversations_; }
  RagServices& rag() { return rag_; }
  providers::ProviderRegistry& providers() { return providers_; }
  providers::ProviderStore& provider_store() { return *provider_store_; }
  bool shutting_down() const { return shutting_down_.load(); }
  double uptime_seconds() const;
  // Random per process (12 hex digits): tells instances behind a load balancer apart.
  const std::string& instance_id() const { return instance_id_; }
  // prefix + 24 random hex digits, e.g. "chatcmpl-3f9a...".
  std::string new_id(std::string_view prefix);

  // Running generations by id, with who started them ("" for the anonymous caller).
  void register_job(const std::shared_ptr<GenerationJob>& job, const std::string& owner);
  void unregister_job(const std::string& id);
  // Who started the registered job of that id; nullopt when none is.
  std::optional<std::string> job_owner(const std::string& id);
  // The registered job, or nullptr when none is or it has ended.
  std::shared_ptr<GenerationJob> find_job(const std::string& id);

 private:
  Core(CoreInputs& inputs);
  Status open_stores(const CoreInputs& inputs);
  Status open_documents(const CoreInputs& inputs);
  Status open_providers();

  const ServerConfig config_;
  ServerLog log_;
  Metrics metrics_;
  std::atomic<bool> shutting_down_{false};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::string instance_id_;
  struct RegisteredJob {
    std::weak_ptr<GenerationJob> job;
    std::string owner;
  };
  std::map<std::string, RegisteredJob> jobs_;
  EmbedderFactory embedder_for_;
  // Declared in the order they are opened; destroyed the other way round.
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::ConversationStore> conversations_;
  std::unique_ptr<providers::ProviderStore> provider_store_;
  std::unique_ptr<models::PullStore> pull_store_;  // before models_: its pulls write to it until they stop
  std::unique_ptr<rag::CollectionStore> collections_;
  std::unique_ptr<rag::IngestJobStore> ingest_jobs_;
  std::unique_ptr<rag::VectorIndexSet> vectors_;
  std::unique_ptr<rag::IndexSync> index_sync_;  // PostgreSQL servers only; goes before vectors_
  RagServices rag_;
  providers::ProviderRegistry providers_;
  std::unique_ptr<ModelManager> models_;
  // Declared after what it uses, so it stops before they go.
  std::unique_ptr<rag::IngestWorker> ingest_worker_;
};

}  // namespace pg::app
