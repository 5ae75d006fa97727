// The models a server can serve and the ones it has loaded. A model's name is
// its GGUF file stem: the default model (the demo model "stories260K" unless
// configured) and every *.gguf file in models_dir. Loading a model creates its
// thread pool and its scheduler; the default model is loaded at start, others
// on first use. A GGUF whose architecture is an encoder (bert, nomic-bert)
// loads as an embedding-only model: no scheduler, embeddings computed in the
// request's thread on the model's pool; asking it to generate throws ApiError
// 400 not_a_generation_model. Names never reach the file system unchecked (no
// paths, no "..", only files inside models_dir). Lookups of unknown models
// throw ApiError 404 (only inside src/server).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "engine/model/llama_model.h"
#include "server/file_digest.h"
#include "server/scheduler.h"
#include "server/server_config.h"
#include "util/result.h"

namespace pg::server {

struct ModelFile {
  std::string name;          // file stem, e.g. "stories260K"
  std::string path;
  uint64_t size_bytes = 0;
  int64_t modified_unix = 0;  // seconds since the epoch
  bool is_default = false;
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

  ~LoadedModel();

  bool is_encoder() const { return encoder != nullptr; }
  // The decoder, or ApiError 400 not_a_generation_model for an encoder.
  const LlamaModel& decoder() const;
  Scheduler& generation_scheduler() const;
  // What both kinds have.
  const Tokenizer& tokenizer() const;
  const gguf::GgufFile& gguf() const;
  int64_t context_size() const;  // the scheduler's per-slot context, or the encoder's longest input
  int64_t n_embd() const;
  uint64_t weight_bytes() const;
  const std::string& general_name() const;
};

struct ModelManagerOptions {
  std::string default_model;  // name in models_dir or a GGUF path; empty: the demo model
  std::string models_dir;
  int threads = 0;            // 0: physical cores
  SchedulerOptions scheduler;
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
  // default), loading it first if needed. Throws ApiError 404 for unknown
  // names, 500 when the file does not load, 503 after shutdown.
  std::shared_ptr<LoadedModel> acquire(const std::string& name);
  // The loaded model of that name, or nullptr (never loads, never throws).
  std::shared_ptr<LoadedModel> find_loaded(const std::string& name) const;
  std::vector<std::shared_ptr<LoadedModel>> loaded() const;
  // Stops every scheduler (running jobs end as "cancelled"); acquire then fails.
  void shutdown();

 private:
  Result<std::shared_ptr<LoadedModel>> load(const ModelFile& file);
  std::string canonical_name(const std::string& requested) const;

  const ModelManagerOptions options_;
  Scheduler::FinishedFn on_finished_;
  ModelFile default_;
  std::string default_general_name_;
  mutable std::mutex mu_;       // guards loaded_ and stopped_
  std::mutex load_mu_;          // one load at a time, without blocking lookups
  std::map<std::string, std::shared_ptr<LoadedModel>> loaded_;
  bool stopped_ = false;
};

// Reads a file's size and modification time into a ModelFile named by its stem.
Result<ModelFile> describe_model_file(const std::string& path);

}  // namespace pg::server
