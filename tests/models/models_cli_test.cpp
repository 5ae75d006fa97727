// `playground pull/list/show/rm/ps` as a user runs them: a pull killed with
// kill -9 halfway resumes after a restart and ends verified; the progress bar
// on a terminal (a pty through script(1)) and plain lines elsewhere.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <thread>

#include "util/sha256.h"
#include "fake_model_source.h"
#include "model_bytes.h"
#include "server/auth/crypto.h"
#include "child_process.h"
#include "test_process.h"


namespace pg::test {
namespace {
namespace fs = std::filesystem;

// Runs a shell command line; stdout and stderr captured (stderr via a file).
ProcessResult run_shell(const std::string& cmd) {
  const std::string err_file = ::testing::TempDir() + "pg_models_cli_err_" + std::to_string(::getpid());
  ProcessResult r;
  FILE* p = ::popen((cmd + " 2>" + shell_quote(err_file)).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  std::remove(err_file.c_str());
  return r;
}

class ModelsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("pg_models_cli_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
  }
  void TearDown() override { cleanup(dir_); }

  std::string env() const { return "env HF_ENDPOINT=" + source_.url() + " PLAYGROUND_OLLAMA_REGISTRY=" + source_.url() + " "; }
  std::string dirs() const {
    return " --data-dir " + shell_quote((dir_ / "data").string()) + " --models-dir " + shell_quote((dir_ / "models").string());
  }
  std::string playground(const std::string& args) const { return env() + shell_quote(binary_path()) + " " + args + dirs(); }

  fs::path dir_;
  FakeModelSource source_;
};

TEST_F(ModelsCli, PullKilledHalfwayResumesAfterRestartAndEndsVerified) {
  const std::string& bytes = synthetic_gguf();
  const std::string sha = source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", bytes);
  source_.throttle_us = 40000;  // 64 KiB per 40 ms: about 2.3 s for the file
  ChildProcess pull({"pull", "hf.co/acme/Tiny-GGUF", "--data-dir", (dir_ / "data").string(), "--models-dir",
                     (dir_ / "models").string()},
                    ChildProcess::Options{{{"HF_ENDPOINT", source_.url()}}, true, true});
  ASSERT_GT(pull.pid(), 0);

  const fs::path part = dir_ / "models" / ".partial" / "tiny.Q4_K_M.gguf.part";
  std::error_code ec;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline && (!fs::exists(part, ec) || fs::file_size(part, ec) < bytes.size() / 3))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(::kill(pull.pid(), SIGKILL), 0);
  pull.wait_exit();
  ASSERT_TRUE(pull.signalled());
  const uint64_t kept = fs::file_size(part, ec);
  ASSERT_GE(kept, bytes.size() / 3);
  ASSERT_LT(kept, bytes.size());
  EXPECT_FALSE(fs::exists(dir_ / "models" / "tiny.Q4_K_M.gguf"));
  // Not listed while partial.
  EXPECT_NE(run_shell(playground("list")).out.find("no models"), std::string::npos);

