// llama-bench-style throughput benchmark of one model on this machine:
// prompt processing (pp: p tokens in one batch) and text generation (tg: n
// single-token steps), each for every count of -p/-n and at every depth of -d
// (tokens already in the context, as llama-bench's -d), plus memory figures
// and a measured memory bandwidth to compare the generation's weight
// bandwidth against. Only measures; never prints (progress goes through a
// callback) and never changes the model.
//
// JSON schema (bench_report_json, "schema": "playground-bench/1"):
//   date            ISO-8601 UTC time the run started
//   machine         {cpu, simd, threads, load_average_1m}
//   model           {path, architecture, name, file_bytes, weight_bytes,
//                    active_weight_bytes (what one generated token reads: the
//                    chosen experts' share of MoE layers, one embedding row),
//                    parameters, type_mix ("Q4_K x13, F32 x5"), type_counts {type: n}}
//   config          {n_prompt [counts], n_gen [counts], depth [depths], repetitions, n_ctx, ubatch, seed, bandwidth_mib,
//                    cache_type_k, cache_type_v (the KV cache types: "f16", "q8_0", ...)}
//   tests           [{test "pp512" / "tg64" / "pp512 @ d4096", kind "pp"|"tg", tokens, depth,
//                     tokens_per_s {median, min, max}, samples [t/s]}], pp before tg, by depth
//   prompt          the first pp test (null when there is none), as in tests
//   generation      the first tg test (null when there is none); its rate is the one the
//                   bandwidth figures use
//   memory          {peak_rss_bytes (VmHWM, taken before the bandwidth buffer
//                    exists), kv_cache_bytes}
//   bandwidth       {measured_gb_per_s, buffer_bytes, passes,
//                    generation_weight_gb_per_s (active_weight_bytes x tg median t/s / 1e9),
//                    fraction_of_measured}
//   constrained     only with a grammar (--grammar / --json-schema): the tg test
//                   then runs through the decode loop, each repetition once
//                   without and once with the grammar (same prompt, seed, threads):
//                   {grammar (the file), grammar_rules, prompt_tokens,
//                    unconstrained / constrained: {test, tokens_per_s {median,
//                      min, max}, samples, generated [tokens per repetition],
//                      timed [of which timed: the steps while both replies ran],
//                      finish [per repetition], choose_ms_per_token,
//                      eval_ms_per_token, first_step_ms (medians)},
//                    masking_ms_per_token (constrained minus unconstrained
//                      choose time), slowdown_percent (100 x (1 - constrained /
//                      unconstrained median t/s)), sample_text}
//                   "generation" is then the unconstrained decode-loop test.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/grammar/gbnf.h"
#include "engine/kernels/kernels.h"
#include "engine/model/llama_model.h"
#include "models/kv_cache_choice.h"
#include "util/result.h"

