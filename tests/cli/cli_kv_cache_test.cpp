// KV cache types on the command line, as a user runs the binary:
// -ctk/--cache-type-k and -ctv/--cache-type-v on run, logits, bench and serve.
// A model whose heads have 32 values takes q8_0 and q4_0 and runs; the demo
// model (8 values a head) is refused with a clear message and exit status 2;
// an unknown name lists the valid ones; bench's JSON `config` and its text
// report name the types, and its KV cache shrinks to 34/64 in q8_0.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "../models/model_bytes.h"
#include "bench/benchmark.h"
#include "engine/model/llama_model.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;
using test::ProcessResult;
using test::run_playground;

// A synthetic model with 4 heads of 32 values, written once.
const std::string& kv32_model() {
  static const std::string path = [] {
    const fs::path p = test::temp_dir("pg_cli_kv") / "kv32.gguf";
    test::write_file(p, test::synthetic_gguf(128, 2));
    return p.string();
  }();
  return path;
}

TEST(CliKvCache, RunAndLogitsTakeQuantizedTypesWhereTheHeadsAllowThem) {
  const std::string m = " -m " + test::shell_quote(kv32_model());
  ProcessResult run = run_playground("run" + m + " -p hello -n 4 -t 1 --temp 0 -ctk q8_0 -ctv q4_0");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ProcessResult run_long = run_playground("run" + m + " -p hello -n 4 -t 1 --temp 0 --cache-type-k=Q4_0 -ctv=q8_0");
  EXPECT_EQ(run_long.exit_code, 0) << run_long.err;
  ProcessResult logits = run_playground("logits" + m + " -p hello --json -t 1 -ctk q8_0 -ctv q8_0");
  ASSERT_EQ(logits.exit_code, 0) << logits.err;
  EXPECT_FALSE(nlohmann::json::parse(logits.out)["logits"].empty());
}

TEST(CliKvCache, TheDemoModelsHeadsRefuseQuantizedTypesClearly) {
  for (const std::string args : {"run -n 2 -t 1 -ctk q8_0", "logits -p hi -t 1 -ctv q4_0",
                                 "bench -p 4 -n 2 -r 1 --bw-mib 1 -ctk q8_0"}) {
    ProcessResult r = run_playground(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_NE(r.err.find("cache_type_"), std::string::npos) << args << ": " << r.err;
    EXPECT_NE(r.err.find("8 values"), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(r.out.find("tokens/s"), std::string::npos) << args;
  }
  // f32 and f16 suit every head size.
  EXPECT_EQ(run_playground("run -n 2 -t 1 -ctk f32 -ctv f16").exit_code, 0);
}

TEST(CliKvCache, UnknownNamesListTheValidOnes) {
  for (const std::string args : {"run -n 2 --cache-type-k q5_1", "logits -p hi -ctv q2", "bench -ctk bf16"}) {
    ProcessResult r = run_playground(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.err.find("f16, f32, q8_0, q4_0"), std::string::npos) << args << ": " << r.err;
  }
}

TEST(CliKvCache, ServeChecksTheTypesOfItsDefaultModel) {
  const std::string data = (test::temp_dir("pg_cli_kv_serve") / "data").string();
  ProcessResult bad = run_playground("serve --port 0 --data-dir " + test::shell_quote(data) + " -ctk q9");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--cache-type-k"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("f16, f32, q8_0, q4_0"), std::string::npos) << bad.err;
  ProcessResult demo = run_playground("serve --port 0 --data-dir " + test::shell_quote(data) + " -ctv q8_0");
  EXPECT_NE(demo.exit_code, 0);
  EXPECT_NE(demo.err.find("cache_type_v"), std::string::npos) << demo.err;
  EXPECT_NE(demo.err.find("8 values"), std::string::npos) << demo.err;
}

TEST(BenchKvCache, ReportsTheTypesAndTheirKvCacheBytes) {
  const std::string m = " -m " + test::shell_quote(kv32_model());
  ProcessResult r = run_playground("bench" + m + " -p 8 -n 2 -r 1 -t 1 --bw-mib 1 --ctx 64 --json -ctk q8_0 -ctv q8_0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["config"]["cache_type_k"], "q8_0");
  EXPECT_EQ(j["config"]["cache_type_v"], "q8_0");
  ProcessResult text = run_playground("bench" + m + " -p 8 -n 2 -r 1 -t 1 --bw-mib 1 --ctx 64 -ctk q4_0");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("k q4_0, v f16"), std::string::npos) << text.out;

  // The library: the session's KV cache in q8_0 is 34/64 of f16's.
  auto model = LlamaModel::load(kv32_model());
  ASSERT_TRUE(model) << model.error();
  bench::BenchOptions o;
  o.n_prompts = {4};
  o.n_gens = {2};
  o.repetitions = 1;
  o.n_threads = 1;
  o.n_ctx = 64;
  o.bandwidth_mib = 1;
  auto f16 = bench::run_benchmark(**model, o);
  o.cache_types = {KvCacheType::Q8_0, KvCacheType::Q8_0};
  auto q8 = bench::run_benchmark(**model, o);
  ASSERT_TRUE(f16 && q8);
  EXPECT_EQ(q8->kv_cache_bytes * 64, f16->kv_cache_bytes * 34);
}

}  // namespace
}  // namespace pg
