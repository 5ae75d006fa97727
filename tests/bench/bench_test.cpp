// The benchmark: the bandwidth loop's checksum, the statistics helpers, a real
// tiny run on the demo model (library and binary), the constrained comparison
// through the decode loop (--grammar / --json-schema) and the binary's refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/benchmark.h"
#include "bench/decode_loop_bench.h"
#include "bench/memory_bandwidth.h"
#include "engine/grammar/gbnf.h"
#include "engine/kernels/thread_pool.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {

std::string demo_model() { return test::source_dir() + "/models/demo/stories260K.gguf"; }

using test::ProcessResult;
using test::run_playground;

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

TEST(BenchBandwidth, ParallelSumMatchesReferenceAndKnownValue) {
  std::vector<uint64_t> words(100003);
  std::iota(words.begin(), words.end(), uint64_t{7});
  const uint64_t n = words.size();
  const uint64_t expected = n * 7 + n * (n - 1) / 2;
  EXPECT_EQ(bench::sum_words_reference(words), expected);
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_EQ(bench::sum_words_parallel(pool, words), expected) << threads << " threads";
  }
}

TEST(BenchBandwidth, MeasurementReturnsChecksumOfItsBuffer) {
  ThreadPool pool(2);
  auto m = bench::measure_read_bandwidth(pool, 16u << 20, 2);
  ASSERT_TRUE(m) << m.error();
  const uint64_t n = (16u << 20) / 8;
  EXPECT_EQ(m->buffer_bytes, 16u << 20);
  EXPECT_EQ(m->checksum, n * (n - 1) / 2);
  EXPECT_EQ(m->checksum, m->expected_checksum);
  EXPECT_TRUE(positive_finite(m->gb_per_s));
  EXPECT_FALSE(bench::measure_read_bandwidth(pool, 4, 1));   // not one whole word
  EXPECT_FALSE(bench::measure_read_bandwidth(pool, 64, 0));  // no pass
}