namespace pg::bench {

struct BenchOptions {
  std::vector<int> n_prompts = {128};  // -p: one pp test per count (0: none)
  std::vector<int> n_gens = {64};      // -n: one tg test per count (0: none)
  std::vector<int> depths = {0};       // -d: every test at each depth
  int n_threads = 2;
  int repetitions = 3;
  int64_t n_ctx = 0;               // 0: the session default (training context, capped at 4096),
                                   // raised to what the largest depth + test needs
  int64_t ubatch = 512;            // -ub: prompt tokens per forward pass (llama-bench's default)
  uint64_t bandwidth_mib = 1024;   // memory-bandwidth buffer size
  // Best of several passes: on a shared machine single passes are often
  // slowed by other processes taking a core.
  int bandwidth_passes = 5;
  uint32_t seed = 1234;            // prompt/generation token ids
  // Kernel path to run (--kernels); nullopt: the best this CPU supports.
  std::optional<kernels::KernelPath> kernel_path;
  // KV cache types of keys and values (-ctk/-ctv); a type the model's heads
  // cannot take fails the run (invalid_cache_type) rather than falling back.
  models::KvCacheTypes cache_types;
  // Constrained generation: with a grammar the tg test runs through the decode
  // loop without and with it (decode_loop_bench.h). `grammar_name` names it in
  // the report (the file it came from).
  std::shared_ptr<const grammar::Grammar> grammar;
  std::string grammar_name;
};

// Accepted ranges (also used by the CLI to explain what is allowed).
inline constexpr int kMaxTokens = 1 << 16;
inline constexpr int kMaxRepetitions = 1000;
inline constexpr int kMaxThreads = 1024;
inline constexpr uint64_t kMaxBandwidthMib = 1 << 16;
inline constexpr int kMaxDepth = 1 << 20;
inline constexpr size_t kMaxListValues = 16;  // values per -p, -n or -d list

struct RateStats {
  double median = 0, min = 0, max = 0;  // tokens per second
  std::vector<double> samples;          // one per timed repetition
};

struct TestResult {
  std::string name;  // "pp128", "tg64", "tg64 @ d8192"
  bool prompt = true;  // pp (one batch) or tg (single-token steps)
  int tokens = 0;
  int depth = 0;       // tokens in the context before the timed ones
  RateStats rate;
};

// One side of the constrained comparison: decode-loop replies, one per repetition.
struct DecodeLoopResult {
  std::string name;  // "tg64 free", "tg64 grammar"
  RateStats rate;    // tokens per second of the timed steps
  std::vector<int64_t> generated;   // tokens per repetition
  std::vector<int64_t> timed;       // of which in timed steps (see time_decode_loops_in_turn)
  std::vector<std::string> finish;  // "stop" / "length" per repetition
  double choose_ms_per_token = 0;   // medians over the repetitions
  double eval_ms_per_token = 0;
  double first_step_ms = 0;
};

struct ConstrainedReport {
  std::string grammar_name;
  size_t grammar_rules = 0;
  int prompt_tokens = 0;
  DecodeLoopResult unconstrained, constrained;
  double masking_ms_per_token = 0;  // constrained minus unconstrained choose time per token
  double slowdown_percent = 0;      // 100 x (1 - constrained / unconstrained median t/s)
  std::string sample_text;          // the constrained reply of the last repetition
};

struct BenchReport {
  std::string date, cpu, simd;
  int threads = 0;
  double load_average_1m = -1;  // -1 when unknown
  std::string model_path, architecture, model_name, type_mix;
  std::map<std::string, int> type_counts;
  uint64_t file_bytes = 0, weight_bytes = 0, active_weight_bytes = 0, parameters = 0, kv_cache_bytes = 0;
  uint64_t peak_rss_bytes = 0;
  BenchOptions options;
  int64_t n_ctx = 0;  // the context the sessions actually had
  std::vector<TestResult> tests;  // every pp test, then every tg test, each by depth
  const TestResult* first_test(bool prompt) const {
    for (const TestResult& t : tests)
      if (t.prompt == prompt) return &t;
    return nullptr;
  }
  double measured_gb_per_s = 0;
  uint64_t bandwidth_buffer_bytes = 0;
  int bandwidth_passes = 0;
  double generation_weight_gb_per_s = 0;
  double fraction_of_measured = 0;
  std::optional<ConstrainedReport> constrained;  // only with a grammar
};

// Called with a short line such as "pp128 2/3" before each run.
using ProgressFn = std::function<void(const std::string&)>;

// Checks the counts against the ranges above; the message names the bad option.
Status validate_bench_options(const BenchOptions& options);

// Median of a non-empty list (mean of the middle two for an even count).
double median_of(std::vector<double> values);
RateStats rate_stats(std::vector<double> samples);

// "Q4_K x13, Q6_K x3, F32 x5": tensor types by count, most common first.
std::string type_mix(const std::map<std::string, int>& counts);

// Peak resident set size of this process in bytes (VmHWM, else ru_maxrss).
uint64_t peak_rss_bytes();

// Runs the whole benchmark: for each depth, each pp and tg test in its own
// session, filled with `depth` random tokens (not timed), then one warm-up and
// `repetitions` timed runs, each from that depth; then the memory-bandwidth
// measurement. With a grammar (one -n count, depth 0), tg runs through the
// decode loop, unconstrained and constrained in turn (each repetition both, so
// load changes hit both alike).
Result<BenchReport> run_benchmark(const LlamaModel& model, const BenchOptions& options,
                                  const ProgressFn& progress = {});

nlohmann::json bench_report_json(const BenchReport& report);
// The human-readable report: machine facts, a llama-bench-like table, memory
// and bandwidth lines.
std::string bench_report_text(const BenchReport& report);

}  // namespace pg::bench
