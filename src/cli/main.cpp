// Entry point of the `playground` binary: builds the CLI and dispatches to the
// subcommand. Knows nothing about what the commands do.
#include <cstdio>
#include <string>
#include <vector>

#include "build_info.h"
#include "cli/commands.h"
#include "cli/flag_aliases.h"
#include "engine/kernels/kernels.h"

namespace {

// "playground 0.1.0 (git abc1234, built 2026-11-27, simd avx512-amx; available: scalar avx2 ...)"
std::string version_text() {
  std::string paths;
  for (pg::kernels::KernelPath p : pg::kernels::supported_kernel_paths()) {
    if (!paths.empty()) paths += ' ';
    paths += pg::kernels::kernel_path_name(p);
  }
  return std::string("playground ") + PG_VERSION + " (git " + PG_GIT_HASH + ", " + PG_BUILD_TYPE + " build, simd " +
         pg::kernels::simd_path_name() + "; kernel paths on this CPU: " + paths + ")";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Mistral Playground: a self-hosted LLM playground with its own GGUF inference engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());
  int exit_code = 0;
  pg::cli::add_run_command(app, exit_code);
  pg::cli::add_info_command(app, exit_code);
  pg::cli::add_tokenize_command(app, exit_code);
  pg::cli::add_logits_command(app, exit_code);
  pg::cli::add_convert_command(app, exit_code);
  pg::cli::add_quantize_command(app, exit_code);
  pg::cli::add_synth_command(app, exit_code);
  pg::cli::add_bench_command(app, exit_code);
  pg::cli::add_template_command(app, exit_code);
  pg::cli::add_serve_command(app, exit_code);
  pg::cli::add_user_command(app, exit_code);
  pg::cli::add_embed_command(app, exit_code);
  pg::cli::add_ingest_command(app, exit_code);
  pg::cli::add_ask_command(app, exit_code);
  pg::cli::add_migrate_command(app, exit_code);
  pg::cli::add_model_commands(app, exit_code);
  // -ctk/-ctv, which CLI11 cannot name, as their long flags.
  const std::vector<std::string> args = pg::cli::expand_flag_aliases(argc, argv);
  std::vector<const char*> arg_ptrs;
  for (const std::string& a : args) arg_ptrs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
