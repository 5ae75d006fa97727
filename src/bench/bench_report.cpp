// Formats a BenchReport: the JSON object (schema in benchmark.h) and the
// human-readable table. Never measures anything.
#include <cmath>
#include <cstdio>
#include <string>

#include "bench/benchmark.h"
#include "engine/sampler/sampler.h"

namespace pg::bench {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string human_bytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return format("%.2f GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return format("%.2f MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return format("%.2f KiB", b / 1024.0);
  return std::to_string(bytes) + " B";
}

std::string human_count(uint64_t n) {
  const double v = static_cast<double>(n);
  if (v >= 1e9) return format("%.2f B", v / 1e9);
  if (v >= 1e6) return format("%.2f M", v / 1e6);
  if (v >= 1e3) return format("%.2f K", v / 1e3);
  return std::to_string(n);
}

nlohmann::json test_json(const TestResult* t) {
  if (!t) return nullptr;
  return {{"test", t->name},
          {"kind", t->prompt ? "pp" : "tg"},
          {"tokens", t->tokens},
          {"depth", t->depth},
          {"tokens_per_s", {{"median", t->rate.median}, {"min", t->rate.min}, {"max", t->rate.max}}},
          {"samples", t->rate.samples}};
}

std::string rate_cell(const RateStats& r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.2f [%.2f, %.2f]", r.median, r.min, r.max);
  return buf;
}

nlohmann::json decode_loop_json(const DecodeLoopResult& t) {
  return {{"test", t.name},
          {"tokens_per_s", {{"median", t.rate.median}, {"min", t.rate.min}, {"max", t.rate.max}}},
          {"samples", t.rate.samples},
          {"generated", t.generated},
          {"timed", t.timed},
          {"finish", t.finish},
          {"choose_ms_per_token", t.choose_ms_per_token},
          {"eval_ms_per_token", t.eval_ms_per_token},
          {"first_step_ms", t.first_step_ms}};
}

std::string joined(const std::vector<int64_t>& counts) {
  std::string out;
  for (int64_t n : counts) {
    if (!out.empty()) out.push_back(',');
    out.append(std::to_string(n));
  }
  return out;
}

std::string constrained_text(const ConstrainedReport& c, uint32_t seed) {
  std::string out;
  char line[512];
  const SamplerParams sampling;  // what decode_loop_request uses: llama.cpp's defaults
  std::snprintf(line, sizeof line,
                "constrained decoding: grammar %s (%zu rules) | decode loop, prompt %d tokens | "
                "T %.2g, top-k %d, top-p %.2g, min-p %.2g, seed %u\n\n",
                c.grammar_name.c_str(), c.grammar_rules, c.prompt_tokens, sampling.temperature, sampling.top_k,
                sampling.top_p, sampling.min_p, seed);
  out += line;
  std::snprintf(line, sizeof line, "| %-14s | %32s | %24s | %13s | %11s | %13s |\n", "test", "t/s median [min, max]",
                "tokens/rep (timed)", "choose ms/tok", "eval ms/tok", "first step ms");
  out += line;
  out += "| -------------- | -------------------------------: | -----------------------: | ------------: | ----------: | ------------: |\n";
  for (const DecodeLoopResult* t : {&c.unconstrained, &c.constrained}) {
    std::string counts = joined(t->generated);
    counts.append(" (").append(joined(t->timed)).append(")");
    std::snprintf(line, sizeof line, "| %-14s | %32s | %24s | %13.3f | %11.2f | %13.2f |\n", t->name.c_str(),
                  rate_cell(t->rate).c_str(), counts.c_str(), t->choose_ms_per_token, t->eval_ms_per_token,
                  t->first_step_ms);
    out += line;
  }
  out += "\n";
  std::snprintf(line, sizeof line,
                "masking: %+.3f ms/token (token choice with the grammar minus without) | constrained %.1f%% %s "
                "than unconstrained\n",
                c.masking_ms_per_token, std::fabs(c.slowdown_percent), c.slowdown_percent >= 0 ? "slower" : "faster");
  out += line;
  std::string sample = c.sample_text.substr(0, 160);
  for (char& ch : sample)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  out.append("constrained reply: ").append(sample).append(c.sample_text.size() > 160 ? "...\n" : "\n");
  return out;
}

}  // namespace

