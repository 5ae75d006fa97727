// Where the built-in demo model lives, and how a command picks its model when
// none is given (flag, then PLAYGROUND_MODEL, then the demo model).
#pragma once

#include <memory>
#include <string>

#include "engine/model/llama_model.h"

#include "util/env_lookup.h"
#include "util/result.h"

namespace pg {

// Absolute path of models/demo/stories260K.gguf, looked up beside the binary
// (build tree, install prefix) and in the source tree; error if none exists.
Result<std::string> demo_model_path();

// `requested` if non-empty, else $PLAYGROUND_MODEL, else the demo model.
Result<std::string> resolve_model_path(const std::string& requested, const EnvLookup& env);

// Loads the model resolve_model_path picks.
Result<std::unique_ptr<LlamaModel>> load_model_or_default(const std::string& requested, const EnvLookup& env);

}  // namespace pg
