// The flags by which CLI commands read the configuration the way `serve` does
// (--data-dir, --database, --config, --env-file: the same keys, PLAYGROUND_*
// variables, .env and config file) and the loading of it from the config keys
// a command sets. Never opens the database, never loads a model.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/server_config.h"
#include "util/result.h"

namespace pg::cli {

void add_data_dir_option(CLI::App* cmd, std::string& data_dir);
void add_database_option(CLI::App* cmd, std::string& database);
// --config and --env-file.
void add_config_file_options(CLI::App* cmd, std::string& config_file, std::string& env_file);

// The configuration as `serve` reads it, with `flags` (config key, value) set
// as its command line would set them; a flag with an empty value is not given.
Result<app::ServerConfig> load_config_with_flags(const std::vector<std::pair<std::string, std::string>>& flags,
                                                    const std::string& config_file, const std::string& env_file);

}  // namespace pg::cli
