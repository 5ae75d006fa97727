// Model lookup and loading; see model_manager.h.
#include "app/model_manager.h"

#include <algorithm>
#include <filesystem>

#include "models/default_model.h"
#include "models/model_resolver.h"

namespace pg::app {
namespace fs = std::filesystem;

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool safe_model_name(const std::string& name) { return models::ModelRegistry::valid_name(name); }

ModelFile file_of(const models::RegistryEntry& e) {
  ModelFile f;
  f.name = e.name;
  f.path = e.path;
  f.size_bytes = e.size_bytes;
  f.modified_unix = e.modified_unix;
  f.aliases = e.aliases;
  f.sha256 = e.sha256;
  f.source = e.source;
  f.parts = e.parts;
  return f;
}
Status model_not_found(const std::string& requested) {
  return Status::not_found("model '" + requested + "' not found; GET /api/v1/models lists the models", "model_not_found");
}

// models::check_kv_cache_types for a model by name: invalid_argument (invalid_cache_type).
Status check_cache_types(const std::string& name, const models::KvCacheTypes& types, int64_t head_dim) {
  Status s = models::check_kv_cache_types(types, head_dim);
  if (s) return s;
  return Status::invalid_argument("model '" + name + "' cannot use these KV cache types: " + s.message(), s.reason());
}

Status shutting_down() { return Status::unavailable("the server is shutting down", "shutting_down"); }

}  // namespace

LoadedModel::~LoadedModel() { scheduler.reset(); }

bool LoadedModel::busy() const {
  if (scheduler) {
    const SchedulerStatus s = scheduler->status();
    if (s.active > 0 || s.queued > 0) return true;
  }
  return false;
}

int64_t LoadedModel::expires_unix() const {
  const double ka = keep_alive_seconds.load();
  if (ka < 0) return INT64_MAX;
  const int64_t idle_ms = steady_ms() - last_used_ms.load();
  return unix_now() + static_cast<int64_t>(ka) - idle_ms / 1000;
}

Status LoadedModel::require_generation() const {
  if (model) return Status::ok();
  return Status::invalid_argument("model '" + file.name + "' is an embedding model (" + encoder->architecture() +
                                      "); it computes embeddings but cannot generate text",
                                  "not_a_generation_model");
}

const Tokenizer& LoadedModel::tokenizer() const { return model ? model->tokenizer() : encoder->tokenizer(); }

const gguf::GgufFile& LoadedModel::gguf() const { return model ? model->file() : encoder->file(); }

int64_t LoadedModel::context_size() const { return model ? scheduler->context_size() : encoder->n_ctx(); }

std::optional<models::KvCacheTypes> LoadedModel::cache_types() const {
  if (!scheduler) return std::nullopt;
  return scheduler->options().cache_types;
}

int64_t LoadedModel::n_embd() const { return model ? model->config().n_embd : encoder->n_embd(); }

uint64_t LoadedModel::weight_bytes() const { return model ? model->weight_bytes() : encoder->weight_bytes(); }

const std::string& LoadedModel::general_name() const {
  return model ? model->config().name : encoder->config().name;
}

Result<ModelFile> describe_model_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Error{"model file " + path + " does not exist or is not a file"};
  ModelFile f;
  f.path = fs::weakly_canonical(path, ec).string();
  if (ec) f.path = path;
  f.name = fs::path(path).stem().string();
  f.size_bytes = fs::file_size(path, ec);
  const auto mtime = fs::last_write_time(path, ec);
  if (!ec) {
    const auto sys = std::chrono::file_clock::to_sys(mtime);
    f.modified_unix = std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
  }
  return f;
}

ModelManager::ModelManager(ModelManagerOptions options, Scheduler::FinishedFn on_finished)
    : options_(std::move(options)), on_finished_(std::move(on_finished)), registry_(options_.models_dir) {
  pulls_ = std::make_unique<models::PullJobs>(registry_, options_.endpoints);
  reaper_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopped_) {
      reaper_cv_.wait_for(lock, std::chrono::milliseconds(250));
      if (stopped_) break;
      lock.unlock();
      reap_idle();
      lock.lock();
    }
  });
}

