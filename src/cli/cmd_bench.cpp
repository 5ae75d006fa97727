// `playground bench -m MODEL -p 128[,512,...] -n 64[,...] -d 0[,8192,...] -t 2 -r 3 [--json] [--ctx N]
//  [--bw-mib M] [--kernels PATH] [--grammar FILE.gbnf | --json-schema FILE.json]`:
// llama-bench-style prompt-processing and generation throughput (every count at
// every depth), memory use and
// weight bandwidth against the machine's measured memory bandwidth; with a
// grammar, generation through the decode loop with and without it side by
// side. Progress goes to stderr, the report to stdout. Never writes files.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "bench/benchmark.h"
#include "cli/cache_type_flags.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/model_flags.h"
#include "engine/grammar/gbnf.h"
#include "engine/grammar/json_schema_grammar.h"
#include "util/json_guard.h"
#include "util/env_lookup.h"
#include "models/default_model.h"

namespace pg::cli {
namespace {

// A grammar file's text, bounded by the parser's own limit.
Result<std::string> read_grammar_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"bench: cannot read " + path};
  std::string text;
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{"bench: cannot read " + path};
  if (text.size() > grammar::kMaxGrammarBytes)
    return Error{"bench: " + path + " is larger than " + std::to_string(grammar::kMaxGrammarBytes) + " bytes"};
  return text;
}

