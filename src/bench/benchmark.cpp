// Runs the pp/tg timings, gathers memory and machine facts and the measured
// memory bandwidth into a BenchReport. Never prints; formatting lives in
// bench_report.cpp.
#include "bench/benchmark.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <new>
#include <random>
#include <sstream>

#include "bench/decode_loop_bench.h"
#include "bench/memory_bandwidth.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/inference_session.h"
#include "engine/tensor/ggml_type.h"

namespace pg::bench {
namespace {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) break;
      size_t start = line.find_first_not_of(" \t", colon + 1);
      return start == std::string::npos ? std::string("unknown") : line.substr(start);
    }
  }
  return "unknown";
}

double load_average_1m() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  if (!(in >> v)) return -1;
  return v;
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Status validate_bench_options(const BenchOptions& o) {
  auto bad = [](const std::string& what, long long v, long long lo, long long hi) {
    return Status::error("bench: " + what + " must be in [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "], got " + std::to_string(v));
  };
  auto bad_list = [&](const std::string& what, const std::vector<int>& values, int hi) -> Status {
    if (values.empty() || values.size() > kMaxListValues)
      return Status::error("bench: " + what + " takes 1 to " + std::to_string(kMaxListValues) + " values, got " +
                           std::to_string(values.size()));
    for (int v : values)
      if (v < 0 || v > hi) return bad(what, v, 0, hi);
    return Status::ok();
  };
  if (Status s = bad_list("-p (prompt tokens)", o.n_prompts, kMaxTokens); !s) return s;
  if (Status s = bad_list("-n (generated tokens)", o.n_gens, kMaxTokens); !s) return s;
  if (Status s = bad_list("-d (depth)", o.depths, kMaxDepth); !s) return s;
  auto any = [](const std::vector<int>& v) { return std::any_of(v.begin(), v.end(), [](int x) { return x > 0; }); };
  if (!any(o.n_prompts) && !any(o.n_gens)) return Status::error("bench: -p and -n are all 0: nothing to measure");
  if (o.grammar && (o.n_gens.size() != 1 || o.n_gens[0] < 1 || o.depths != std::vector<int>{0}))
    return Status::error("bench: a grammar compares one generation test (one -n count > 0) at depth 0");
  if (o.repetitions < 1 || o.repetitions > kMaxRepetitions)
    return bad("-r (repetitions)", o.repetitions, 1, kMaxRepetitions);
  if (o.n_threads < 1 || o.n_threads > kMaxThreads) return bad("-t (threads)", o.n_threads, 1, kMaxThreads);
  if (o.n_ctx < 0 || o.n_ctx > (int64_t{1} << 20)) return bad("--ctx", o.n_ctx, 0, int64_t{1} << 20);
  if (o.ubatch < 1 || o.ubatch > 65536) return bad("-ub", o.ubatch, 1, 65536);
  if (o.bandwidth_passes < 1 || o.bandwidth_passes > kMaxRepetitions)
    return bad("bandwidth passes", o.bandwidth_passes, 1, kMaxRepetitions);
  if (o.bandwidth_mib < 1 || o.bandwidth_mib > kMaxBandwidthMib)
    return bad("--bw-mib", static_cast<long long>(o.bandwidth_mib), 1, kMaxBandwidthMib);
  if (o.kernel_path && !kernels::kernel_path_supported(*o.kernel_path))
    return Status::error("bench: --kernels " + std::string(kernels::kernel_path_name(*o.kernel_path)) +
                         " is not supported by this CPU (best: " + kernels::simd_path_name() + ")");
  return Status::ok();
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

RateStats rate_stats(std::vector<double> samples) {
  RateStats s;
  if (!samples.empty()) {
    s.median = median_of(samples);
    s.min = *std::min_element(samples.begin(), samples.end());
    s.max = *std::max_element(samples.begin(), samples.end());
  }
  s.samples = std::move(samples);
  return s;
}

std::string type_mix(const std::map<std::string, int>& counts) {
  std::vector<std::pair<std::string, int>> order(counts.begin(), counts.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [type, n] : order) {
    if (!out.empty()) out += ", ";
    out += type + " x" + std::to_string(n);
  }
  return out;
}

uint64_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      uint64_t kib = 0;
      if (fields >> kib) return kib * 1024;
    }
  }
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0 && usage.ru_maxrss > 0)
    return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // KiB on Linux
  return 0;
}