void ModelManager::share_pulls(models::PullStore& store, const std::string& instance_id, int lease_seconds) {
  models::PullSharing sharing;
  sharing.store = &store;
  sharing.instance = instance_id;
  sharing.lease_seconds = lease_seconds;
  pulls_ = std::make_unique<models::PullJobs>(registry_, options_.endpoints, 3, std::move(sharing));
}

ModelManager::~ModelManager() {
  shutdown();
  if (reaper_.joinable()) reaper_.join();
  pulls_.reset();
}

ModelManagerOptions model_manager_options(const ServerConfig& c) {
  ModelManagerOptions o;
  o.default_model = c.model;
  o.models_dir = c.models_dir;
  o.threads = c.threads;
  o.scheduler.slots = c.slots;
  o.scheduler.queue_size = c.queue_size;
  o.scheduler.n_ctx = c.ctx_size;
  o.scheduler.prompt_chunk = c.prompt_chunk;
  o.scheduler.cache_types = c.cache_types;
  o.memory_budget = models::parse_memory_budget(c.memory_budget).is_ok()
                        ? *models::parse_memory_budget(c.memory_budget) : 0;
  auto ka = models::parse_keep_alive(c.keep_alive);
  o.keep_alive_seconds = ka ? *ka : 300;
  o.endpoints = c.endpoints;
  return o;
}

Status ModelManager::load_default() {
  std::string m = options_.default_model;
  if (m.empty()) m = registry_.default_name();  // `playground default NAME` in the models directory
  // The one resolver the CLI's commands use too: a GGUF path, a name in models_dir, or the demo's name.
  auto resolved = m.empty() ? models::demo_model() : models::resolve_model(m, options_.models_dir);
  if (!resolved) return resolved.status();
  const std::string path = resolved->path;
  auto file = describe_model_file(path);
  if (!file) return file.status();
  file->is_default = true;
  auto est = models::estimate_model_memory(path, options_.scheduler.n_ctx, options_.scheduler.slots,
                                          options_.scheduler.prompt_chunk, options_.scheduler.cache_types);
  auto loaded = load(*file, est ? est->required() : file->size_bytes, options_.scheduler.cache_types);
  if (!loaded) return loaded.status();
  default_ = (*loaded)->file;
  default_general_name_ = (*loaded)->general_name();
  std::lock_guard lock(mu_);
  loaded_[default_.name] = *loaded;
  return Status::ok();
}

Result<std::shared_ptr<LoadedModel>> ModelManager::load(const ModelFile& file, uint64_t estimated_bytes,
                                                        const models::KvCacheTypes& cache_types) {
  const auto start = std::chrono::steady_clock::now();
  auto failed = [&](const std::string& why) -> Result<std::shared_ptr<LoadedModel>> {
    return Error{"cannot load model '" + file.name + "' from " + file.path + ": " + why};
  };
  if (file.parts.size() > 1)
    return failed("it is split into " + std::to_string(file.parts.size()) +
                  " files and the engine reads single-file GGUF only (merge the parts with llama.cpp's gguf-split --merge)");
  auto gguf_file = gguf::GgufFile::open(file.path, MapMode::Streamed);
  if (!gguf_file) return failed(gguf_file.error());
  const std::string arch = (*gguf_file)->get_string("general.architecture").value_or("");
  auto lm = std::make_shared<LoadedModel>();
  lm->file = file;
  if (BertModel::is_encoder_architecture(arch)) {
    auto encoder = BertModel::from_file(std::move(*gguf_file));
    if (!encoder) return failed(encoder.error());
    lm->encoder = std::move(*encoder);
  } else {
    auto model = LlamaModel::from_file(std::move(*gguf_file));
    if (!model) return failed(model.error());
    lm->model = std::move(*model);
    // The session would quietly use f16 for a type these heads cannot take: refuse instead.
    if (Status s = check_cache_types(file.name, cache_types, lm->model->config().head_dim); !s) return s;
    if (options_.on_notice)
      for (const std::string& notice : lm->model->notices()) options_.on_notice(file.name, notice);
  }
  lm->sha256 = std::make_unique<FileDigest>(file.path);
  lm->pool = std::make_unique<ThreadPool>(options_.threads > 0 ? options_.threads : physical_core_count());
  if (lm->model) {
    SchedulerOptions so = options_.scheduler;
    so.cache_types = cache_types;
    lm->scheduler = std::make_unique<Scheduler>(*lm->model, *lm->pool, so, on_finished_);
  }
  lm->load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  lm->loaded_unix = unix_now();
  lm->estimated_bytes = estimated_bytes;
  lm->last_used_ms = steady_ms();
  // The default model stays loaded unless a request says otherwise, whether
  // loaded at start or again after an unload.
  lm->keep_alive_seconds = file.is_default ? -1.0 : options_.keep_alive_seconds;
  return lm;
}