nlohmann::json bench_report_json(const BenchReport& r) {
  nlohmann::json j;
  j["schema"] = "playground-bench/1";
  j["date"] = r.date;
  j["machine"] = {{"cpu", r.cpu}, {"simd", r.simd}, {"threads", r.threads},
                  {"load_average_1m", r.load_average_1m}};
  j["model"] = {{"path", r.model_path},         {"architecture", r.architecture},
                {"name", r.model_name},         {"file_bytes", r.file_bytes},
                {"weight_bytes", r.weight_bytes}, {"active_weight_bytes", r.active_weight_bytes},
                {"parameters", r.parameters},
                {"type_mix", r.type_mix},       {"type_counts", r.type_counts}};
  j["config"] = {{"n_prompt", r.options.n_prompts}, {"n_gen", r.options.n_gens}, {"depth", r.options.depths},
                 {"repetitions", r.options.repetitions}, {"n_ctx", r.n_ctx},
                 {"ubatch", r.options.ubatch},
                 {"seed", r.options.seed}, {"bandwidth_mib", r.options.bandwidth_mib},
                 {"cache_type_k", std::string(kv_cache_type_name(r.options.cache_types.k))},
                 {"cache_type_v", std::string(kv_cache_type_name(r.options.cache_types.v))}};
  j["tests"] = nlohmann::json::array();
  for (const TestResult& t : r.tests) j["tests"].push_back(test_json(&t));
  j["prompt"] = test_json(r.first_test(true));
  j["generation"] = test_json(r.first_test(false));
  j["memory"] = {{"peak_rss_bytes", r.peak_rss_bytes}, {"kv_cache_bytes", r.kv_cache_bytes}};
  j["bandwidth"] = {{"measured_gb_per_s", r.measured_gb_per_s},
                    {"buffer_bytes", r.bandwidth_buffer_bytes},
                    {"passes", r.bandwidth_passes},
                    {"generation_weight_gb_per_s", r.generation_weight_gb_per_s},
                    {"fraction_of_measured", r.fraction_of_measured}};
  if (r.constrained) {
    const ConstrainedReport& c = *r.constrained;
    j["constrained"] = {{"grammar", c.grammar_name},
                        {"grammar_rules", c.grammar_rules},
                        {"prompt_tokens", c.prompt_tokens},
                        {"unconstrained", decode_loop_json(c.unconstrained)},
                        {"constrained", decode_loop_json(c.constrained)},
                        {"masking_ms_per_token", c.masking_ms_per_token},
                        {"slowdown_percent", c.slowdown_percent},
                        {"sample_text", c.sample_text}};
  }
  return j;
}

std::string bench_report_text(const BenchReport& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "cpu: %s | simd: %s | threads: %d | load avg (1m): %.2f | date: %s\n",
                r.cpu.c_str(), r.simd.c_str(), r.threads, r.load_average_1m, r.date.c_str());
  out += line;
  std::snprintf(line, sizeof line, "model: %s (%s%s%s), %s params, types: %s\n", r.model_path.c_str(),
                r.architecture.c_str(), r.model_name.empty() ? "" : ", ", r.model_name.c_str(),
                human_count(r.parameters).c_str(), r.type_mix.c_str());
  out += line;
  out += "\n";
  const std::string model_cell = r.architecture + " " + human_count(r.parameters);
  std::snprintf(line, sizeof line, "| %-20s | %12s | %10s | %7s | %16s | %32s |\n", "model", "size", "params",
                "threads", "test", "t/s median [min, max]");
  out += line;
  out += "| -------------------- | -----------: | ---------: | ------: | ---------------: | -------------------------------: |\n";
  for (const TestResult& t : r.tests) {
    std::snprintf(line, sizeof line, "| %-20s | %12s | %10s | %7d | %16s | %32s |\n", model_cell.c_str(),
                  human_bytes(r.file_bytes).c_str(), human_count(r.parameters).c_str(), r.threads,
                  t.name.c_str(), rate_cell(t.rate).c_str());
    out += line;
  }
  out += "\n";
  std::snprintf(line, sizeof line,
                "memory: peak RSS %s | file %s | weights %s (%s read per token) | KV cache %s (n_ctx %lld, k %s, v %s)\n",
                human_bytes(r.peak_rss_bytes).c_str(), human_bytes(r.file_bytes).c_str(),
                human_bytes(r.weight_bytes).c_str(), human_bytes(r.active_weight_bytes).c_str(),
                human_bytes(r.kv_cache_bytes).c_str(),
                static_cast<long long>(r.n_ctx), std::string(kv_cache_type_name(r.options.cache_types.k)).c_str(),
                std::string(kv_cache_type_name(r.options.cache_types.v)).c_str());
  out += line;
  if (const TestResult* tg = r.first_test(false))
    std::snprintf(line, sizeof line,
                  "bandwidth: generation (%s) reads weights at %.2f GB/s = %.0f%% of measured %.2f GB/s "
                  "(%s buffer, best of %d, %d threads)\n",
                  tg->name.c_str(), r.generation_weight_gb_per_s, r.fraction_of_measured * 100, r.measured_gb_per_s,
                  human_bytes(r.bandwidth_buffer_bytes).c_str(), r.bandwidth_passes, r.threads);
  else
    std::snprintf(line, sizeof line, "bandwidth: measured %.2f GB/s (%s buffer, best of %d, %d threads); no generation test\n",
                  r.measured_gb_per_s, human_bytes(r.bandwidth_buffer_bytes).c_str(), r.bandwidth_passes, r.threads);
  out += line;
  if (r.constrained) {
    out.push_back('\n');
    out.append(constrained_text(*r.constrained, r.options.seed));
  }
  return out;
}

}  // namespace pg::bench
