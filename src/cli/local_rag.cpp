// The in-process document stack of the CLI; see local_rag.h.
#include "server/model_embedder.h"
#include "cli/local_rag.h"

#include "store/data_dir.h"

namespace pg::cli {

LocalRag::LocalRag(const app::ServerConfig& config)
    : config_(config),
      log_(config.log_level == "info" ? "warn" : config.log_level, "text"),
      models_(app::model_manager_options(config), nullptr) {}

LocalRag::~LocalRag() {
  if (worker_) worker_->stop();
  models_.shutdown();
}

Result<std::unique_ptr<LocalRag>> LocalRag::open(const app::ServerConfig& config) {
  std::unique_ptr<LocalRag> r(new LocalRag(config));
  auto db = store::open_store(config.data_dir, config.database);
  if (!db) return Error{db.error()};
  r->db_ = std::move(*db);
  r->collections_ = std::make_unique<rag::CollectionStore>(*r->db_);
  r->jobs_ = std::make_unique<rag::IngestJobStore>(*r->db_);
  r->vectors_ = std::make_unique<rag::VectorIndexSet>(*r->collections_, config.data_dir + "/vectors");
  if (Status s = r->models_.load_default(); !s) return Error{s.message()};
  r->ctx_ = std::make_unique<server::ServerContext>(r->config_, r->log_, r->metrics_, r->models_);
  r->rag_.collections = r->collections_.get();
  r->rag_.jobs = r->jobs_.get();
  r->rag_.vectors = r->vectors_.get();
  r->rag_.documents_dir = config.documents_dir.empty() ? config.data_dir + "/documents" : config.documents_dir;
  r->rag_.uploads_dir = config.data_dir + "/uploads";
  rag::IngestServices services;
  services.collections = r->collections_.get();
  services.jobs = r->jobs_.get();
  services.vectors = r->vectors_.get();
  services.documents_dir = r->rag_.documents_dir;
  services.limits.max_bytes = static_cast<uint64_t>(config.max_upload_bytes);
  services.limits.max_pages = static_cast<int>(config.max_document_pages);
  server::ServerContext* ctx = r->ctx_.get();
  services.embedder_for = [ctx](const std::string& model) { return server::model_embedder(*ctx, model); };
  r->worker_ = std::make_unique<rag::IngestWorker>(std::move(services));
  r->rag_.worker = r->worker_.get();
  r->ctx_->attach(server::DataServices{nullptr, nullptr, nullptr, false, {}, &r->rag_});
  return r;
}

void add_config_flags(CLI::App* cmd, ConfigFlags& f) {
  cmd->add_option("--data-dir", f.data_dir, "data directory (as for serve)");
  cmd->add_option("--database", f.database, "SQLite database file (default: <data_dir>/playground.db)");
  cmd->add_option("--models-dir", f.models_dir, "directory of GGUF models served by name (as for serve)");
  cmd->add_option("-m,--model", f.model, "model: a GGUF path or a name in models_dir (default: the configured one)");
  cmd->add_option("-t,--threads", f.threads, "compute threads (default: physical cores)");
  cmd->add_option("--config", f.config_file, "TOML config file (as for serve)");
  cmd->add_option("--env-file", f.env_file, "the .env file to read (default: ./.env)");
}

Result<app::ServerConfig> load_config(const ConfigFlags& f) {
  app::ConfigInputs in;
  if (!f.data_dir.empty()) in.flags["data_dir"] = f.data_dir;
  if (!f.database.empty()) in.flags["database"] = f.database;
  if (!f.models_dir.empty()) in.flags["models_dir"] = f.models_dir;
  if (!f.model.empty()) in.flags["model"] = f.model;
  if (f.threads > 0) in.flags["threads"] = std::to_string(f.threads);
  in.flags["slots"] = "1";  // one sequence at a time in the CLI
  in.config_file = f.config_file;
  in.env_file = f.env_file;
  return app::load_server_config(in);
}

}  // namespace pg::cli
