// `playground run`: generates text from a prompt with a local GGUF model,
// streaming tokens to stdout and printing speed figures to stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cache_type_flags.h"
#include "cli/commands.h"
#include "cli/model_flags.h"
#include "cli/exit_codes.h"
#include "cli/output_format_flags.h"
#include "cli/sampling_flags.h"
#include "util/env_lookup.h"
#include "engine/generate/generator.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "models/default_model.h"

namespace pg::cli {

void add_run_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Generate text from a prompt (default model: the built-in demo)");
  struct Args {
    ModelFlags model;
    std::string prompt;
    int64_t n = 256;
    int threads = 0;
    int64_t ctx = 0;
    CacheTypeFlags cache_types;
    app::SamplingOptions sampling;
    int64_t seed = -1;
    std::vector<std::string> stop;
    bool no_special = false;
    OutputFormatFlags format;
  };
  auto a = std::make_shared<Args>();
  add_model_flags(cmd, a->model, "model name or GGUF file (default: $PLAYGROUND_MODEL or the demo model)");
  cmd->add_option("-p,--prompt", a->prompt, "prompt text (default: empty, i.e. start from BOS)");
  cmd->add_option("-n,--n-predict", a->n, "tokens to generate (-1: until end of text or context)")
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 24));
  add_sampling_flags(cmd, a->sampling);
  add_seed_flag(cmd, a->seed);
  cmd->add_option("--stop", a->stop, "stop sequence (repeatable)");
  cmd->add_option("-t,--threads", a->threads, "threads (default: physical cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("-c,--ctx-size", a->ctx, "context size (default: the model's, at most 4096)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
  add_cache_type_flags(cmd, a->cache_types);
  cmd->add_flag("--no-special", a->no_special, "treat special-token texts in the prompt as plain text");
  add_output_format_flags(cmd, a->format);
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto grammar = output_format_grammar(a->format);
    if (!grammar) {
      exit_code = exit_code_for(grammar.code());
      return (void)std::fprintf(stderr, "error: %s\n", grammar.error().c_str());
    }
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

    DecodeRequest req;
    req.prompt_ids = tok.encode(a->prompt, true, !a->no_special);
    if (req.prompt_ids.empty() && tok.bos_id() >= 0) req.prompt_ids.push_back(tok.bos_id());
    req.max_tokens = a->n;
    if (Status s = app::apply_sampling(a->sampling, req); !s)
      return (void)std::fprintf(stderr, "error: %s\n", s.message().c_str());
    req.sampling.seed = app::seed_from_field(a->seed);
    req.stop = a->stop;
    req.grammar = *grammar;

    ThreadPool pool(a->threads > 0 ? a->threads : physical_core_count());
    SessionOptions so;
    so.n_ctx = a->ctx;
    so.type_k = cache_types->k;
    so.type_v = cache_types->v;
    InferenceSession session(**model, pool, so);
    std::fputs(a->prompt.c_str(), stdout);
    auto result = generate(session, req, [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!result) return (void)std::fprintf(stderr, "error: %s\n", result.error().c_str());
    const GenerationStats& st = result->stats;
    std::fprintf(stderr,
                 "\nprompt: %lld tokens, %.1f tokens/s | generation: %lld tokens, %.1f tokens/s | "
                 "first token %.1f ms | finish: %s | seed %llu | threads %d\n",
                 static_cast<long long>(st.prompt_tokens), st.prompt_tokens_per_second(),
                 static_cast<long long>(st.generated_tokens), st.generation_tokens_per_second(),
                 st.time_to_first_token * 1000.0, finish_reason_name(result->finish),
                 static_cast<unsigned long long>(result->seed), pool.size());
    exit_code = 0;
  });
}

}  // namespace pg::cli
