// THE resolver of the model a command or the server names: a path to a GGUF
// file, a model of the models directory (file stem or alias, as the registry
// finds it), or the built-in demo model by its name ("stories260K"). Every CLI
// command that takes a model and the server's default model go through it, so
// a name that works in one place works in all. Also gives the demo model as a
// registry entry, so `list` and `show` know it. Reads file headers only; never
// loads weights and never writes to the models directory.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "models/registry.h"
#include "util/result.h"

namespace pg::models {

// The file name stem of the built-in demo model (models/demo/stories260K.gguf).
inline constexpr std::string_view kDemoModelName = "stories260K";
// "stories260K" or "stories260K:latest".
bool is_demo_model_name(std::string_view name);

struct ResolvedModel {
  std::string name;      // the registry name, the demo's name, or a path's file stem
  std::string path;      // the GGUF file (the first part of a split set)
  bool builtin = false;  // the built-in demo model
};

// The models directory, asked for only when `name_or_path` is not a file (a
// CLI reads its configuration for it); an error there is passed on.
using ModelsDirLookup = std::function<Result<std::string>()>;

// In this order: an existing file; a model of the models directory; the demo
// model's name. not_found (reason model_not_found) naming the input otherwise.
Result<ResolvedModel> resolve_model(const std::string& name_or_path, const ModelsDirLookup& models_dir);
Result<ResolvedModel> resolve_model(const std::string& name_or_path, const std::string& models_dir);

// The built-in demo model (not_found when its file is missing).
Result<ResolvedModel> demo_model();
// The demo model as a registry entry: header metadata, its sha256 when asked.
Result<RegistryEntry> demo_model_entry(bool with_sha256);

}  // namespace pg::models
