// Model lookup and loading; see model_manager.h.
#include "server/model_manager.h"

#include <algorithm>
#include <filesystem>

#include "models/default_model.h"
#include "server/api_error.h"

namespace pg::server {
namespace fs = std::filesystem;

namespace {
int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool safe_model_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}
}  // namespace

LoadedModel::~LoadedModel() { scheduler.reset(); }

const LlamaModel& LoadedModel::decoder() const {
  if (!model)
    throw ApiError(400, "not_a_generation_model",
                   "model '" + file.name + "' is an embedding model (" + encoder->architecture() +
                       "); it computes embeddings but cannot generate text");
  return *model;
}

Scheduler& LoadedModel::generation_scheduler() const {
  decoder();
  return *scheduler;
}

const Tokenizer& LoadedModel::tokenizer() const { return model ? model->tokenizer() : encoder->tokenizer(); }

const gguf::GgufFile& LoadedModel::gguf() const { return model ? model->file() : encoder->file(); }

int64_t LoadedModel::context_size() const { return model ? scheduler->context_size() : encoder->n_ctx(); }

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
    : options_(std::move(options)), on_finished_(std::move(on_finished)) {}

ModelManager::~ModelManager() { shutdown(); }

ModelManagerOptions model_manager_options(const ServerConfig& c) {
  ModelManagerOptions o;
  o.default_model = c.model;
  o.models_dir = c.models_dir;
  o.threads = c.threads;
  o.scheduler.slots = c.slots;
  o.scheduler.queue_size = c.queue_size;
  o.scheduler.n_ctx = c.ctx_size;
  o.scheduler.prompt_chunk = c.prompt_chunk;
  return o;
}

Status ModelManager::load_default() {
  std::string path;
  const std::string& m = options_.default_model;
  std::error_code ec;
  if (m.empty()) {
    auto demo = demo_model_path();
    if (!demo) return demo.status();
    path = *demo;
  } else if (fs::is_regular_file(m, ec)) {
    path = m;
  } else if (safe_model_name(m) && fs::is_regular_file(fs::path(options_.models_dir) / (m + ".gguf"), ec)) {
    path = (fs::path(options_.models_dir) / (m + ".gguf")).string();
  } else {
    return Status::error("model '" + m + "' is neither a GGUF file nor a model in " + options_.models_dir);
  }
  auto file = describe_model_file(path);
  if (!file) return file.status();
  file->is_default = true;
  auto loaded = load(*file);
  if (!loaded) return loaded.status();
  default_ = (*loaded)->file;
  default_general_name_ = (*loaded)->general_name();
  std::lock_guard lock(mu_);
  loaded_[default_.name] = *loaded;
  return Status::ok();
}

Result<std::shared_ptr<LoadedModel>> ModelManager::load(const ModelFile& file) {
  const auto start = std::chrono::steady_clock::now();
  auto failed = [&](const std::string& why) -> Result<std::shared_ptr<LoadedModel>> {
    return Error{"cannot load model '" + file.name + "' from " + file.path + ": " + why};
  };
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
  }
  lm->sha256 = std::make_unique<FileDigest>(file.path);
  lm->pool = std::make_unique<ThreadPool>(options_.threads > 0 ? options_.threads : physical_core_count());
  if (lm->model) lm->scheduler = std::make_unique<Scheduler>(*lm->model, *lm->pool, options_.scheduler, on_finished_);
  lm->load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  lm->loaded_unix = unix_now();
  return lm;
}

std::vector<ModelFile> ModelManager::available() const {
  std::vector<ModelFile> out;
  if (!default_.name.empty()) out.push_back(default_);
  std::error_code ec;
  if (!options_.models_dir.empty() && fs::is_directory(options_.models_dir, ec)) {
    std::vector<ModelFile> found;
    for (const auto& entry : fs::directory_iterator(options_.models_dir, ec)) {
      if (entry.path().extension() != ".gguf") continue;
      const std::string stem = entry.path().stem().string();
      if (!safe_model_name(stem) || stem == default_.name) continue;
      auto f = describe_model_file(entry.path().string());
      if (f) found.push_back(*f);
    }
    std::sort(found.begin(), found.end(), [](const ModelFile& a, const ModelFile& b) { return a.name < b.name; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::string ModelManager::canonical_name(const std::string& requested) const {
  std::string name = requested;
  if (name.size() > 7 && name.compare(name.size() - 7, 7, ":latest") == 0) name.resize(name.size() - 7);
  if (name.empty() || name == default_.name || (!default_general_name_.empty() && name == default_general_name_))
    return default_.name;
  return name;
}

std::shared_ptr<LoadedModel> ModelManager::find_loaded(const std::string& requested) const {
  const std::string name = canonical_name(requested);
  std::lock_guard lock(mu_);
  auto it = loaded_.find(name);
  return it == loaded_.end() ? nullptr : it->second;
}

std::shared_ptr<LoadedModel> ModelManager::acquire(const std::string& requested) {
  const std::string name = canonical_name(requested);
  auto check_loaded = [&]() -> std::shared_ptr<LoadedModel> {
    std::lock_guard lock(mu_);
    if (stopped_) throw ApiError(503, "shutting_down", "the server is shutting down");
    auto it = loaded_.find(name);
    return it == loaded_.end() ? nullptr : it->second;
  };
  if (auto m = check_loaded()) return m;
  std::error_code ec;
  const fs::path path = fs::path(options_.models_dir) / (name + ".gguf");
  if (!safe_model_name(name) || options_.models_dir.empty() || !fs::is_regular_file(path, ec))
    throw ApiError(404, "model_not_found", "model '" + requested + "' not found; GET /api/v1/models lists the models");
  std::lock_guard load_lock(load_mu_);
  if (auto m = check_loaded()) return m;
  auto file = describe_model_file(path.string());
  if (!file) throw ApiError(404, "model_not_found", file.error());
  auto loaded = load(*file);
  if (!loaded) throw ApiError(500, "model_load_failed", loaded.error());
  std::lock_guard lock(mu_);
  if (stopped_) throw ApiError(503, "shutting_down", "the server is shutting down");
  loaded_[name] = *loaded;
  return *loaded;
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
  for (auto& m : models)
    if (m->scheduler) m->scheduler->shutdown();
}

}  // namespace pg::server
