// `playground info MODEL`: a GGUF file's metadata, tensors and parameter count;
// MODEL is a model name or a GGUF path (cli/model_flags.h).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_flags.h"
#include "engine/gguf/gguf.h"

namespace pg::cli {

void add_info_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("info", "Show a GGUF model's metadata, tensors and parameter count");
  auto flags = std::make_shared<ModelFlags>();
  cmd->add_option("model", flags->model, "model name or GGUF file")->required();
  add_models_dir_flag(cmd, *flags);
  cmd->callback([flags, &exit_code] {
    auto resolved = resolve_model_flags(*flags, process_environment());
    if (!resolved) {
      std::fprintf(stderr, "error: %s\n", resolved.error().c_str());
      exit_code = exit_code_for(resolved.code());
      return;
    }
    auto file = gguf::GgufFile::open(resolved->path);
    if (!file) {
      std::fprintf(stderr, "error: %s\n", file.error().c_str());
      exit_code = 1;
      return;
    }
    const gguf::GgufFile& f = **file;
    std::printf("file: %s\nGGUF version: %u\nsize: %llu bytes\nalignment: %llu\n", f.path().c_str(),
                f.version(), static_cast<unsigned long long>(f.file_size()),
                static_cast<unsigned long long>(f.alignment()));
    std::printf("\nmetadata (%zu keys):\n", f.metadata().size());
    for (const auto& [key, value] : f.metadata())
      std::printf("  %-45s %s\n", key.c_str(), value.to_display().c_str());
    uint64_t params = 0, bytes = 0;
    std::printf("\ntensors (%zu):\n", f.tensors().size());
    for (const auto& t : f.tensors()) {
      std::string shape;
      for (size_t i = 0; i < t.dims.size(); ++i) shape += (i ? " x " : "") + std::to_string(t.dims[i]);
      std::printf("  %-40s %-7s [%s]\n", t.name.c_str(), std::string(ggml_type_name(t.type)).c_str(),
                  shape.c_str());
      params += t.n_elements;
      bytes += t.n_bytes;
    }
    std::printf("\nparameters: %llu (%.3f M)\ntensor data: %llu bytes\n",
                static_cast<unsigned long long>(params), static_cast<double>(params) / 1e6,
                static_cast<unsigned long long>(bytes));
    exit_code = 0;
  });
}

}  // namespace pg::cli
