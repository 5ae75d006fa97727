// How every CLI command that takes a model finds it: -m/--model (or the
// command's operand) is a model name (file stem or alias in the models
// directory, or the built-in demo model "stories260K") or a GGUF path, through
// the one resolver of models/model_resolver.h that the server uses too. With
// no model given: $PLAYGROUND_MODEL (a name or a path), else the demo model.
// The models directory is read as `serve` and `list` read it (--models-dir,
// PLAYGROUND_MODELS_DIR, the data directory), and only when the model is not a
// file. Never loads weights.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "models/model_resolver.h"
#include "util/env_lookup.h"
#include "util/result.h"

namespace pg::cli {

struct ModelFlags {
  std::string model;       // -m/--model or the operand; "" = the default
  std::string models_dir;  // --models-dir; "" = from the configuration
};

// -m,--model (with `help`) and --models-dir. `flags` must outlive the command.
void add_model_flags(CLI::App* cmd, ModelFlags& flags, const std::string& help);
// --models-dir only, for commands that take the model as an operand.
void add_models_dir_flag(CLI::App* cmd, ModelFlags& flags);

// The model the flags name (see above); not_found (model_not_found) for an unknown name.
Result<models::ResolvedModel> resolve_model_flags(const ModelFlags& flags, const EnvLookup& env);

}  // namespace pg::cli
