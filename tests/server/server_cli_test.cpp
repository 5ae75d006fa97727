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
#include <filesystem>
#include <fstream>
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

// A scratch data directory and a file holding one password line.
struct UserScratch {
  UserScratch() : dir(temp_dir("pg_user_cli")) {
    std::filesystem::remove_all(dir / "data");
    write("pw1", "first-password\n");
    write("pw2", "second-password\n");
    write("short", "abc\n");
  }
  ~UserScratch() { cleanup(dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  std::string data() const { return shell_quote((dir / "data").string()); }
  std::string from(const std::string& name) const { return " < " + shell_quote((dir / name).string()); }
  std::filesystem::path dir;
};

TEST(ServerCli, UserCommandsRoundTrip) {
  UserScratch s;
  const std::string common = " --data-dir " + s.data() + " --password-cost min";
  ProcessResult add = run_playground("user add root --role admin --password-stdin" + common + s.from("pw1"));
  EXPECT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("created admin 'root'"), std::string::npos) << add.out;
  EXPECT_NE(run_playground("user add root --password-stdin" + common + s.from("pw1")).exit_code, 0);  // exists
  ProcessResult weak = run_playground("user add bob --password-stdin" + common + s.from("short"));
  EXPECT_NE(weak.exit_code, 0);
  EXPECT_NE(weak.err.find("at least 8"), std::string::npos) << weak.err;
  ProcessResult no_tty = run_playground("user add bob" + common + s.from("pw1"));
  EXPECT_NE(no_tty.exit_code, 0);
  EXPECT_NE(no_tty.err.find("--password-stdin"), std::string::npos) << no_tty.err;
  EXPECT_NE(run_playground("user add bob --role king --password-stdin" + common + s.from("pw1")).exit_code, 0);
  EXPECT_EQ(run_playground("user add bob --password-stdin" + common + s.from("pw1")).exit_code, 0);
  ProcessResult list = run_playground("user list --data-dir " + s.data());
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("root\tadmin"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("bob\tuser"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("argon2"), std::string::npos);
  EXPECT_EQ(run_playground("user passwd bob --password-stdin" + common + s.from("pw2")).exit_code, 0);
  EXPECT_NE(run_playground("user passwd nobody --password-stdin" + common + s.from("pw2")).exit_code, 0);
  ProcessResult last = run_playground("user rm root --data-dir " + s.data());
  EXPECT_NE(last.exit_code, 0);
  EXPECT_NE(last.err.find("last admin"), std::string::npos) << last.err;
  EXPECT_EQ(run_playground("user rm bob --data-dir " + s.data()).exit_code, 0);
  EXPECT_EQ(run_playground("user list --data-dir " + s.data()).out.find("bob"), std::string::npos);
  EXPECT_NE(run_playground("user rm bob --data-dir " + s.data()).exit_code, 0);
}

TEST(ServerCli, NonLoopbackBindWithoutAnAdminRefusesToStart) {
  UserScratch s;
  ProcessResult r = run_playground("serve --host 0.0.0.0 --port 0 --log-level off --data-dir " + s.data());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("playground user add NAME --role admin"), std::string::npos) << r.err;
  ProcessResult off = run_playground("serve --host 0.0.0.0 --port 0 --auth off --log-level off --data-dir " + s.data());
  EXPECT_NE(off.exit_code, 0);
  EXPECT_NE(off.err.find("auth = off"), std::string::npos) << off.err;
}

}  // namespace
}  // namespace pg::test