  source_.throttle_us = 0;
  const ProcessResult r = run_shell(playground("pull hf.co/acme/Tiny-GGUF"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming at byte " + std::to_string(kept)), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("success: tiny.Q4_K_M"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(sha), std::string::npos) << r.out;
  const auto ranges = source_.ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1], "bytes=" + std::to_string(kept) + "-");
  const auto got = slurp(dir_ / "models" / "tiny.Q4_K_M.gguf");
  EXPECT_EQ(sha256_hex(std::string_view(got.data(), got.size())), sha);
  EXPECT_FALSE(fs::exists(part));
}

TEST_F(ModelsCli, ProgressBarOnATerminal) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", synthetic_gguf());
  source_.throttle_us = 5000;
  // script(1) gives the command a pty for stdin/stdout/stderr.
  const ProcessResult r = run_shell("script -qec " + shell_quote(playground("pull hf.co/acme/Tiny-GGUF")) + " /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find('\r'), std::string::npos) << r.out;                      // redrawn in place
  EXPECT_NE(r.out.find("[########################]"), std::string::npos) << r.out;  // the full bar at the end
  EXPECT_NE(r.out.find("/s ETA"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("success: tiny.Q4_K_M"), std::string::npos) << r.out;
}

TEST_F(ModelsCli, PlainLinesWhenNotATerminalThenListShowRm) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", synthetic_gguf());
  const ProcessResult r = run_shell(playground("pull hf.co/acme/Tiny-GGUF"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("downloading tiny.Q4_K_M.gguf: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("success tiny.Q4_K_M.gguf: 100%"), std::string::npos) << r.err;

  const ProcessResult list = run_shell(playground("list"));
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("tiny.Q4_K_M"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("alias hf.co/acme/Tiny-GGUF:Q4_K_M"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("llama"), std::string::npos) << list.out;

  const ProcessResult show = run_shell(playground("show hf.co/acme/Tiny-GGUF:Q4_K_M --json"));
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const auto j = nlohmann::json::parse(show.out);
  EXPECT_EQ(j["sha256"], sha256_hex(synthetic_gguf()));
  EXPECT_GT(j["memory_estimate"]["kv_cache_bytes"].get<uint64_t>(), 0u);

  const ProcessResult rm = run_shell(playground("rm hf.co/acme/Tiny-GGUF:Q4_K_M"));
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_NE(run_shell(playground("list")).out.find("no models"), std::string::npos);
  const ProcessResult again = run_shell(playground("rm tiny.Q4_K_M"));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("'tiny.Q4_K_M' is not in"), std::string::npos) << again.err;
}

TEST_F(ModelsCli, PullErrorsAreClear) {
  const ProcessResult r = run_shell(playground("pull hf.co/acme/missing"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
}

// One resolver for every command that takes a model: a name of the models
// directory, the built-in demo model's name or a GGUF path; list and show know
// the demo model that serve serves by default.
TEST_F(ModelsCli, EveryCommandTakesAModelNameAndListShowKnowTheDemoModel) {
  write_file(dir_ / "models" / "alpha.gguf", synthetic_gguf(64, 1, 1, "F32"));
  const std::string bin = env() + shell_quote(binary_path()) + " ";
  const std::string models_dir = " --models-dir " + shell_quote((dir_ / "models").string());
  for (const std::string& args : {std::string("run -m alpha -n 2 --temp 0"), std::string("info alpha"),
                                  std::string("tokenize -m alpha hi"), std::string("logits -m alpha -p hi --json")}) {
    const ProcessResult r = run_shell(bin + args + models_dir);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
  }
  const ProcessResult by_env = run_shell("PLAYGROUND_MODEL=alpha " + bin + "run -n 2 --temp 0" + models_dir);
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;

  // The demo model by name, by path and by default give the same text.
  const ProcessResult by_name = run_shell(bin + "run -m stories260K -n 12 --temp 0" + models_dir);
  const ProcessResult by_path = run_shell(bin + "run -m " + shell_quote(source_dir() + "/models/demo/stories260K.gguf") +
                                          " -n 12 --temp 0");
  const ProcessResult by_default = run_shell(bin + "run -n 12 --temp 0");
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  ASSERT_EQ(by_path.exit_code, 0) << by_path.err;
  EXPECT_EQ(by_name.out, by_path.out);
  EXPECT_EQ(by_name.out, by_default.out);
  EXPECT_EQ(run_shell(bin + "tokenize -m stories260K:latest hi").exit_code, 0);

  const ProcessResult unknown = run_shell(bin + "run -m nosuch -n 1" + models_dir);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("model 'nosuch' is neither a GGUF file"), std::string::npos) << unknown.err;
  EXPECT_NE(run_shell(bin + "info nosuch" + models_dir).exit_code, 0);

  const ProcessResult list = run_shell(playground("list"));
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("alpha"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("stories260K (built-in) (default)"), std::string::npos) << list.out;
  const ProcessResult list_json = run_shell(playground("list --json"));
  ASSERT_EQ(list_json.exit_code, 0) << list_json.err;
  bool demo_listed = false;
  for (const auto& e : nlohmann::json::parse(list_json.out))
    if (e["name"] == "stories260K") {
      demo_listed = true;
      EXPECT_TRUE(e["builtin"].get<bool>());
      EXPECT_TRUE(e["default"].get<bool>());
      EXPECT_EQ(e["architecture"], "llama");
      EXPECT_EQ(e["context_length"], 512);
    }
  EXPECT_TRUE(demo_listed) << list_json.out;

  const ProcessResult show = run_shell(playground("show stories260K --json"));
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const auto j = nlohmann::json::parse(show.out);
  EXPECT_TRUE(j["builtin"].get<bool>());
  const auto demo = slurp(source_dir() + "/models/demo/stories260K.gguf");
  EXPECT_EQ(j["sha256"], sha256_hex(std::string_view(demo.data(), demo.size())));
  EXPECT_GT(j["memory_estimate"]["kv_cache_bytes"].get<uint64_t>(), 0u);
  const ProcessResult show_text = run_shell(playground("show stories260K"));
  EXPECT_NE(show_text.out.find("built-in demo model"), std::string::npos) << show_text.out;
  const ProcessResult show_unknown = run_shell(playground("show nosuch"));
  EXPECT_NE(show_unknown.exit_code, 0);
  EXPECT_NE(show_unknown.err.find("'nosuch'"), std::string::npos) << show_unknown.err;
}

TEST_F(ModelsCli, PsSaysWhenNoServerRuns) {
  const ProcessResult r = run_shell(shell_quote(binary_path()) + " ps --port 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no playground server is running at 127.0.0.1:1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pg::test
