// `playground quantize IN.gguf OUT.gguf TYPE [--threads N]`: writes a quantized
// copy of an F32/F16/BF16 model (llama-quantize's per-tensor recipes). Progress
// on stderr, summary on stdout; never leaves a partial output file.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "models/quant_recipe.h"
#include "models/quantize.h"

namespace pg::cli {
namespace {

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

void add_quantize_command(CLI::App& app, int& exit_code) {
  std::string types;
  for (std::string_view n : quant_file_type_names()) types += (types.empty() ? "" : ", ") + std::string(n);
  auto* cmd = app.add_subcommand("quantize", "Quantize an F32/F16/BF16 GGUF model (llama-quantize's recipes)");
  struct Args {
    std::string in, out, type;
    int threads = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("in", a->in, "input GGUF file (F32, F16 or BF16 weights)")->required();
  cmd->add_option("out", a->out, "output GGUF file")->required();
  cmd->add_option("type", a->type, "target type, case-insensitive: " + types)->required();
  cmd->add_option("--threads", a->threads, "worker threads (default: physical cores)")->check(CLI::Range(1, 1024));
  cmd->callback([a, &exit_code] {
    QuantizeOptions opts;
    opts.threads = a->threads;
    opts.progress = tensor_progress(" -> ");
    auto r = quantize_model(a->in, a->out, a->type, opts);
    if (!r) {
      std::fprintf(stderr, "\nerror: %s\n", r.error().c_str());
      exit_code = 1;
      return;
    }
    std::printf("quantized %s -> %s (%s)\n", a->in.c_str(), a->out.c_str(), a->type.c_str());
    std::printf("  tensors: %zu (%zu converted, %d with a fallback type)\n", r->tensors, r->quantized, r->fallbacks);
    std::printf("  input size:  %s\n  output size: %s\n  time: %.2f s\n", mib(r->input_bytes).c_str(),
                mib(r->output_bytes).c_str(), r->seconds);
    exit_code = 0;
  });
}

}  // namespace pg::cli