TEST(BenchStats, MedianMinMaxAndTypeMix) {
  EXPECT_DOUBLE_EQ(bench::median_of({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(bench::median_of({4, 1, 2, 3}), 2.5);
  bench::RateStats s = bench::rate_stats({5, 9, 7});
  EXPECT_DOUBLE_EQ(s.median, 7);
  EXPECT_DOUBLE_EQ(s.min, 5);
  EXPECT_DOUBLE_EQ(s.max, 9);
  EXPECT_EQ(bench::type_mix({{"F32", 5}, {"Q4_K", 13}, {"Q6_K", 3}}), "Q4_K x13, F32 x5, Q6_K x3");
}

TEST(BenchOptions, RejectsOutOfRangeCounts) {
  bench::BenchOptions ok;
  EXPECT_TRUE(bench::validate_bench_options(ok));
  auto with = [&](auto change) { bench::BenchOptions o = ok; change(o); return bench::validate_bench_options(o); };
  Status s = with([](auto& o) { o.n_prompts = {-1}; });
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("-p"), std::string::npos) << s.message();
  EXPECT_FALSE(with([](auto& o) { o.n_gens = {64, -1}; }));
  EXPECT_FALSE(with([](auto& o) { o.n_gens = {}; }));
  EXPECT_FALSE(with([](auto& o) { o.depths = {-1}; }));
  EXPECT_FALSE(with([](auto& o) { o.depths = std::vector<int>(17, 0); }));
  s = with([](auto& o) { o.n_prompts = {0}, o.n_gens = {0}; });
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("nothing to measure"), std::string::npos) << s.message();
  EXPECT_TRUE(with([](auto& o) { o.n_prompts = {0}; }));  // generation only
  EXPECT_FALSE(with([](auto& o) { o.repetitions = 0; }));
  EXPECT_FALSE(with([](auto& o) { o.n_threads = 0; }));
  EXPECT_FALSE(with([](auto& o) { o.bandwidth_mib = 0; }));
  EXPECT_FALSE(with([](auto& o) { o.n_ctx = -5; }));
}

TEST(BenchRun, DemoModelGivesConsistentFigures) {
  auto model = LlamaModel::load(demo_model());
  ASSERT_TRUE(model) << model.error();
  bench::BenchOptions o;
  o.n_prompts = {8};
  o.n_gens = {4};
  o.repetitions = 2;
  o.n_threads = 2;
  o.bandwidth_mib = 16;
  std::vector<std::string> steps;
  auto r = bench::run_benchmark(**model, o, [&](const std::string& s) { steps.push_back(s); });
  ASSERT_TRUE(r) << r.error();
  // warm-up + 2 for each test, then the bandwidth step.
  EXPECT_EQ(steps.size(), 7u);
  ASSERT_EQ(r->tests.size(), 2u);
  EXPECT_EQ(r->tests[0].name, "pp8");
  EXPECT_EQ(r->tests[1].name, "tg4");
  for (const bench::TestResult* t : {&r->tests[0], &r->tests[1]}) {
    EXPECT_EQ(t->rate.samples.size(), 2u);
    EXPECT_TRUE(positive_finite(t->rate.median)) << t->name;
    EXPECT_LE(t->rate.min, t->rate.median);
    EXPECT_LE(t->rate.median, t->rate.max);
  }
  uint64_t tensor_bytes = 0, elements = 0;
  for (const auto& t : (*model)->file().tensors()) tensor_bytes += t.n_bytes, elements += t.n_elements;
  EXPECT_EQ(r->weight_bytes, tensor_bytes);
  EXPECT_EQ(r->parameters, elements);
  EXPECT_EQ(r->file_bytes, std::filesystem::file_size(demo_model()));
  EXPECT_LT(r->weight_bytes, r->file_bytes);
  EXPECT_GT(r->peak_rss_bytes, 0u);
  EXPECT_GT(r->kv_cache_bytes, 0u);
  EXPECT_TRUE(positive_finite(r->measured_gb_per_s));
  // The demo model ties its embedding to the output: a token reads every weight.
  EXPECT_EQ(r->active_weight_bytes, r->weight_bytes);
  EXPECT_NEAR(r->generation_weight_gb_per_s, r->active_weight_bytes * r->tests[1].rate.median / 1e9, 1e-9);
  EXPECT_EQ(r->architecture, "llama");
  EXPECT_FALSE(r->type_mix.empty());
}

// Lists and depths, as llama-bench: every count at every depth, each test from
// a context already holding `depth` tokens; the context grows to fit the
// deepest test, and the bandwidth figures use the first generation test.
TEST(BenchRun, ListsOfCountsRunAtEveryDepth) {
  auto model = LlamaModel::load(demo_model());
  ASSERT_TRUE(model) << model.error();
  bench::BenchOptions o;
  o.n_prompts = {8, 16};
  o.n_gens = {4};
  o.depths = {0, 500};  // the demo model's context is 512: 500 + 16 needs more
  o.repetitions = 1;
  o.bandwidth_mib = 8;
  auto r = bench::run_benchmark(**model, o);
  ASSERT_TRUE(r) << r.error();
  std::vector<std::string> names;
  for (const bench::TestResult& t : r->tests) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"pp8", "pp16", "pp8 @ d500", "pp16 @ d500", "tg4", "tg4 @ d500"}));
  EXPECT_EQ(r->tests[3].depth, 500);
  EXPECT_TRUE(r->tests[3].prompt);
  EXPECT_FALSE(r->tests[5].prompt);
  for (const bench::TestResult& t : r->tests) EXPECT_TRUE(positive_finite(t.rate.median)) << t.name;
  EXPECT_EQ(r->n_ctx, 516);
  EXPECT_NEAR(r->generation_weight_gb_per_s, r->active_weight_bytes * r->tests[4].rate.median / 1e9, 1e-9);
  const nlohmann::json j = bench::bench_report_json(*r);
  ASSERT_EQ(j["tests"].size(), 6u);
  EXPECT_EQ(j["tests"][5]["test"], "tg4 @ d500");
  EXPECT_EQ(j["tests"][5]["kind"], "tg");
  EXPECT_EQ(j["tests"][5]["depth"], 500);
  EXPECT_EQ(j["prompt"]["test"], "pp8");
  EXPECT_EQ(j["generation"]["test"], "tg4");
  EXPECT_EQ(j["config"]["depth"], nlohmann::json::array({0, 500}));
  EXPECT_EQ(j["config"]["ubatch"], 512);
  const std::string text = bench::bench_report_text(*r);
  EXPECT_NE(text.find("pp16 @ d500 |"), std::string::npos) << text;
  EXPECT_NE(text.find("generation (tg4)"), std::string::npos) << text;

  // A prompt in passes of 3 tokens (-ub) still counts all its tokens.
  o.ubatch = 3;
  o.depths = {0};
  r = bench::run_benchmark(**model, o);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(bench::bench_report_json(*r)["config"]["ubatch"], 3);
  EXPECT_TRUE(positive_finite(r->tests[1].rate.median));

  // Generation only.
  o.n_prompts = {0};
  o.depths = {0};
  r = bench::run_benchmark(**model, o);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->tests.size(), 1u);
  EXPECT_EQ(bench::bench_report_json(*r)["prompt"], nullptr);
}

