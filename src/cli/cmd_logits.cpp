// `playground logits -m MODEL -p PROMPT --json`: evaluates a prompt (BOS added as
// the model says) and prints the last position's logits — the fidelity check
// against other engines.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cache_type_flags.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_flags.h"
#include "util/env_lookup.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "models/default_model.h"

namespace pg::cli {

void add_logits_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("logits", "Evaluate a prompt and print the logits of its last position");
  struct Args {
    ModelFlags model;
    std::string prompt;
    bool json = false;
    int threads = 0;
    int top = 10;
    int64_t ctx = 0;
    CacheTypeFlags cache_types;
  };
  auto a = std::make_shared<Args>();
  add_model_flags(cmd, a->model, "model name or GGUF file (default: $PLAYGROUND_MODEL or the demo model)");
  cmd->add_option("-p,--prompt", a->prompt, "prompt text")->required();
  cmd->add_flag("--json", a->json, "print {\"prompt_ids\": [...], \"logits\": [...]} on one line");
  cmd->add_option("-t,--threads", a->threads, "threads (default: physical cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("-c,--ctx-size", a->ctx,
                  "context size (default: the model's training context, at most 4096; it selects Phi-3's LongRoPE "
                  "factors as in llama.cpp, whose references use 512)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
  cmd->add_option("--top", a->top, "without --json: how many top tokens to list")->check(CLI::Range(1, 1000));
  add_cache_type_flags(cmd, a->cache_types);
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto resolved = resolve_model_flags(a->model, process_environment());
    if (!resolved) {
      exit_code = exit_code_for(resolved.code());
      return (void)std::fprintf(stderr, "error: %s\n", resolved.error().c_str());
    }
    auto model = LlamaModel::load(resolved->path);
    if (!model) return (void)std::fprintf(stderr, "error: %s\n", model.error().c_str());
    for (const std::string& notice : (*model)->notices()) std::fprintf(stderr, "notice: %s\n", notice.c_str());
    auto cache_types = cache_types_for_model(a->cache_types, **model);
    if (!cache_types) {
      exit_code = exit_code_for(cache_types.code());
      return (void)std::fprintf(stderr, "error: %s\n", cache_types.error().c_str());
    }
    const Tokenizer& tok = (*model)->tokenizer();
    std::vector<TokenId> ids = tok.encode(a->prompt, true, true);
    if (ids.empty()) return (void)std::fprintf(stderr, "error: the prompt has no tokens\n");
    ThreadPool pool(a->threads > 0 ? a->threads : physical_core_count());
    SessionOptions options;
    options.n_ctx = a->ctx;
    options.type_k = cache_types->k;
    options.type_v = cache_types->v;
    InferenceSession session(**model, pool, options);
    if (Status s = session.eval(ids); !s) return (void)std::fprintf(stderr, "error: %s\n", s.message().c_str());
    auto logits = session.last_logits();
    if (a->json) {
      nlohmann::json out;
      out["prompt_ids"] = ids;
      out["logits"] = std::vector<float>(logits.begin(), logits.end());
      std::printf("%s\n", out.dump().c_str());
    } else {
      std::vector<int> order(logits.size());
      std::iota(order.begin(), order.end(), 0);
      const size_t k = std::min<size_t>(static_cast<size_t>(a->top), order.size());
      std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                        [&](int x, int y) { return logits[x] > logits[y]; });
      std::printf("prompt ids:");
      for (TokenId id : ids) std::printf(" %d", id);
      std::printf("\n");
      for (size_t i = 0; i < k; ++i)
        std::printf("%6d %12.5f  %s\n", order[i], logits[order[i]],
                    nlohmann::json(tok.token_to_piece(order[i], true))
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    exit_code = 0;
  });
}

}  // namespace pg::cli
