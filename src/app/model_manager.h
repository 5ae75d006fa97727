// The models a server can serve and the ones it has loaded. A model's name is
// its GGUF file stem: the default model (the demo model "stories260K" unless
// configured) and every model of the registry of models_dir (models/registry.h),
// also found by its aliases. Loading a model creates its thread pool and its
// scheduler; the default model is loaded at start, others on first use, each
// within the memory budget: the estimate (weights + KV cache of every slot)
// is checked before loading and the least recently used idle models are
// unloaded to make room (a model with requests in flight is never unloaded:
// the load is refused as unavailable instead). A model idle for longer than its
// keep-alive (Ollama's convention: seconds, 0 = right after the request,
// negative = never) is unloaded by a reaper thread. The manager also owns
// the background pulls (models/pull_jobs.h). A GGUF whose architecture is an encoder (bert, nomic-bert)
// loads as an embedding-only model: no scheduler, embeddings computed in the
// request's thread on the model's pool; asking it to generate is
// invalid_argument (not_a_generation_model). Names never reach the file system
// unchecked (no paths, no "..", only files inside models_dir). Failures are
// Status codes with reasons (model_not_found, model_busy, insufficient_memory,
// memory_budget_busy, shutting_down, ...); nothing here speaks HTTP.
// A model loads with the configured KV cache types (cache_type_k/_v) or the
// ones its load asks for; types its heads cannot take refuse the load as
// invalid_argument (invalid_cache_type), never a silent f16.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <thread>
#include <cstdint>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "engine/model/llama_model.h"
#include "app/file_digest.h"
#include "app/scheduler.h"
#include "app/server_config.h"
#include "util/result.h"
#include "models/memory_estimate.h"
#include "models/pull_jobs.h"
#include "models/registry.h"

namespace pg::app {

struct ModelFile {
  std::string name;          // file stem, e.g. "stories260K"
  std::string path;
  uint64_t size_bytes = 0;
  int64_t modified_unix = 0;  // seconds since the epoch
  bool is_default = false;
  std::vector<std::string> aliases;
  std::string sha256;      // cached digest ("" until computed)
  nlohmann::json source;   // where it was pulled from (null: put there by hand)
  std::vector<std::string> parts;  // every file of a split model
};

// Exactly one of `model` (a decoder, with its scheduler) and `encoder` (an
// embedding-only model, no scheduler) is set. Code that generates goes through
// decoder() / generation_scheduler(), which refuse an encoder with a 400.
struct LoadedModel {
  ModelFile file;
  double load_seconds = 0;
  int64_t loaded_unix = 0;
  std::unique_ptr<LlamaModel> model;    // null for an encoder
  std::unique_ptr<BertModel> encoder;   // null for a decoder
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<FileDigest> sha256;    // of the file, computed in the background from load on
  std::unique_ptr<Scheduler> scheduler;  // null for an encoder; declared last: stops before the model goes
  uint64_t estimated_bytes = 0;          // what the budget counts for it
  std::atomic<int64_t> last_used_ms{0};  // steady clock, for LRU and keep-alive
  std::atomic<double> keep_alive_seconds{300};  // negative: never unload when idle

  ~LoadedModel();
  // Its scheduler has running or queued jobs. (The manager also counts a model
  // as busy while anyone besides itself holds a reference: a request in flight.)
  bool busy() const;
  int64_t expires_unix() const;  // when idle unload is due (INT64_MAX: never)

  bool is_encoder() const { return encoder != nullptr; }
  // invalid_argument (reason not_a_generation_model) for an encoder.
  Status require_generation() const;
  // The decoder and its scheduler: only after require_generation() passed.
  const LlamaModel& decoder() const { return *model; }
  Scheduler& generation_scheduler() const { return *scheduler; }
  // What both kinds have.
  const Tokenizer& tokenizer() const;
  const gguf::GgufFile& gguf() const;
  int64_t context_size() const;  // the scheduler's per-slot context, or the encoder's longest input
  // The KV cache types of a decoder's sessions (an encoder has no KV cache: nullopt).
  std::optional<models::KvCacheTypes> cache_types() const;
  // True unless it is a decoder whose types differ from `wanted` (nullopt: any types do).
  bool uses_cache_types(const std::optional<models::KvCacheTypes>& wanted) const {
    return !wanted || !cache_types() || *cache_types() == *wanted;
  }
  int64_t n_embd() const;
  uint64_t weight_bytes() const;
  const std::string& general_name() const;
};

struct ModelManagerOptions {
  std::string default_model;  // name in models_dir or a GGUF path; empty: the demo model
  std::string models_dir;
  int threads = 0;            // 0: physical cores
  SchedulerOptions scheduler;
  uint64_t memory_budget = 0;       // bytes; 0: unlimited
  double keep_alive_seconds = 300;  // default idle time before unload; negative: never
  models::SourceEndpoints endpoints;  // for pulls
  // Told what loading a model noticed but did not refuse (LlamaModel::notices,
  // e.g. vision tensors left unused); may be empty.
  std::function<void(const std::string& model, const std::string& notice)> on_notice;
};

// A model's state for listings.
struct ModelState {
  std::string status;  // "downloaded", "loading", "loaded", "failed"
  std::string reason;  // why it failed to load ("" otherwise)
};

// The options `serve` (and the CLI's in-process commands) derive from the configuration.
ModelManagerOptions model_manager_options(const ServerConfig& config);

class ModelManager {
 public:
  ModelManager(ModelManagerOptions options, Scheduler::FinishedFn on_finished);
  ~ModelManager();

