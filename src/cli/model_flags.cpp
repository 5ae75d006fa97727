// The model flags of the CLI's commands; see model_flags.h.
#include "cli/model_flags.h"

#include "cli/config_flags.h"

namespace pg::cli {

void add_model_flags(CLI::App* cmd, ModelFlags& flags, const std::string& help) {
  cmd->add_option("-m,--model", flags.model, help);
  add_models_dir_flag(cmd, flags);
}

void add_models_dir_flag(CLI::App* cmd, ModelFlags& flags) {
  cmd->add_option("--models-dir", flags.models_dir,
                  "models directory where model names are looked up (default: <data_dir>/models, as for serve)");
}

Result<models::ResolvedModel> resolve_model_flags(const ModelFlags& flags, const EnvLookup& env) {
  std::string requested = flags.model;
  if (requested.empty())
    if (auto v = env("PLAYGROUND_MODEL"); v && !v->empty()) requested = *v;
  if (requested.empty()) return models::demo_model();
  return models::resolve_model(requested, [&flags]() -> Result<std::string> {
    auto config = load_config_with_flags({{"models_dir", flags.models_dir}}, "", ".env");
    if (!config) return config.status();
    return config->models_dir;
  });
}

}  // namespace pg::cli
