// The real `playground` binary as a child process, for tests that need it in a
// process of its own (serve on a free port, be killed with SIGKILL, have its
// resident memory measured alone): argv and environment built once (the
// caller's PLAYGROUND_* variables dropped so the developer's settings never leak
// in, then the test's own added), stdout on a pipe to read the "listening on"
// line, stderr kept or sent to /dev/null. The child dies with the test program
// (PR_SET_PDEATHSIG) and is killed by the destructor.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_paths.h"

extern char** environ;

namespace pg::test {

class ChildProcess {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to the environment (PLAYGROUND_* ones replace nothing: all dropped)
    bool quiet_stderr = false;               // stderr to /dev/null
    bool discard_stdout = false;             // stdout to /dev/null instead of the pipe
  };

  // Runs `playground ARGS...`.
  ChildProcess(const std::vector<std::string>& args, Options options) {
    std::vector<std::string> argv_s = {binary_path()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
      const std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key.rfind("PLAYGROUND_", 0) != 0 && !options.env.count(key)) env_s.push_back(kv);
    }
    for (const auto& [k, v] : options.env) env_s.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test program, even when it crashes
      const int null_fd = ::open("/dev/null", O_WRONLY);
      if (options.quiet_stderr && null_fd >= 0) ::dup2(null_fd, STDERR_FILENO);
      ::dup2(options.discard_stdout && null_fd >= 0 ? null_fd : fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0 && exit_code_ == kRunning) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  pid_t pid() const { return pid_; }

  // Reads stdout until "listening on URL\n" and returns URL; "" when the
  // process ends or time runs out first. The URL is remembered (url()).
  std::string wait_for_url(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (url_.empty() && out_ >= 0 && std::chrono::steady_clock::now() < end) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) break;
      stdout_.append(buf, static_cast<size_t>(n));
      const size_t at = stdout_.find("listening on ");
      if (at != std::string::npos && stdout_.find('\n', at) != std::string::npos)
        url_ = stdout_.substr(at + 13, stdout_.find('\n', at) - at - 13);
    }
    return url_;
  }
  const std::string& url() const { return url_; }
  // The port of url() (0 before it is known).
  int port() const {
    const size_t colon = url_.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(url_.c_str() + colon + 1);
  }

  // Sends the signal and waits for the exit code (-1 after a crash, a signal or the timeout).
  int stop(int sig, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    ::kill(pid_, sig);
    return wait_exit(limit);
  }
  int wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        signalled_ = WIFSIGNALED(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // After wait_exit: whether a signal ended it.
  bool signalled() const { return signalled_; }

  // Resident memory now, from /proc.
  uint64_t rss_bytes() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/statm");
    uint64_t size = 0, resident = 0;
    in >> size >> resident;
    return resident * static_cast<uint64_t>(::sysconf(_SC_PAGE_SIZE));
  }

 private:
  static constexpr int kRunning = -2;
  pid_t pid_ = -1;
  int out_ = -1;
  int exit_code_ = kRunning;
  bool signalled_ = false;
  std::string stdout_, url_;
};

}  // namespace pg::test
