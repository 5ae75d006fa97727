// The in-process document stack of the CLI; see local_rag.h.
#include "server/model_embedder.h"
#include "cli/local_rag.h"

#include "cli/config_flags.h"
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
  add_data_dir_option(cmd, f.data_dir);
  add_database_option(cmd, f.database);
  cmd->add_option("--models-dir", f.models_dir, "directory of GGUF models served by name (as for serve)");
  cmd->add_option("-m,--model", f.model, "model: a GGUF path or a name in models_dir (default: the configured one)");
  cmd->add_option("-t,--threads", f.threads, "compute threads (default: physical cores)");
  add_config_file_options(cmd, f.config_file, f.env_file);
}

Result<app::ServerConfig> load_config(const ConfigFlags& f) {
  return load_config_with_flags({{"data_dir", f.data_dir},
                                 {"database", f.database},
                                 {"models_dir", f.models_dir},
                                 {"model", f.model},
                                 {"threads", f.threads > 0 ? std::to_string(f.threads) : ""},
                                 {"slots", "1"}},  // one sequence at a time in the CLI
                                f.config_file, f.env_file);
}

}  // namespace pg::cli
