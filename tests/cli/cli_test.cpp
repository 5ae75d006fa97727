// The playground binary as a user runs it: real processes, stdout/stderr and
// exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/sampling_options.h"
#include "test_paths.h"
#include "util/float_text.h"
#include "test_process.h"

namespace pg {
namespace {

using test::ProcessResult;
using test::run_playground;
std::string quote(const std::string& s) { return test::shell_quote(s); }

TEST(Cli, EveryCommandHasHelp) {
  for (const char* c : {"", "run", "info", "tokenize", "logits", "convert", "convert llama2c"}) {
    ProcessResult r = run_playground(std::string(c) + " --help");
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c << ": " << r.out;
  }
}

TEST(Cli, RunGreedyFromBosTellsTheKnownStory) {
  ProcessResult r = run_playground("run --temp 0 -n 80 -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Once upon a time, there was a little girl named Lily. She loved to play outside in "
                        "the park. One day, she saw a big, red ball. She wanted to play with it, but it "
                        "was too high.", 0), 0u)
      << r.out;
  EXPECT_NE(r.err.find("tokens/s"), std::string::npos) << r.err;
}

TEST(Cli, RunContinuesAPrompt) {
  ProcessResult r = run_playground("run -p 'Once upon a time' --temp 0 -n 8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Once upon a time, there was a little girl", 0), 0u) << r.out;
}

TEST(Cli, RunKeepsTheSpaceBetweenPromptAndContinuation) {
  ProcessResult r = run_playground("run -p 'Once upon a' --temp 0 -n 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Once upon a time, there", 0), 0u) << r.out;
}