TEST(BenchRun, PromptLongerThanContextIsAnError) {
  auto model = LlamaModel::load(demo_model());
  ASSERT_TRUE(model) << model.error();
  bench::BenchOptions o;
  o.n_prompts = {32};
  o.n_gens = {4};
  o.repetitions = 1;
  o.n_ctx = 16;
  o.bandwidth_mib = 1;
  auto r = bench::run_benchmark(**model, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("context"), std::string::npos) << r.error();
  o.n_prompts = {4};
  o.n_gens = {16};  // 16 + the start token > 16
  r = bench::run_benchmark(**model, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("-n 16"), std::string::npos) << r.error();
}

// Lists of lowercase words: long replies are possible, and every one is checkable.
constexpr const char* kWordsGrammar = R"(root ::= "[" ( word ( "," word )* )? "]"
word ::= [a-z ]{1,12})";

std::shared_ptr<const grammar::Grammar> words_grammar() {
  auto g = grammar::parse_gbnf(kWordsGrammar);
  EXPECT_TRUE(g) << g.error();
  return g ? std::make_shared<grammar::Grammar>(std::move(*g)) : nullptr;
}

TEST(BenchDecodeLoop, TimesEveryTokenButTheFirstAndKeepsToTheGrammar) {
  auto model = LlamaModel::load(demo_model());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  const auto prompt = (*model)->tokenizer().encode(bench::kDecodeLoopPrompt, true, false);
  ASSERT_GT(prompt.size(), 1u);
  {
    InferenceSession session(**model, pool);
    auto t = bench::time_decode_loop(session, bench::decode_loop_request(prompt, 12, 7, nullptr));
    ASSERT_TRUE(t) << t.error();
    EXPECT_EQ(t->generated, 12);  // end of generation is ignored without a grammar
    EXPECT_EQ(t->timed_tokens, 11);
    EXPECT_EQ(t->finish, "length");
    EXPECT_TRUE(positive_finite(t->tokens_per_second()));
    EXPECT_TRUE(positive_finite(t->eval_ms_per_token()));
    EXPECT_TRUE(positive_finite(t->choose_ms_per_token()));
    EXPECT_GT(t->first_step_seconds, 0);
  }
  const auto g = words_grammar();
  ASSERT_TRUE(g);
  InferenceSession session(**model, pool);
  auto t = bench::time_decode_loop(session, bench::decode_loop_request(prompt, 12, 7, g));
  ASSERT_TRUE(t) << t.error();
  EXPECT_GE(t->generated, 1);
  EXPECT_LE(t->generated, 12);
  EXPECT_EQ(t->timed_tokens, t->generated - 1);
  // The budget keeps even a reply cut at max tokens complete.
  EXPECT_TRUE(grammar::grammar_accepts(*g, t->text)) << t->text;
  InferenceSession used(**model, pool);
  ASSERT_TRUE(used.eval(std::span<const int32_t>(prompt.data(), 1)));
  EXPECT_FALSE(bench::time_decode_loop(used, bench::decode_loop_request(prompt, 4, 7, nullptr)));
}