std::vector<ModelFile> ModelManager::available() const {
  std::vector<ModelFile> out;
  if (!default_.name.empty()) out.push_back(default_);
  for (const models::RegistryEntry& e : registry_.list(false, nullptr, false)) {
    if (e.name == default_.name) {
      out.front().aliases = e.aliases;
      out.front().source = e.source;
      continue;
    }
    out.push_back(file_of(e));
  }
  return out;
}

std::optional<ModelFile> ModelManager::find_file(const std::string& name) const {
  if (name == default_.name && !default_.name.empty()) return default_;
  if (options_.models_dir.empty()) return std::nullopt;
  for (const models::RegistryEntry& e : registry_.list(false, nullptr, false))
    if (e.name == name) return file_of(e);
  return std::nullopt;
}

std::string ModelManager::canonical_name(const std::string& requested) const {
  std::string name = requested;
  if (name.empty() || name == default_.name || (!default_general_name_.empty() && name == default_general_name_))
    return default_.name;
  if (!options_.models_dir.empty())
    if (auto r = registry_.resolve(name)) return *r;
  if (name.size() > 7 && name.compare(name.size() - 7, 7, ":latest") == 0) name.resize(name.size() - 7);
  if (name == default_.name || (!default_general_name_.empty() && name == default_general_name_)) return default_.name;
  return name;
}

std::shared_ptr<LoadedModel> ModelManager::find_loaded(const std::string& requested) const {
  const std::string name = canonical_name(requested);
  std::lock_guard lock(mu_);
  auto it = loaded_.find(name);
  return it == loaded_.end() ? nullptr : it->second;
}

uint64_t ModelManager::memory_in_use() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [name, m] : loaded_) n += m->estimated_bytes;
  return n;
}

Result<models::MemoryEstimate> ModelManager::estimate(const std::string& requested, std::optional<int64_t> n_ctx,
                                                      std::optional<models::KvCacheTypes> cache_types) const {
  const std::string name = canonical_name(requested);
  auto file = safe_model_name(name) ? find_file(name) : std::nullopt;
  if (!file) return model_not_found(requested);
  auto gguf_file = gguf::GgufFile::open(file->path, MapMode::Plain);
  const bool encoder = gguf_file && BertModel::is_encoder_architecture((*gguf_file)->get_string("general.architecture").value_or(""));
  const models::KvCacheTypes types = cache_types.value_or(options_.scheduler.cache_types);
  auto est = models::estimate_model_memory(file->path, n_ctx.value_or(options_.scheduler.n_ctx), encoder ? 0 : options_.scheduler.slots,
                                          options_.scheduler.prompt_chunk, types);
  if (!est) return Status::internal(est.error(), "model_load_failed");
  if (!encoder)
    if (Status s = check_cache_types(name, types, est->head_dim); !s) return s;
  return *est;
}