namespace {

DecodeLoopResult summarize(std::string name, const std::vector<DecodeLoopTiming>& runs) {
  DecodeLoopResult out;
  out.name = std::move(name);
  std::vector<double> rates, choose, eval, first;
  for (const DecodeLoopTiming& t : runs) {
    rates.push_back(t.tokens_per_second());
    choose.push_back(t.choose_ms_per_token());
    eval.push_back(t.eval_ms_per_token());
    first.push_back(t.first_step_seconds * 1e3);
    out.generated.push_back(t.generated);
    out.timed.push_back(t.timed_tokens);
    out.finish.push_back(t.finish);
  }
  out.rate = rate_stats(std::move(rates));
  out.choose_ms_per_token = median_of(std::move(choose));
  out.eval_ms_per_token = median_of(std::move(eval));
  out.first_step_ms = median_of(std::move(first));
  return out;
}

// The tg test through the decode loop: each run generates one reply without
// and one with the grammar, from the same prompt and seed, in fresh sessions,
// taking turns step by step.
Result<ConstrainedReport> run_constrained(const LlamaModel& model, ThreadPool& pool,
                                          const SessionOptions& session_options, const BenchOptions& options,
                                          int64_t n_ctx, const ProgressFn& progress) {
  ConstrainedReport c;
  c.grammar_name = options.grammar_name;
  c.grammar_rules = options.grammar->rules.size();
  std::vector<TokenId> prompt = model.tokenizer().encode(kDecodeLoopPrompt, true, false);
  if (prompt.empty()) return Error{"bench: the decode-loop prompt has no tokens"};
  c.prompt_tokens = static_cast<int>(prompt.size());
  const int n_gen = options.n_gens.front();
  if (static_cast<int64_t>(prompt.size()) + n_gen > n_ctx)
    return Error{"bench: -n " + std::to_string(n_gen) + " generated tokens after the " +
                 std::to_string(prompt.size()) + "-token prompt exceed the context of " + std::to_string(n_ctx) +
                 " (raise --ctx)"};
  const DecodeRequest free_request = decode_loop_request(prompt, n_gen, options.seed, nullptr);
  const DecodeRequest grammar_request = decode_loop_request(prompt, n_gen, options.seed, options.grammar);
  const std::string name = "tg" + std::to_string(n_gen);
  std::vector<DecodeLoopTiming> free_runs, grammar_runs;
  const int total_runs = options.repetitions + 1;  // the first is the warm-up
  for (int run = 0; run < total_runs; ++run) {
    const std::string which =
        run == 0 ? std::string(" warm-up") : " " + std::to_string(run) + "/" + std::to_string(options.repetitions);
    if (progress) progress(name + " free+grammar" + which);
    InferenceSession free_session(model, pool, session_options), grammar_session(model, pool, session_options);
    auto t = time_decode_loops_in_turn(free_session, free_request, grammar_session, grammar_request);
    if (!t) return t.status();
    auto& [free_run, grammar_run] = *t;
    for (const DecodeLoopTiming* one : {&free_run, &grammar_run})
      if (one->timed_tokens < 1)
        return Error{"bench: the " + std::string(one == &grammar_run ? "constrained" : "unconstrained") +
                     " reply ended after " + std::to_string(one->generated) +
                     " token(s); nothing to time (use a grammar that allows longer output)"};
    if (run == 0) continue;
    c.sample_text = grammar_run.text;
    free_runs.push_back(std::move(free_run));
    grammar_runs.push_back(std::move(grammar_run));
  }
  c.unconstrained = summarize(name + " free", free_runs);
  c.constrained = summarize(name + " grammar", grammar_runs);
  c.masking_ms_per_token = c.constrained.choose_ms_per_token - c.unconstrained.choose_ms_per_token;
  c.slowdown_percent = c.unconstrained.rate.median > 0
                           ? 100.0 * (1.0 - c.constrained.rate.median / c.unconstrained.rate.median)
                           : 0.0;
  return c;
}

Result<BenchReport> run_benchmark_unguarded(const LlamaModel& model, const BenchOptions& options,
                                            const ProgressFn& progress) {
  BenchReport r;
  r.options = options;
  r.date = utc_now_iso();
  r.cpu = cpu_model_name();
  r.simd = std::string(kernels::kernel_path_name(options.kernel_path.value_or(kernels::best_kernel_path())));
  r.threads = options.n_threads;
  r.load_average_1m = load_average_1m();
  r.model_path = model.file().path();
  r.architecture = model.config().architecture;
  r.model_name = model.config().name;
  r.file_bytes = model.file().file_size();
  r.weight_bytes = model.weight_bytes();
  r.active_weight_bytes = model.active_weight_bytes();
  r.parameters = model.parameter_count();
  for (const auto& t : model.file().tensors()) ++r.type_counts[std::string(ggml_type_name(t.type))];
  r.type_mix = type_mix(r.type_counts);

  const int64_t n_vocab = model.config().n_vocab;
  if (n_vocab < 1) return Error{"bench: model " + r.model_path + " has an empty vocabulary"};

  // A session would quietly cache in f16 what these heads cannot take: refuse instead.
  if (Status s = models::check_kv_cache_types(options.cache_types, model.config().head_dim); !s)
    return Status::invalid_argument("bench: " + s.message(), s.reason());
  ThreadPool pool(options.n_threads);
  SessionOptions session_options;
  session_options.n_ctx = options.n_ctx;
  session_options.type_k = options.cache_types.k;
  session_options.type_v = options.cache_types.v;
  const int max_prompt = *std::max_element(options.n_prompts.begin(), options.n_prompts.end());
  const int max_gen = *std::max_element(options.n_gens.begin(), options.n_gens.end());
  const int max_depth = *std::max_element(options.depths.begin(), options.depths.end());
  // Prompts and the depth fill in forward passes of `ubatch` tokens (llama-bench's -ub).
  session_options.max_batch = options.ubatch;
  session_options.kernel_path = options.kernel_path;
  // The deepest test's tokens: the start token and the generated ones, or the prompt.
  const int64_t needed = int64_t{max_depth} + std::max<int64_t>(max_prompt, int64_t{max_gen} + 1);

  {
    InferenceSession probe(model, pool, session_options);
    if (options.n_ctx == 0 && probe.context_size() < needed) session_options.n_ctx = needed;
  }
  {
    InferenceSession probe(model, pool, session_options);
    r.n_ctx = probe.context_size();
    r.kv_cache_bytes = probe.kv_cache_bytes();
  }
  if (needed > r.n_ctx)
    return Error{"bench: depth " + std::to_string(max_depth) + " + " +
                 (max_prompt >= max_gen + 1 ? "-p " + std::to_string(max_prompt) + " prompt tokens"
                                            : "-n " + std::to_string(max_gen) + " generated tokens (+1 start token)") +
                 " exceed the context of " + std::to_string(r.n_ctx) + " (raise --ctx)"};

  // Random valid ids from a fixed seed, BOS first, like llama-bench.
  std::mt19937 rng(options.seed);
  std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(n_vocab - 1));
  const int32_t bos = model.tokenizer().bos_id();
  const int32_t first = (bos >= 0 && bos < n_vocab) ? bos : 0;
  auto random_tokens = [&](int n, bool starts) {
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& t : ids) t = pick(rng);
    if (starts && n > 0) ids[0] = first;
    return ids;
  };
  const std::vector<int32_t> fill = random_tokens(max_depth, true);

  const int total_runs = options.repetitions + 1;  // the first is the warm-up
  // One test: a session filled to `depth` (not timed), then every run from there.
  auto run_test = [&](bool prompt, int tokens, int depth) -> Result<TestResult> {
    TestResult t;
    t.prompt = prompt;
    t.tokens = tokens;
    t.depth = depth;
    t.name = (prompt ? "pp" : "tg") + std::to_string(tokens) + (depth > 0 ? " @ d" + std::to_string(depth) : "");
    const std::vector<int32_t> ids = random_tokens(tokens, prompt && depth == 0);
    const std::span<const int32_t> context(fill.data(), static_cast<size_t>(depth));
    InferenceSession session(model, pool, session_options);
    std::vector<double> rates;
    for (int run = 0; run < total_runs; ++run) {
      if (progress)
        progress(t.name + (run == 0 ? std::string(" warm-up") :
                           " " + std::to_string(run) + "/" + std::to_string(options.repetitions)));
      // Back to the depth; refilled when a sliding window no longer holds it (and at first).
      if (session.truncate(depth) != depth || session.position() != depth) {
        session.truncate(0);
        if (Status s = session.eval(context); !s) return Error{"bench: filling the context failed: " + s.message()};
      }
      double secs = 0;
      if (prompt) {
        const auto start = std::chrono::steady_clock::now();
        if (Status s = session.eval(ids); !s) return Error{"bench: prompt eval failed: " + s.message()};
        secs = seconds_since(start);
      } else {
        const int32_t start_token[1] = {first};
        if (Status s = session.eval(start_token); !s) return Error{"bench: start token eval failed: " + s.message()};
        const auto start = std::chrono::steady_clock::now();
        for (int32_t id : ids)
          if (Status s = session.eval_generated(std::span<const int32_t>(&id, 1)); !s)
            return Error{"bench: generation eval failed: " + s.message()};
        secs = seconds_since(start);
      }
      if (run > 0) rates.push_back(secs > 0 ? tokens / secs : 0);
    }
    t.rate = rate_stats(std::move(rates));
    return t;
  };

  // Every count of one kind (0: none) at every depth.
  auto run_tests = [&](bool prompt, const std::vector<int>& counts) -> Status {
    for (int depth : options.depths)
      for (int n : counts) {
        if (n == 0) continue;
        auto t = run_test(prompt, n, depth);
        if (!t) return t.status();
        r.tests.push_back(std::move(*t));
      }
    return Status::ok();
  };

  if (Status s = run_tests(true, options.n_prompts); !s) return s;
  if (options.grammar) {
    auto constrained = run_constrained(model, pool, session_options, options, r.n_ctx, progress);
    if (!constrained) return constrained.status();
    TestResult t;
    t.name = constrained->unconstrained.name;
    t.prompt = false;
    t.tokens = options.n_gens[0];
    t.rate = constrained->unconstrained.rate;
    r.tests.push_back(std::move(t));
    r.constrained = std::move(*constrained);
  } else if (Status s = run_tests(false, options.n_gens); !s) {
    return s;
  }

  // Before the bandwidth buffer exists, so the peak is the model's own.
  r.peak_rss_bytes = peak_rss_bytes();

  if (progress) progress("memory bandwidth (" + std::to_string(options.bandwidth_mib) + " MiB)");
  auto bw = measure_read_bandwidth(pool, options.bandwidth_mib << 20, options.bandwidth_passes);
  if (!bw) return bw.status();
  r.measured_gb_per_s = bw->gb_per_s;
  r.bandwidth_buffer_bytes = bw->buffer_bytes;
  r.bandwidth_passes = bw->passes;
  // The generation at the first depth (-d 0 first for the roofline, as the defaults do).
  const TestResult* tg = r.first_test(false);
  r.generation_weight_gb_per_s = tg ? static_cast<double>(r.active_weight_bytes) * tg->rate.median / 1e9 : 0;
  r.fraction_of_measured = r.measured_gb_per_s > 0 ? r.generation_weight_gb_per_s / r.measured_gb_per_s : 0;
  return r;
}

}  // namespace

Result<BenchReport> run_benchmark(const LlamaModel& model, const BenchOptions& options,
                                  const ProgressFn& progress) {
  if (Status s = validate_bench_options(options); !s) return s;
  try {
    return run_benchmark_unguarded(model, options, progress);
  } catch (const std::bad_alloc&) {
    // A huge --ctx asks for a KV cache that doesn't fit; say so instead of dying.
    return Error{"bench: out of memory (KV cache for --ctx " + std::to_string(options.n_ctx) + " / -d" +
                 " or the " + std::to_string(options.bandwidth_mib) + " MiB bandwidth buffer)"};
  } catch (const std::exception& e) {
    return Error{std::string("bench: ") + e.what()};
  }
}

}  // namespace pg::bench
