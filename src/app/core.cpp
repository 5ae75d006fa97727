// Opening and closing the application core; see core.h.
#include "app/core.h"

#include <cstdio>

#include "app/embeddings.h"
#include "providers/endpoint_address.h"
#include "store/data_dir.h"

namespace pg::app {

Core::Core(CoreInputs& inputs)
    : config_(std::move(inputs.config)),
      log_(config_.log_level, config_.log_format, std::move(inputs.log_sink)),
      rng_(std::random_device{}()) {
  instance_id_ = new_id("").substr(0, 12);
}

Result<std::unique_ptr<Core>> Core::open(CoreInputs inputs) {
  std::unique_ptr<Core> core(new Core(inputs));
  Core& c = *core;
  Scheduler::FinishedFn on_finished;
  if (inputs.serving)
    on_finished = [&c](const GenerationJob& job, const GenerationOutcome& out) {
      c.metrics_.record_generation(job.model(), out);
    };
  ModelManagerOptions model_options = model_manager_options(c.config_);
  model_options.on_notice = [&c](const std::string& model, const std::string& notice) {
    c.log_.warn("model notice", {{"model", model}, {"notice", notice}});
  };
  c.models_ = std::make_unique<ModelManager>(std::move(model_options), std::move(on_finished));
  if (Status s = c.open_stores(inputs); !s) return s;
  if (Status s = c.open_documents(inputs); !s) return s;
  if (inputs.serving)
    if (Status s = c.open_providers(); !s) return s;
  if (Status s = c.models_->load_default(); !s) return s;
  return core;
}

Status Core::open_stores(const CoreInputs& inputs) {
  auto db = store::open_store(config_.data_dir, config_.database);
  if (!db) return db.status();
  db_ = std::move(*db);
  users_ = std::make_unique<store::UserStore>(*db_);
  conversations_ = std::make_unique<store::ConversationStore>(*db_);
  provider_store_ = std::make_unique<providers::ProviderStore>(*db_, inputs.secret);
  pull_store_ = std::make_unique<models::PullStore>(*db_);
  if (inputs.serving) models_->share_pulls(*pull_store_, instance_id_, static_cast<int>(config_.pull_lease));
  return Status::ok();
}

// Collections, ingestion jobs (resumed from where a previous run stopped) and vector indexes.
Status Core::open_documents(const CoreInputs& inputs) {
  rag_.documents_dir = config_.documents_dir.empty() ? config_.data_dir + "/documents" : config_.documents_dir;
  rag_.uploads_dir = config_.data_dir + "/uploads";
  collections_ = std::make_unique<rag::CollectionStore>(*db_);
  ingest_jobs_ = std::make_unique<rag::IngestJobStore>(*db_);
  vectors_ = std::make_unique<rag::VectorIndexSet>(*collections_, config_.data_dir + "/vectors");
  if (inputs.serving && db_->dialect() == store::Dialect::Postgres) {
    // Other instances share the database: keep this one's vector indexes current.
    auto sync = rag::IndexSync::start(config_.database, *db_, *vectors_, instance_id_);
    if (!sync) return sync.status();
    index_sync_ = std::move(*sync);
  }
  rag::IngestServices services;
  services.collections = collections_.get();
  services.jobs = ingest_jobs_.get();
  services.vectors = vectors_.get();
  services.documents_dir = rag_.documents_dir;
  if (inputs.serving) {
    services.worker_id = "worker-" + instance_id_;
    services.lease_seconds = config_.ingest_lease;
  }
  services.limits.max_bytes = static_cast<uint64_t>(config_.max_upload_bytes);
  services.limits.max_pages = static_cast<int>(config_.max_document_pages);
  embedder_for_ = inputs.embedder_for;
  services.embedder_for = [this](const std::string& model) { return embedder(model); };
  ingest_worker_ = std::make_unique<rag::IngestWorker>(std::move(services));
  rag_.collections = collections_.get();
  rag_.jobs = ingest_jobs_.get();
  rag_.vectors = vectors_.get();
  rag_.worker = ingest_worker_.get();
  return Status::ok();
}

// Remote providers: the config file's, then those added through the API
// (a stored one of the same name as a configured one is ignored).
Status Core::open_providers() {
  for (const auto& p : config_.providers) providers_.put(p, "config");
  auto stored = provider_store_->load_all();
  if (!stored) return Status::error("cannot read the stored providers of " + db_->path() + ": " + stored.error());
  for (auto& p : *stored) {
    if (providers_.get(p.name)) continue;
    // Stored while allow_link_local_providers was on: not used while it is off.
    if (Status s = config_.allow_link_local_providers ? Status::ok() : providers::check_not_link_local(p); !s) {
      log_.warn("stored provider not loaded", {{"provider", p.name}, {"reason", s.message()}});
      continue;
    }
    providers_.put(std::move(p), "api");
  }
  return Status::ok();
}

Core::~Core() { shutdown(); }

Result<std::shared_ptr<rag::Embedder>> Core::embedder(const std::string& model) {
  if (embedder_for_) return embedder_for_(*this, model);
  auto loaded = models_->acquire(model);
  if (!loaded) return loaded.status();
  return local_model_embedder(std::move(*loaded), std::chrono::seconds(config_.request_timeout));
}

Status Core::start_ingestion() {
  if (Status s = ingest_worker_->start(); !s) return Status::error("cannot resume ingestion jobs: " + s.message());
  return Status::ok();
}

void Core::shutdown() {
  if (shutting_down_.exchange(true)) return;
  if (ingest_worker_) ingest_worker_->stop();  // the file in hand is redone at the next start
  providers_.stop();  // remote generations end as "cancelled", their upstream requests closed
  if (models_) models_->shutdown();  // in-flight generations end as "cancelled"; their streams finish
}

double Core::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::string Core::new_id(std::string_view prefix) {
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

void Core::register_job(const std::shared_ptr<GenerationJob>& job, const std::string& owner) {
  std::lock_guard lock(mu_);
  jobs_[job->id()] = RegisteredJob{job, owner};
}

void Core::unregister_job(const std::string& id) {
  std::lock_guard lock(mu_);
  jobs_.erase(id);
}

std::optional<std::string> Core::job_owner(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.owner;
}

std::shared_ptr<GenerationJob> Core::find_job(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.job.lock();
}

}  // namespace pg::app
