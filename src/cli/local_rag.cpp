// The application core inside the CLI; see local_rag.h.
#include "cli/local_rag.h"

#include "server/auth/secret.h"

#include "cli/config_flags.h"
#include "store/data_dir.h"

namespace pg::cli {

Result<std::unique_ptr<app::Core>> open_local_core(const app::ServerConfig& config) {
  // Provider keys are not used here; the secret only has to be the server's
  // for the stores to open alike.
  auto secret = server::auth::load_or_create_secret(config.secret, config.data_dir);
  if (!secret) return secret.status();
  app::CoreInputs inputs;
  inputs.config = config;
  if (inputs.config.log_level == "info") inputs.config.log_level = "warn";
  inputs.config.log_format = "text";
  inputs.secret = std::move(*secret);
  inputs.serving = false;
  return app::Core::open(std::move(inputs));
}

void add_config_flags(CLI::App* cmd, ConfigFlags& f) {
  add_data_dir_option(cmd, f.data_dir);
  add_database_option(cmd, f.database);
  cmd->add_option("--models-dir", f.models_dir, "directory of GGUF models served by name (as for serve)");
  cmd->add_option("-m,--model", f.model, "model: a GGUF path or a name in models_dir (default: the configured one)");
  cmd->add_option("-t,--threads", f.threads, "compute threads (default: physical cores)");
  add_config_file_options(cmd, f.config_file, f.env_file);
}

Result<app::ServerConfig> load_config(const ConfigFlags& f) {
  return load_config_with_flags({{"data_dir", f.data_dir},
                                 {"database", f.database},
                                 {"models_dir", f.models_dir},
                                 {"model", f.model},
                                 {"threads", f.threads > 0 ? std::to_string(f.threads) : ""},
                                 {"slots", "1"}},  // one sequence at a time in the CLI
                                f.config_file, f.env_file);
}

}  // namespace pg::cli