Status ModelManager::make_room(const std::string& for_name, uint64_t needed) {
  const uint64_t budget = options_.memory_budget;
  if (budget == 0) return Status::ok();
  if (needed > budget)
    return Status::resource_exhausted(
                   "model '" + for_name + "' needs about " + models::format_bytes(needed) +
                       " (resident weights + KV cache for " + std::to_string(options_.scheduler.slots) +
                       " slots), more than the whole memory_budget of " + models::format_bytes(budget) +
                       "; raise memory_budget or lower ctx_size/slots", "insufficient_memory");
  for (;;) {
    std::shared_ptr<LoadedModel> victim;
    uint64_t in_use = 0;
    std::string busy_names;
    {
      std::lock_guard lock(mu_);
      for (const auto& [name, m] : loaded_) in_use += m->estimated_bytes;
      if (in_use + needed <= budget) return Status::ok();
      uint64_t idle_bytes = 0;
      for (const auto& [name, m] : loaded_) {
        if (m->busy() || m.use_count() > 1) {
          busy_names += (busy_names.empty() ? "" : ", ") + name;
          continue;
        }
        idle_bytes += m->estimated_bytes;
        if (!victim || m->last_used_ms.load() < victim->last_used_ms.load()) victim = m;
      }
      // Unload nothing when even unloading every idle model would not make room.
      if (!victim || in_use - idle_bytes + needed > budget)
        return Status::unavailable(
                       "cannot load model '" + for_name + "' (about " + models::format_bytes(needed) + "): the loaded models (" +
                           busy_names + ") hold " + models::format_bytes(in_use) + " of the memory_budget " +
                           models::format_bytes(budget) + " and have requests in flight; retry when they finish", "memory_budget_busy");
      loaded_.erase(victim->file.name);
    }
    if (victim->scheduler) victim->scheduler->shutdown();
    victim.reset();  // frees the weights mapping and KV cache now
  }
}

Result<std::shared_ptr<LoadedModel>> ModelManager::acquire(const std::string& requested,
                                                           std::optional<double> keep_alive,
                                                           std::optional<models::KvCacheTypes> cache_types) {
  const std::string name = canonical_name(requested);
  bool stopped = false;
  auto check_loaded = [&]() -> std::shared_ptr<LoadedModel> {
    std::lock_guard lock(mu_);
    stopped = stopped_;
    if (stopped_) return nullptr;
    auto it = loaded_.find(name);
    if (it == loaded_.end()) return nullptr;
    it->second->last_used_ms = steady_ms();
    if (keep_alive) it->second->keep_alive_seconds = *keep_alive;
    return it->second;
  };
  if (auto m = check_loaded()) {
    if (m->uses_cache_types(cache_types)) return m;
    // Types its heads cannot take leave it loaded as it is.
    if (Status s = check_cache_types(name, *cache_types, m->decoder().config().head_dim); !s) return s;
    m.reset();
    // Load it again with the types asked for, once the requests in flight end.
    if (auto unloaded = unload(name, std::chrono::milliseconds(250)); !unloaded) return unloaded.status();
  }
  if (stopped) return shutting_down();
  auto file = safe_model_name(name) ? find_file(name) : std::nullopt;
  if (!file) return model_not_found(requested);
  std::lock_guard load_lock(load_mu_);
  if (auto m = check_loaded()) {
    if (m->uses_cache_types(cache_types)) return m;
    return Status::conflict("model '" + name + "' was loaded meanwhile with other KV cache types; unload it first",
                            "model_busy");
  }
  if (stopped) return shutting_down();
  const models::KvCacheTypes types = cache_types.value_or(options_.scheduler.cache_types);
  auto est = estimate(name, std::nullopt, types);
  if (!est) {
    // A request's unusable cache types are the request's fault, not the model's.
    if (est.code() == StatusCode::kInvalidArgument) return est.status();
    std::lock_guard lock(mu_);
    failures_[name] = est.error();  // listed as "failed" with the reason
    return est.status();
  }
  // required(): an MoE model's idle experts stay evictable file pages (memory_estimate.h).
  if (Status s = make_room(name, est->required()); !s) return s;
  {
    std::lock_guard lock(mu_);
    loading_ = name;
  }
  auto loaded = load(*file, est->required(), types);
  std::lock_guard lock(mu_);
  loading_.clear();
  if (!loaded) {
    if (loaded.code() == StatusCode::kInvalidArgument) return loaded.status();
    failures_[name] = loaded.error();
    return Status::internal(loaded.error(), "model_load_failed");
  }
  failures_.erase(name);
  if (stopped_) return shutting_down();
  if (keep_alive) (*loaded)->keep_alive_seconds = *keep_alive;
  loaded_[name] = *loaded;
  return *loaded;
}