Result<std::shared_ptr<const grammar::Grammar>> parse_grammar_text(const std::string& gbnf, const std::string& path) {
  auto g = grammar::parse_gbnf(gbnf);
  if (!g) return Error{"bench: grammar " + path + ": " + g.status().message()};
  return std::shared_ptr<const grammar::Grammar>(std::make_shared<grammar::Grammar>(std::move(*g)));
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("bench", "Measure prompt-processing and generation speed (like llama-bench)");
  struct Args {
    ModelFlags model;
    std::vector<long long> n_prompt = {128}, n_gen = {64}, depth = {0};
    long long threads = 2, repetitions = 3, ctx = 0, bw_mib = 1024, ubatch = 512;
    std::string kernels, grammar_file, schema_file;
    CacheTypeFlags cache_types;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  add_model_flags(cmd, a->model, "model name or GGUF file (default: $PLAYGROUND_MODEL or the demo model)");
  cmd->add_option("-p,--n-prompt", a->n_prompt, "prompt tokens evaluated in one batch (pp test); a list: 512,2048,4096; 0: none")
      ->delimiter(',');
  cmd->add_option("-n,--n-gen", a->n_gen, "tokens generated one at a time (tg test); a list as -p; 0: none")
      ->delimiter(',');
  cmd->add_option("-d,--n-depth", a->depth, "tokens already in the context before each test (as llama-bench); a list: 0,8192")
      ->delimiter(',');
  cmd->add_option("-t,--threads", a->threads, "threads");
  cmd->add_option("-r,--repetitions", a->repetitions, "timed repetitions of each test (after one warm-up)");
  cmd->add_option("--ctx", a->ctx, "context size of the sessions (0: the model's, capped at 4096)");
  cmd->add_option("--ubatch-size", a->ubatch, "prompt tokens per forward pass, also -ub (as llama-bench; default 512)");
  cmd->add_option("--bw-mib", a->bw_mib, "buffer size in MiB for the memory-bandwidth measurement");
  cmd->add_option("--kernels", a->kernels,
                  "kernel path: scalar, avx2-rows, avx2, avx2-vnni-rows, avx2-vnni, avx512-vnni-rows, avx512-vnni-decode, avx512-vnni or avx512-amx (default: the best this CPU has)");
  add_cache_type_flags(cmd, a->cache_types);
  auto* grammar_opt = cmd->add_option("--grammar", a->grammar_file,
                                      "GBNF grammar: tg then runs through the decode loop, without and with it");
  cmd->add_option("--json-schema", a->schema_file,
                  "JSON schema (converted to a grammar): tg then runs through the decode loop, without and with it")
      ->excludes(grammar_opt);
  cmd->add_flag("--json", a->json, "print one JSON object with every figure");
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto fits_int = [](long long v) { return v >= -(1LL << 30) && v <= (1LL << 30); };
    auto fit_all = [&](const std::vector<long long>& v) { return std::all_of(v.begin(), v.end(), fits_int); };
    if (!fit_all(a->n_prompt) || !fit_all(a->n_gen) || !fit_all(a->depth) || !fits_int(a->threads) ||
        !fits_int(a->repetitions) || !fits_int(a->ubatch) || a->bw_mib < 0 || a->bw_mib > (1LL << 40))
      return (void)std::fprintf(stderr, "error: bench: a numeric option is far out of range\n");
    auto ints = [](const std::vector<long long>& v) { return std::vector<int>(v.begin(), v.end()); };
    bench::BenchOptions options;
    options.n_prompts = ints(a->n_prompt);
    options.n_gens = ints(a->n_gen);
    options.depths = ints(a->depth);
    options.n_threads = static_cast<int>(a->threads);
    options.repetitions = static_cast<int>(a->repetitions);
    options.n_ctx = a->ctx;
    options.ubatch = a->ubatch;
    options.bandwidth_mib = static_cast<uint64_t>(a->bw_mib);
    if (!a->kernels.empty()) {
      options.kernel_path = kernels::kernel_path_from_name(a->kernels);
      if (!options.kernel_path)
        return (void)std::fprintf(stderr,
                                  "error: bench: unknown --kernels '%s' (scalar, avx2-rows, avx2, avx2-vnni-rows, avx2-vnni, avx512-vnni-rows, avx512-vnni-decode, avx512-vnni, avx512-amx)\n",
                                  a->kernels.c_str());
    }
    auto cache_types = parse_cache_type_flags(a->cache_types);
    if (!cache_types) {
      exit_code = exit_code_for(cache_types.code());
      return (void)std::fprintf(stderr, "error: bench: %s\n", cache_types.error().c_str());
    }
    options.cache_types = *cache_types;
    // Checked before loading so a typo fails fast.
    if (Status s = bench::validate_bench_options(options); !s)
      return (void)std::fprintf(stderr, "error: %s\n", s.message().c_str());
    if (!a->grammar_file.empty()) {
      auto text = read_grammar_file(a->grammar_file);
      if (!text) return (void)std::fprintf(stderr, "error: %s\n", text.error().c_str());
      auto g = parse_grammar_text(*text, a->grammar_file);
      if (!g) return (void)std::fprintf(stderr, "error: %s\n", g.error().c_str());
      options.grammar = std::move(*g);
      options.grammar_name = a->grammar_file;
    } else if (!a->schema_file.empty()) {
      auto text = read_grammar_file(a->schema_file);
      if (!text) return (void)std::fprintf(stderr, "error: %s\n", text.error().c_str());
      auto schema = parse_json_guarded(*text, a->schema_file);
      if (!schema) return (void)std::fprintf(stderr, "error: bench: %s\n", schema.error().c_str());
      auto gbnf = grammar::json_schema_to_gbnf(*schema, a->schema_file);
      if (!gbnf) return (void)std::fprintf(stderr, "error: bench: %s\n", gbnf.status().message().c_str());
      auto g = parse_grammar_text(*gbnf, a->schema_file);
      if (!g) return (void)std::fprintf(stderr, "error: %s\n", g.error().c_str());
      options.grammar = std::move(*g);
      options.grammar_name = a->schema_file;
    }
    auto resolved = resolve_model_flags(a->model, process_environment());
    if (!resolved) {
      exit_code = exit_code_for(resolved.code());
      return (void)std::fprintf(stderr, "error: %s\n", resolved.error().c_str());
    }
    auto model = LlamaModel::load(resolved->path);
    if (!model) return (void)std::fprintf(stderr, "error: %s\n", model.error().c_str());
    for (const std::string& notice : (*model)->notices()) std::fprintf(stderr, "notice: %s\n", notice.c_str());
    auto report = bench::run_benchmark(**model, options, [](const std::string& step) {
      std::fprintf(stderr, "bench: %s\n", step.c_str());
    });
    if (!report) {
      exit_code = exit_code_for(report.code());  // 2 for KV cache types the model's heads cannot take
      return (void)std::fprintf(stderr, "error: %s\n", report.error().c_str());
    }
    if (a->json)
      std::printf("%s\n",
                  bench::bench_report_json(*report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    else
      std::printf("%s", bench::bench_report_text(*report).c_str());
    exit_code = 0;
  });
}

}  // namespace pg::cli
