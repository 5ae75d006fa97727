// The subcommands of the `playground` binary. Each add_* function registers one
// subcommand on the CLI11 app; when it runs, its callback stores the process
// exit code in `exit_code`. Commands print results to stdout and errors to
// stderr; they never call exit() themselves.
#pragma once

#include <CLI/CLI.hpp>

namespace pg::cli {

void add_run_command(CLI::App& app, int& exit_code);
void add_info_command(CLI::App& app, int& exit_code);
void add_tokenize_command(CLI::App& app, int& exit_code);
void add_logits_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_quantize_command(CLI::App& app, int& exit_code);
void add_synth_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_template_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_user_command(CLI::App& app, int& exit_code);
void add_embed_command(CLI::App& app, int& exit_code);
void add_ingest_command(CLI::App& app, int& exit_code);
void add_ask_command(CLI::App& app, int& exit_code);
void add_migrate_command(CLI::App& app, int& exit_code);
// list, show, rm, pull, ps (cmd_models.cpp).
void add_model_commands(CLI::App& app, int& exit_code);

}  // namespace pg::cli
