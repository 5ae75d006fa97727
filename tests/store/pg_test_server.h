// A real PostgreSQL server for the storage tests: initdb into a fresh temp
// folder and pg_ctl start on a free loopback port, as an ordinary user (when
// the tests run as root, as the `postgres` system user the Debian package
// creates; PostgreSQL refuses to run as root). One server per test process,
// started on first use and stopped at exit; each test gets its own database
// (CREATE DATABASE) so tests never see each other's rows. Skips (never fails)
// when the server binaries are missing, saying which package provides them.
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/database.h"
#include "test_process.h"

namespace pg::test {

class PgTestServer {
 public:
  // The process's server, started on first call; nullptr with `why` set when
  // it cannot run here.
  static PgTestServer* get(std::string* why) {
    static std::unique_ptr<PgTestServer> server;
    static std::string failure;
    static bool tried = false;
    if (!tried) {
      tried = true;
      auto s = std::unique_ptr<PgTestServer>(new PgTestServer());
      failure = s->start();
      if (failure.empty()) server = std::move(s);
    }
    if (why) *why = failure;
    return server.get();
  }

  ~PgTestServer() {
    if (started_) run_as_owner(bin_ + "/pg_ctl -D " + shell_quote((dir_ / "data").string()) + " -m immediate -w stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  // A fresh, empty database for one test: its URL.
  std::string new_database_url(const std::string& hint) {
    std::string name = "t" + std::to_string(++counter_) + "_";
    for (char c : hint)
      if (name.size() < 60) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    auto admin = store::Database::open_url(url("postgres"));
    if (!admin) return "";
    if (!(*admin)->exec("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"))
      return "";
    return url(name);
  }
  std::string url(const std::string& database) const {
    return "postgresql://playground@127.0.0.1:" + std::to_string(port_) + "/" + database + "?connect_timeout=10";
  }

 private:
  PgTestServer() = default;

  static std::string find_bin() {
    std::error_code ec;
    std::string best;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string bin = (e.path() / "bin").string();
      if (std::filesystem::exists(bin + "/initdb") && std::filesystem::exists(bin + "/pg_ctl") && bin > best) best = bin;
    }
    return best;
  }
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
    ::close(fd);
    return port;
  }
  int run_as_owner(const std::string& cmd) const {
    const std::string full = owner_.empty() ? cmd : "runuser -u " + owner_ + " -- sh -c " + shell_quote(cmd);
    return std::system((full + " >>" + shell_quote((dir_ / "setup.log").string()) + " 2>&1").c_str());
  }

  std::string start() {
    bin_ = find_bin();
    if (bin_.empty())
      return "PostgreSQL server binaries not found under /usr/lib/postgresql (Debian package postgresql; "
             "`make test` installs it)";
    dir_ = std::filesystem::temp_directory_path() / ("pg_postgres_" + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    std::filesystem::create_directories(dir_);
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) return "running as root and no 'postgres' user to run the server as";
      owner_ = "postgres";
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "cannot chown " + dir_.string();
    }
    const std::string data = (dir_ / "data").string();
    if (run_as_owner(bin_ + "/initdb -D " + shell_quote(data) +
                     " -A trust -U playground -E UTF8 --locale=C --no-sync --no-instructions") != 0)
      return "initdb failed: " + setup_log();
    for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
      port_ = free_port();
      const std::string opts = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                               " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                               " -c full_page_writes=off -c max_connections=100";
      started_ = run_as_owner(bin_ + "/pg_ctl -D " + shell_quote(data) + " -o " + shell_quote(opts) + " -l " +
                              shell_quote((dir_ / "server.log").string()) + " -w -t 30 start") == 0;
    }
    if (!started_) return "pg_ctl start failed: " + setup_log();
    return "";
  }
  std::string setup_log() const {
    auto bytes = slurp(dir_ / "setup.log");
    auto server = slurp(dir_ / "server.log");
    std::string s(bytes.begin(), bytes.end());
    s.append(server.begin(), server.end());
    return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
  }

  std::string bin_, owner_;
  std::filesystem::path dir_;
  int port_ = 0;
  bool started_ = false;
  std::atomic<int> counter_{0};
};

}  // namespace pg::test

// Skips the test when no PostgreSQL server can run here; else a fresh database's URL.
#define PG_REQUIRE_POSTGRES(url_var)                                                   \
  std::string url_var;                                                                 \
  do {                                                                                 \
    std::string why_;                                                                  \
    auto* server_ = ::pg::test::PgTestServer::get(&why_);                              \
    if (!server_) GTEST_SKIP() << "no PostgreSQL server for this test: " << why_;      \
    url_var = server_->new_database_url(                                               \
        ::testing::UnitTest::GetInstance()->current_test_info()->name());              \
    ASSERT_FALSE(url_var.empty()) << "cannot create a test database";                  \
  } while (0)