Result<bool> ModelManager::unload(const std::string& requested, std::chrono::milliseconds wait) {
  const std::string name = canonical_name(requested);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::shared_ptr<LoadedModel> m;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      auto it = loaded_.find(name);
      if (it == loaded_.end()) return false;
      if (!it->second->busy() && it->second.use_count() == 1) {
        m = it->second;
        loaded_.erase(it);
        break;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::conflict("model '" + name + "' has requests in flight; unload it when they finish", "model_busy");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (m->scheduler) m->scheduler->shutdown();
  return true;
}

Result<std::vector<std::string>> ModelManager::remove(const std::string& requested) {
  const std::string name = canonical_name(requested);
  if (name == default_.name && fs::path(default_.path).parent_path() != fs::path(options_.models_dir))
    return Status::conflict("model '" + name + "' is the server's default model and not in the models directory",
                            "model_protected");
  if (!find_file(name) || options_.models_dir.empty()) return model_not_found(requested);
  std::lock_guard load_lock(load_mu_);
  if (auto unloaded = unload(name, std::chrono::seconds(2)); !unloaded) return unloaded.status();
  auto removed = registry_.remove(name);
  if (!removed) return Status::internal(removed.error(), "delete_failed");
  return *removed;
}

ModelState ModelManager::state(const std::string& requested) const {
  const std::string name = canonical_name(requested);
  std::lock_guard lock(mu_);
  if (loaded_.count(name)) return {"loaded", ""};
  if (loading_ == name) return {"loading", ""};
  if (auto it = failures_.find(name); it != failures_.end()) return {"failed", it->second};
  return {"downloaded", ""};
}

void ModelManager::reap_idle() {
  std::vector<std::shared_ptr<LoadedModel>> expired;
  {
    std::lock_guard lock(mu_);
    const int64_t now = steady_ms();
    for (auto it = loaded_.begin(); it != loaded_.end();) {
      auto& m = it->second;
      if (m->busy() || m.use_count() > 1) {
        m->last_used_ms = now;  // idle time counts from the end of the last request
        ++it;
        continue;
      }
      const double ka = m->keep_alive_seconds.load();
      if (ka >= 0 && now - m->last_used_ms.load() >= static_cast<int64_t>(ka * 1000)) {
        expired.push_back(m);
        it = loaded_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& m : expired)
    if (m->scheduler) m->scheduler->shutdown();
}

std::vector<std::shared_ptr<LoadedModel>> ModelManager::loaded() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<LoadedModel>> out;
  for (const auto& [name, m] : loaded_) out.push_back(m);
  return out;
}

void ModelManager::shutdown() {
  std::vector<std::shared_ptr<LoadedModel>> models;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (const auto& [name, m] : loaded_) models.push_back(m);
  }
  reaper_cv_.notify_all();
  for (auto& m : models)
    if (m->scheduler) m->scheduler->shutdown();
}

}  // namespace pg::app
