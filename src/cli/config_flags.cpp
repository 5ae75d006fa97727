// The configuration flags shared by CLI commands; see config_flags.h.
#include "cli/config_flags.h"

namespace pg::cli {

void add_data_dir_option(CLI::App* cmd, std::string& data_dir) {
  cmd->add_option("--data-dir", data_dir, "data directory (as for serve)");
}

void add_database_option(CLI::App* cmd, std::string& database) {
  cmd->add_option("--database", database, "SQLite database file (default: <data_dir>/playground.db)");
}

void add_config_file_options(CLI::App* cmd, std::string& config_file, std::string& env_file) {
  cmd->add_option("--config", config_file, "TOML config file (as for serve)");
  cmd->add_option("--env-file", env_file, "the .env file to read (default: ./.env)");
}

Result<app::ServerConfig> load_config_with_flags(const std::vector<std::pair<std::string, std::string>>& flags,
                                                    const std::string& config_file, const std::string& env_file) {
  app::ConfigInputs in;
  for (const auto& [key, value] : flags)
    if (!value.empty()) in.flags[key] = value;
  in.config_file = config_file;
  in.env_file = env_file;
  return app::load_server_config(in);
}

}  // namespace pg::cli