TEST(BenchDecodeLoop, RepliesTakingTurnsMatchRepliesAlone) {
  auto model = LlamaModel::load(demo_model());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  const auto prompt = (*model)->tokenizer().encode(bench::kDecodeLoopPrompt, true, false);
  const auto g = words_grammar();
  ASSERT_TRUE(g);
  const DecodeRequest free_request = bench::decode_loop_request(prompt, 16, 3, nullptr);
  const DecodeRequest grammar_request = bench::decode_loop_request(prompt, 16, 3, g);
  InferenceSession a(**model, pool), b(**model, pool), alone(**model, pool), alone_too(**model, pool);
  auto both = bench::time_decode_loops_in_turn(a, free_request, b, grammar_request);
  ASSERT_TRUE(both) << both.error();
  auto free_alone = bench::time_decode_loop(alone, free_request);
  auto grammar_alone = bench::time_decode_loop(alone_too, grammar_request);
  ASSERT_TRUE(free_alone && grammar_alone);
  // Sessions are independent: the same seeds give the same replies either way.
  EXPECT_EQ(both->first.text, free_alone->text);
  EXPECT_EQ(both->second.text, grammar_alone->text);
  EXPECT_EQ(both->first.generated, 16);
  // Only turns when both were generating are timed: the same number of steps, give or take the last.
  EXPECT_LE(both->first.timed_tokens, 15);
  EXPECT_LE(both->second.timed_tokens, grammar_alone->timed_tokens);
  EXPECT_NEAR(static_cast<double>(both->first.timed_tokens), static_cast<double>(both->second.timed_tokens), 1.0);
  EXPECT_GE(both->second.timed_tokens, 1);
  InferenceSession c(**model, pool);
  EXPECT_FALSE(bench::time_decode_loops_in_turn(c, free_request, c, grammar_request));
}

TEST(BenchRun, GrammarComparesDecodeLoopWithAndWithoutIt) {
  auto model = LlamaModel::load(demo_model());
  ASSERT_TRUE(model) << model.error();
  bench::BenchOptions o;
  o.n_prompts = {8};
  o.n_gens = {10};
  o.repetitions = 2;
  o.bandwidth_mib = 8;
  o.grammar = words_grammar();
  o.grammar_name = "words.gbnf";
  ASSERT_TRUE(o.grammar);
  std::vector<std::string> steps;
  auto r = bench::run_benchmark(**model, o, [&](const std::string& s) { steps.push_back(s); });
  ASSERT_TRUE(r) << r.error();
  // pp: warm-up + 2; tg: warm-up + 2, free and grammar replies taking turns; bandwidth.
  EXPECT_EQ(steps.size(), 7u);
  EXPECT_NE(std::find(steps.begin(), steps.end(), "tg10 free+grammar 2/2"), steps.end());
  ASSERT_TRUE(r->constrained);
  const bench::ConstrainedReport& c = *r->constrained;
  EXPECT_EQ(c.grammar_name, "words.gbnf");
  EXPECT_EQ(c.grammar_rules, o.grammar->rules.size());
  for (const bench::DecodeLoopResult* t : {&c.unconstrained, &c.constrained}) {
    EXPECT_EQ(t->rate.samples.size(), 2u) << t->name;
    EXPECT_EQ(t->generated.size(), 2u) << t->name;
    ASSERT_EQ(t->timed.size(), 2u) << t->name;
    EXPECT_LT(t->timed[0], t->generated[0]) << t->name;
    EXPECT_TRUE(positive_finite(t->rate.median)) << t->name;
    EXPECT_TRUE(positive_finite(t->choose_ms_per_token)) << t->name;
    EXPECT_TRUE(positive_finite(t->eval_ms_per_token)) << t->name;
  }
  EXPECT_EQ(c.unconstrained.generated, (std::vector<int64_t>{10, 10}));
  // Same seed, same logits: both repetitions give the same reply.
  EXPECT_EQ(c.constrained.generated[0], c.constrained.generated[1]);
  EXPECT_TRUE(grammar::grammar_accepts(*o.grammar, c.sample_text)) << c.sample_text;
  EXPECT_NEAR(c.masking_ms_per_token, c.constrained.choose_ms_per_token - c.unconstrained.choose_ms_per_token, 1e-12);
  EXPECT_NEAR(c.slowdown_percent, 100 * (1 - c.constrained.rate.median / c.unconstrained.rate.median), 1e-9);
  ASSERT_NE(r->first_test(false), nullptr);
  EXPECT_EQ(r->first_test(false)->name, "tg10 free");
  EXPECT_DOUBLE_EQ(r->first_test(false)->rate.median, c.unconstrained.rate.median);
  const std::string text = bench::bench_report_text(*r);
  EXPECT_NE(text.find("| tg10 grammar"), std::string::npos) << text;
  EXPECT_NE(text.find("masking: "), std::string::npos) << text;
  const nlohmann::json j = bench::bench_report_json(*r);
  EXPECT_EQ(j["constrained"]["grammar"], "words.gbnf");
  EXPECT_EQ(j["constrained"]["unconstrained"]["generated"].size(), 2u);
}

