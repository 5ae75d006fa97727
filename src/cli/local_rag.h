// The playground's application core inside the CLI process, for `ingest` and
// `ask`: the data directory's database (the one `serve` uses, same
// configuration sources), collections, ingestion jobs, vector indexes and the
// models, loaded on demand — what `serve` opens, without HTTP and without the
// server's shared background work (no pull sharing, no remote providers).
// Several processes may use the same data directory: SQLite (WAL) serializes writers.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "app/core.h"
#include "app/server_config.h"

namespace pg::cli {

// Opens the core (and loads the default model, needed for answers and for
// collections whose embedding model is the default one).
Result<std::unique_ptr<app::Core>> open_local_core(const app::ServerConfig& config);

// Reads the configuration the way `serve` does, from the flags given here.
struct ConfigFlags {
  std::string data_dir, database, models_dir, model, config_file, env_file = ".env";
  int threads = 0;
};
void add_config_flags(CLI::App* cmd, ConfigFlags& f);
Result<app::ServerConfig> load_config(const ConfigFlags& f);

}  // namespace pg::cli
