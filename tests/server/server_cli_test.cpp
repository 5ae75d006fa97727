// `playground serve` as a real child process: prints the URL it listens on
// (port 0 picks one), answers, applies flags over the environment, and exits
// 0 on SIGTERM; bad configuration exits non-zero with a message.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "test_process.h"

extern char** environ;

namespace pg::test {
namespace {

// A `playground serve` child with its stdout on a pipe.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv_s = {binary_path(), "serve"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key.rfind("PLAYGROUND_", 0) != 0) env_s.push_back(kv);
    }
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~ServeProcess() {
    if (pid_ > 0 && exit_code_ == -2) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  // Reads stdout until "listening on URL\n" (or the process ends / time runs out).
  std::string wait_for_url(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::string text;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[256];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
      const size_t at = text.find("listening on ");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos)
        return text.substr(at + 13, text.find('\n', at) - at - 13);
    }
    return "";
  }

  // Sends the signal and waits for the exit code (-1 on a crash or timeout).
  int stop(int sig, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    kill(pid_, sig);
    return wait_exit(limit);
  }
  int wait_exit(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int exit_code_ = -2;
};

TEST(ServerCli, ServesOnAFreePortAndExitsCleanlyOnSigterm) {
  ServeProcess p({"--port", "0", "--slots", "2", "--threads", "1", "--log-level", "warn"},
                 {{"PLAYGROUND_SLOTS", "3"}, {"PLAYGROUND_QUEUE_SIZE", "5"}});
  const std::string url = p.wait_for_url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << "no URL printed";
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  auto health = c.Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto slots = nlohmann::json::parse(c.Get("/api/v1/slots")->body);
  EXPECT_EQ(slots["models"][0]["slots"].size(), 2u);            // the flag beats PLAYGROUND_SLOTS
  EXPECT_EQ(slots["models"][0]["queue_capacity"], 5);           // the environment beats the default
  auto gen = c.Post("/v1/completions", R"({"prompt":"Once","max_tokens":5})", "application/json");
  ASSERT_TRUE(gen);
  EXPECT_EQ(gen->status, 200);
  EXPECT_EQ(p.stop(SIGTERM), 0);
}

TEST(ServerCli, SigintAlsoStopsWithExitCodeZero) {
  ServeProcess p({"--port", "0", "--threads", "1", "--log-level", "off"}, {});
  ASSERT_FALSE(p.wait_for_url().empty());
  EXPECT_EQ(p.stop(SIGINT), 0);
}

TEST(ServerCli, BadConfigurationFailsWithAMessage) {
  const ProcessResult r = run_playground("serve --port 0 --log-format xml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--log-format"), std::string::npos) << r.err;
  const ProcessResult missing = run_playground("serve --port 0 --model /no/such/model.gguf");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("/no/such/model.gguf"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace pg::test