TEST(BenchCli, JsonSchemaAndGrammarFilesRunTheComparison) {
  const std::string base = "bench -m '" + demo_model() + "' -p 8 -n 24 -r 1 -t 2 --bw-mib 8 --json ";
  for (const std::string& opt : {"--json-schema '" + test::source_dir() + "/bench/grammar/notes.schema.json'",
                                "--grammar '" + test::source_dir() + "/bench/grammar/notes.gbnf'"}) {
    ProcessResult r = run_playground(base + opt);
    ASSERT_EQ(r.exit_code, 0) << opt << ": " << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out);
    const auto& c = j["constrained"];
    EXPECT_TRUE(positive_finite(c["constrained"]["tokens_per_s"]["median"].get<double>())) << opt;
    EXPECT_TRUE(positive_finite(c["unconstrained"]["tokens_per_s"]["median"].get<double>())) << opt;
    const std::string reply = c["sample_text"];
    EXPECT_EQ(reply.rfind("{", 0), 0u) << opt << ": " << reply;
  }
}

TEST(BenchCli, JsonReportHasPositiveFiniteFigures) {
  ProcessResult r = run_playground("bench -m '" + demo_model() + "' -p 8 -n 4 -r 2 -t 2 --bw-mib 16 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("tg4 2/2"), std::string::npos) << r.err;  // progress on stderr
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "playground-bench/1");
  for (const char* test : {"prompt", "generation"}) {
    const auto& t = j[test]["tokens_per_s"];
    const double med = t["median"], lo = t["min"], hi = t["max"];
    EXPECT_TRUE(positive_finite(med)) << test;
    EXPECT_LE(lo, med) << test;
    EXPECT_LE(med, hi) << test;
    EXPECT_EQ(j[test]["samples"].size(), 2u);
  }
  EXPECT_EQ(j["prompt"]["test"], "pp8");
  EXPECT_GT(j["memory"]["peak_rss_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(j["memory"]["kv_cache_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["model"]["file_bytes"].get<uint64_t>(), std::filesystem::file_size(demo_model()));
  EXPECT_GT(j["model"]["weight_bytes"].get<uint64_t>(), 0u);
  EXPECT_TRUE(positive_finite(j["bandwidth"]["measured_gb_per_s"].get<double>()));
  EXPECT_TRUE(positive_finite(j["bandwidth"]["generation_weight_gb_per_s"].get<double>()));
  EXPECT_TRUE(positive_finite(j["bandwidth"]["fraction_of_measured"].get<double>()));
  EXPECT_FALSE(j["machine"]["cpu"].get<std::string>().empty());
  EXPECT_EQ(j["machine"]["threads"], 2);
}

TEST(BenchCli, HumanReportHasTableAndBandwidthLine) {
  ProcessResult r = run_playground("bench -m '" + demo_model() + "' -p 8,16 -n 4 -r 1 -t 1 --bw-mib 8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" pp8 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" pp16 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" tg4 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% of measured"), std::string::npos) << r.out;
}

TEST(BenchCli, BadArgumentsExitNonZeroWithMessage) {
  const std::string m = " -m '" + demo_model() + "' --bw-mib 1 ";
  struct Case { std::string args, needle; };
  for (const Case& c : std::vector<Case>{
           {"bench" + m + "-p -1", "-p"},
           {"bench" + m + "-p 0 -n 0", "nothing to measure"},
           {"bench" + m + "-d 8,-2", "-d"},
           {"bench" + m + "-p 8 -n 4 -d 600 --ctx 512", "context"},
           {"bench" + m + "-n -3", "-n"},
           {"bench" + m + "-r 0", "-r"},
           {"bench" + m + "-t 0", "-t"},
           {"bench" + m + "-p 8 -ub 0", "-ub"},
           {"bench" + m + "-p 64 --ctx 32", "context"},
           {"bench" + m + "-p 4 -n 2 --grammar /nonexistent/g.gbnf", "/nonexistent/g.gbnf"},
           {"bench" + m + "-p 4 -n 2 --json-schema /nonexistent/s.json", "/nonexistent/s.json"},
           {"bench -m /nonexistent/model.gguf -p 4 -n 2 -r 1", "/nonexistent/model.gguf"}}) {
    ProcessResult r = run_playground(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
  }
}

}  // namespace
}  // namespace pg