TEST(Cli, RunHoldsTheOutputToAJsonSchemaOrAGrammar) {
  const std::string schema =
      R"({"type":"object","properties":{"hero":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":3,"maximum":9}},"required":["hero","age"]})";
  for (int seed = 1; seed <= 5; ++seed) {
    ProcessResult r = run_playground("run -p 'Once upon a time' --temp 1.2 -n 40 --seed " + std::to_string(seed) +
                                     " --json-schema " + quote(schema));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string reply = r.out.substr(std::string("Once upon a time").size());
    const auto doc = nlohmann::json::parse(reply, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << reply;
    EXPECT_GE(doc["age"].get<int>(), 3);
    EXPECT_LE(doc["age"].get<int>(), 9);
  }
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/yes_no.gbnf") << "# a llama.cpp grammar file\nroot ::= (\"yes\" | \"no\") \".\"\n";
  ProcessResult g = run_playground("run --temp 0 --grammar-file " + quote(dir + "/yes_no.gbnf"));
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_TRUE(g.out == "yes.\n" || g.out == "no.\n") << g.out;
  ProcessResult bad = run_playground("run --json-schema '{\"type\":\"string\",\"not\":{}}'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("not"), std::string::npos) << bad.err;
}

TEST(Cli, TokenizeJsonMatchesLlamaCpp) {
  PG_REQUIRE_SHARED();
  ProcessResult r = run_playground("tokenize -m " + quote(test::shared_path("testdata/gguf/stories260K.gguf")) +
                         " --json 'Once upon a time'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json({1, 403, 407, 261, 378}));
  ProcessResult nobos = run_playground("tokenize -m " + quote(test::shared_path("testdata/gguf/stories260K.gguf")) +
                             " --no-bos --json 'Once upon a time'");
  ASSERT_EQ(nobos.exit_code, 0) << nobos.err;
  EXPECT_EQ(nlohmann::json::parse(nobos.out), nlohmann::json({403, 407, 261, 378}));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

TEST(Cli, LogitsJsonMatchesLlamaCpp) {
  PG_REQUIRE_SHARED();
  std::ifstream in(test::shared_path("testdata/reference/llamacpp-logits.json"));
  const auto ref = nlohmann::json::parse(in)["stories260K.gguf"][0];
  ProcessResult r = run_playground("logits -m " + quote(test::shared_path("testdata/gguf/stories260K.gguf")) +
                         " -p " + quote(ref["prompt"]) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = nlohmann::json::parse(r.out);
  EXPECT_EQ(got["prompt_ids"], ref["prompt_ids"]);
  ASSERT_EQ(got["logits"].size(), ref["last_logits"].size());
  for (size_t i = 0; i < got["logits"].size(); ++i)
    EXPECT_NEAR(got["logits"][i].get<double>(), ref["last_logits"][i].get<double>(), 0.003) << i;  // prompt 0: 0.00001 measured
}

TEST(Cli, InfoListsMetadataAndTensors) {
  ProcessResult r = run_playground("info " + quote(test::source_dir() + "/models/demo/stories260K.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("llama.embedding_length"), std::string::npos);
  EXPECT_NE(r.out.find("blk.4.ffn_up.weight"), std::string::npos);
  EXPECT_NE(r.out.find("tensors (47)"), std::string::npos);
  EXPECT_NE(r.out.find("parameters:"), std::string::npos);
}

TEST(Cli, ErrorsGoToStderrWithNonZeroExit) {
  const std::string garbage = ::testing::TempDir() + "pg_cli_garbage.gguf";
  { std::ofstream(garbage) << "this is not a gguf file at all"; }
  const std::vector<std::string> cases = {std::string("run -m /nonexistent/model.gguf -n 1"), "info /nonexistent.gguf", "info " + quote(garbage),
        "logits -m " + quote(garbage) + " -p hi", "tokenize -m " + quote(garbage) + " hi", "run --temp -1",
        "nosuchcommand", "convert llama2c /nonexistent a b"};
  for (const std::string& args : cases) {
    ProcessResult r = run_playground(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_FALSE(r.err.empty()) << args;
    EXPECT_TRUE(r.out.empty() || args.rfind("run", 0) == 0) << args << ": " << r.out;
  }
  std::remove(garbage.c_str());
}

// Every sampling flag takes exactly the API's range (the one table of
// app/sampling_options.h): its bounds run, one step beyond either is refused
// before anything loads, with a message naming the flag, the value and the range.
TEST(Cli, SamplingFlagsTakeTheRangesOfTheApiTable) {
  int checked = 0;
  for (const app::SamplingField& f : app::sampling_fields()) {
    std::string flag = std::string("--") + f.name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    const double step = f.integer ? 1 : 0.5;
    const std::string range =
        "outside the allowed range " + shortest_text(f.min) + " to " + shortest_text(f.max);
    for (double bad : {f.max + step, f.min - step}) {
      const std::string value = shortest_text(bad);
      ProcessResult r = run_playground("run -n 1 " + flag + "=" + quote(value));
      EXPECT_NE(r.exit_code, 0) << flag << " " << value;
      EXPECT_TRUE(r.out.empty()) << flag << " " << value << ": " << r.out;
      EXPECT_NE(r.err.find(std::string(f.name) == "temperature" ? "--temp" : flag), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("is " + value + ", " + range), std::string::npos) << flag << ": " << r.err;
    }
    for (double good : {f.max, f.zero_excluded ? 1.0 : f.min}) {
      ProcessResult r = run_playground("run -n 1 " + flag + "=" + quote(shortest_text(good)));
      EXPECT_EQ(r.exit_code, 0) << flag << " " << good << ": " << r.err;
    }
    if (f.zero_excluded) {
      ProcessResult r = run_playground("run -n 1 " + flag + " 0");
      EXPECT_NE(r.exit_code, 0) << flag;
      EXPECT_NE(r.err.find("greater than 0"), std::string::npos) << r.err;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 8);
  ProcessResult hot = run_playground("run -n 1 --temp 100");
  EXPECT_NE(hot.exit_code, 0);
  EXPECT_NE(hot.err.find("is 100, outside the allowed range 0 to 5"), std::string::npos) << hot.err;
}

// --seed takes the API's seed range (-1 or 0 to 2^53 - 1); the seed printed is
// the one used, inside that range, and running again with it gives the same text.
TEST(Cli, RunSeedsStayBelowTwoToThe53AndReplay) {
  for (const char* bad : {"9007199254740992", "18446744073709551615", "-2"}) {
    ProcessResult r = run_playground(std::string("run -n 1 --seed=") + bad);
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("-1 to 9007199254740991"), std::string::npos) << r.err;
  }
  auto seed_of = [](const std::string& err) {
    const size_t at = err.find("| seed ");
    return at == std::string::npos ? std::string() : err.substr(at + 7, err.find(' ', at + 7) - at - 7);
  };
  ProcessResult largest = run_playground("run -n 4 --temp 1 --seed 9007199254740991");
  ASSERT_EQ(largest.exit_code, 0) << largest.err;
  EXPECT_EQ(seed_of(largest.err), "9007199254740991");
  for (int i = 0; i < 3; ++i) {
    ProcessResult drawn = run_playground("run -p 'Once upon a time' -n 24 --temp 1");
    ASSERT_EQ(drawn.exit_code, 0) << drawn.err;
    const std::string seed = seed_of(drawn.err);
    ASSERT_FALSE(seed.empty()) << drawn.err;
    EXPECT_LE(std::stoull(seed), 9007199254740991ull);
    ProcessResult again = run_playground("run -p 'Once upon a time' -n 24 --temp 1 --seed " + seed);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, drawn.out) << "seed " << seed;
  }
}

TEST(Cli, RunRejectsAPromptLongerThanTheContext) {
  ProcessResult r = run_playground("run -c 4 -p 'Once upon a time there was a dog' -n 4");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("context"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pg