  // Finds and loads the default model (call once at start).
  Status load_default();
  const std::string& default_name() const { return default_.name; }

  // The default model and the GGUF files of models_dir, by name.
  std::vector<ModelFile> available() const;
  // The loaded model of that name ("" or the default's general.name: the
  // default), loading it first if needed. not_found for unknown names,
  // internal when the file does not load, unavailable after shutdown.
  // keep_alive (seconds, see above) replaces the model's keep-alive when given.
  // cache_types (a decoder's KV cache types; default: the configured ones) are
  // checked against the model's heads (invalid_argument, invalid_cache_type); a
  // model loaded with other types is unloaded and loaded again with these
  // (conflict, model_busy, while it has requests in flight).
  Result<std::shared_ptr<LoadedModel>> acquire(const std::string& name,
                                               std::optional<double> keep_alive = std::nullopt,
                                               std::optional<models::KvCacheTypes> cache_types = std::nullopt);
  // Unloads a loaded model (false when it was not loaded); conflict (model_busy) while it
  // has requests in flight after waiting up to `wait` for them to end.
  Result<bool> unload(const std::string& name, std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Deletes a model's files (unloading it first, waiting up to 2 s for its requests); not_found / conflict.
  Result<std::vector<std::string>> remove(const std::string& name);
  ModelState state(const std::string& name) const;
  // The estimate for a model by name (not_found when unknown), at the
  // configured per-slot context or at n_ctx when given, in the configured KV
  // cache types or cache_types when given; invalid_argument (invalid_cache_type)
  // when a decoder's heads cannot take those types.
  Result<models::MemoryEstimate> estimate(const std::string& name, std::optional<int64_t> n_ctx = std::nullopt,
                                          std::optional<models::KvCacheTypes> cache_types = std::nullopt) const;
  // The KV cache types a load uses when none are asked for.
  const models::KvCacheTypes& default_cache_types() const { return options_.scheduler.cache_types; }
  uint64_t memory_budget() const { return options_.memory_budget; }
  uint64_t memory_in_use() const;  // estimates of the loaded models
  // The file stem a request's name means ("" and the default's general.name: the default).
  std::string resolve_name(const std::string& requested) const { return canonical_name(requested); }
  models::ModelRegistry& registry() { return registry_; }
  models::PullJobs& pulls() { return *pulls_; }
  // Keeps pulls in the database so every instance on it sees them (see
  // pull_jobs.h). Call once the database is open, before any pull starts.
  void share_pulls(models::PullStore& store, const std::string& instance_id, int lease_seconds);
  // The loaded model of that name, or nullptr (never loads, never throws).
  std::shared_ptr<LoadedModel> find_loaded(const std::string& name) const;
  std::vector<std::shared_ptr<LoadedModel>> loaded() const;
  // Stops every scheduler (running jobs end as "cancelled"); acquire then fails.
  void shutdown();

 private:
  Result<std::shared_ptr<LoadedModel>> load(const ModelFile& file, uint64_t estimated_bytes,
                                            const models::KvCacheTypes& cache_types);
  std::string canonical_name(const std::string& requested) const;
  std::optional<ModelFile> find_file(const std::string& name) const;
  // Unloads idle models, least recently used first, until `needed` more bytes fit. Under load_mu_.
  Status make_room(const std::string& for_name, uint64_t needed);
  void reap_idle();

  const ModelManagerOptions options_;
  Scheduler::FinishedFn on_finished_;
  ModelFile default_;
  std::string default_general_name_;
  mutable std::mutex mu_;       // guards loaded_ and stopped_
  std::mutex load_mu_;          // one load at a time, without blocking lookups
  std::map<std::string, std::shared_ptr<LoadedModel>> loaded_;
  std::map<std::string, std::string> failures_;  // last load error by name
  std::string loading_;                          // the model being loaded now
  bool stopped_ = false;
  models::ModelRegistry registry_;
  std::unique_ptr<models::PullJobs> pulls_;
  std::condition_variable reaper_cv_;
  std::thread reaper_;  // declared last: started after everything it uses
};

// Reads a file's size and modification time into a ModelFile named by its stem.
Result<ModelFile> describe_model_file(const std::string& path);

}  // namespace pg::app
