// `playground tokenize -m MODEL [--no-bos] [--json] TEXT`: the token ids of a text.
// Needs only the vocabulary, so it works on vocabulary-only GGUF files too.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "util/env_lookup.h"
#include "engine/gguf/gguf.h"
#include "engine/tokenizer/tokenizer.h"
#include "models/default_model.h"

namespace pg::cli {

void add_tokenize_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("tokenize", "Print the token ids of a text");
  struct Args { ModelFlags model; std::string text; bool no_bos = false, json = false; };
  auto a = std::make_shared<Args>();
  add_model_flags(cmd, a->model, "model name or GGUF file (a vocabulary-only file too) (default: $PLAYGROUND_MODEL or the demo model)");
  cmd->add_flag("--no-bos", a->no_bos, "add no BOS/EOS and do not parse special tokens");
  cmd->add_flag("--json", a->json, "print the ids as one JSON array on one line");
  cmd->add_option("text", a->text, "text to tokenize")->required();
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto resolved = resolve_model_flags(a->model, process_environment());
    if (!resolved) return (void)std::fprintf(stderr, "error: %s\n", resolved.error().c_str());
    const std::string* path = &resolved->path;
    auto file = gguf::GgufFile::open(*path);
    if (!file) return (void)std::fprintf(stderr, "error: %s\n", file.error().c_str());
    auto tok = Tokenizer::from_gguf(**file);
    if (!tok) return (void)std::fprintf(stderr, "error: %s: %s\n", path->c_str(), tok.error().c_str());
    const bool special = !a->no_bos;
    std::vector<TokenId> ids = (*tok)->encode(a->text, special, special);
    if (a->json) {
      std::printf("%s\n", nlohmann::json(ids).dump().c_str());
    } else {
      for (TokenId id : ids) {
        const std::string piece = (*tok)->token_to_piece(id, true);
        std::printf("%6d -> %s\n", id, nlohmann::json(piece).dump(-1, ' ', false,
                                       nlohmann::json::error_handler_t::replace).c_str());
      }
    }
    exit_code = 0;
  });
}

}  // namespace pg::cli
