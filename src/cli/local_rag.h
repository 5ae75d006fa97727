// The playground's document stack inside the CLI process, for `ingest` and
// `ask`: the data directory's database (the one `serve` uses, same
// configuration sources), collections, ingestion jobs, vector indexes and the
// models, loaded on demand — what `serve` opens, without HTTP. Several
// processes may use the same data directory: SQLite (WAL) serializes writers.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "rag/collection_store.h"
#include "rag/ingest_jobs.h"
#include "rag/ingest_worker.h"
#include "rag/vector_index_set.h"
#include "app/metrics.h"
#include "app/model_manager.h"
#include "app/rag_services.h"
#include "app/server_config.h"
#include "server/server_context.h"
#include "app/server_log.h"
#include "store/database.h"

namespace pg::cli {

class LocalRag {
 public:
  // Opens the database and loads the default model (needed for answers and
  // for collections whose embedding model is the default one).
  static Result<std::unique_ptr<LocalRag>> open(const app::ServerConfig& config);
  ~LocalRag();

  server::ServerContext& ctx() { return *ctx_; }
  app::RagServices& rag() { return rag_; }
  rag::IngestWorker& worker() { return *worker_; }

 private:
  explicit LocalRag(const app::ServerConfig& config);

  app::ServerConfig config_;
  app::ServerLog log_;
  app::Metrics metrics_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<rag::CollectionStore> collections_;
  std::unique_ptr<rag::IngestJobStore> jobs_;
  std::unique_ptr<rag::VectorIndexSet> vectors_;
  app::ModelManager models_;
  std::unique_ptr<server::ServerContext> ctx_;
  app::RagServices rag_;
  std::unique_ptr<rag::IngestWorker> worker_;
};

// Reads the configuration the way `serve` does, from the flags given here.
struct ConfigFlags {
  std::string data_dir, database, models_dir, model, config_file, env_file = ".env";
  int threads = 0;
};
void add_config_flags(CLI::App* cmd, ConfigFlags& f);
Result<app::ServerConfig> load_config(const ConfigFlags& f);

}  // namespace pg::cli
