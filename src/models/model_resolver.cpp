// One resolver of model names and paths; see model_resolver.h.
#include "models/model_resolver.h"

#include <filesystem>
#include <system_error>

#include "models/default_model.h"

namespace pg::models {
namespace fs = std::filesystem;

bool is_demo_model_name(std::string_view name) {
  if (name.ends_with(":latest")) name.remove_suffix(7);
  return name == kDemoModelName;
}

Result<ResolvedModel> demo_model() {
  auto path = demo_model_path();
  if (!path) return Status::not_found(path.error(), "model_not_found");
  return ResolvedModel{std::string(kDemoModelName), *path, true};
}

Result<RegistryEntry> demo_model_entry(bool with_sha256) {
  auto demo = demo_model();
  if (!demo) return demo.status();
  RegistryEntry e = describe_entry(demo->name, demo->path, with_sha256);
  e.builtin = true;
  return e;
}

Result<ResolvedModel> resolve_model(const std::string& requested, const ModelsDirLookup& models_dir) {
  if (requested.empty()) return Status::invalid_argument("no model named (a model name or a GGUF file)", "model_not_found");
  std::error_code ec;
  if (fs::is_regular_file(requested, ec)) return ResolvedModel{fs::path(requested).stem().string(), requested, false};
  const bool looks_like_path = requested.find('/') != std::string::npos || requested.ends_with(".gguf");
  std::string where;
  if (!looks_like_path) {
    auto dir = models_dir ? models_dir() : Result<std::string>(std::string());
    if (!dir) return dir.status();
    if (!dir->empty()) {
      where = " nor a model in " + *dir;
      if (auto e = ModelRegistry(*dir).find(requested)) return ResolvedModel{e->name, e->path, false};
    }
    if (is_demo_model_name(requested)) return demo_model();
  }
  return Status::not_found("model '" + requested + "' is neither a GGUF file" + where +
                               " nor the built-in demo model '" + std::string(kDemoModelName) +
                               "' (playground list shows the models)",
                           "model_not_found");
}

Result<ResolvedModel> resolve_model(const std::string& requested, const std::string& models_dir) {
  return resolve_model(requested, [&models_dir]() -> Result<std::string> { return models_dir; });
}

}  // namespace pg::models
