// `playground convert llama2c MODEL.bin TOKENIZER.bin OUT.gguf`: imports other formats to GGUF.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "models/llama2c_import.h"

namespace pg::cli {

void add_convert_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("convert", "Convert a model from another format to GGUF");
  cmd->require_subcommand(1);
  auto* l2c = cmd->add_subcommand("llama2c", "Convert a llama2.c checkpoint and tokenizer to GGUF (F32)");
  struct Args { std::string model, tokenizer, out, name; };
  auto a = std::make_shared<Args>();
  l2c->add_option("model", a->model, "llama2.c checkpoint (.bin)")->required();
  l2c->add_option("tokenizer", a->tokenizer, "llama2.c tokenizer (.bin)")->required();
  l2c->add_option("out", a->out, "output GGUF file")->required();
  l2c->add_option("--name", a->name, "general.name to store (default: the checkpoint's file name)");
  l2c->callback([a, &exit_code] {
    Llama2cImportOptions opts;
    opts.model_name = a->name;
    Status s = convert_llama2c(a->model, a->tokenizer, a->out, opts);
    if (!s) {
      std::fprintf(stderr, "error: %s\n", s.message().c_str());
      exit_code = 1;
      return;
    }
    std::fprintf(stderr, "wrote %s\n", a->out.c_str());
    exit_code = 0;
  });
}

}  // namespace pg::cli
