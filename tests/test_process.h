// Helpers for tests that run the real `playground` binary or need scratch
// files: run a command line and capture stdout, stderr and the exit code;
// quote for the shell; read a whole file; make and remove a per-process
// temporary folder.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "test_paths.h"

namespace pg::test {

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `playground ARGS` (ARGS already shell-quoted where needed).
inline ProcessResult run_playground(const std::string& args) {
  const std::string err_file = ::testing::TempDir() + "pg_stderr_" + std::to_string(::getpid());
  const std::string cmd = shell_quote(binary_path()) + " " + args + " 2>" + shell_quote(err_file);
  ProcessResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  std::remove(err_file.c_str());
  return r;
}

inline std::vector<char> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A folder under the system temp dir, unique to this process and prefix.
inline std::filesystem::path temp_dir(const std::string& prefix) {
  std::filesystem::path d =
      std::filesystem::temp_directory_path() / (prefix + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

// Removes a test's folder, and its parent once that is empty.
inline void cleanup(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::remove(dir.parent_path(), ec);  // fails harmlessly while siblings remain
}

}  // namespace pg::test
