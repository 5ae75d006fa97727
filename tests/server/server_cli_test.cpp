// `playground serve` as a real child process: prints the URL it listens on
// (port 0 picks one), answers, applies flags over the environment, and exits
// 0 on SIGTERM; bad configuration exits non-zero with a message.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "child_process.h"
#include "test_process.h"


namespace pg::test {
namespace {

// `playground serve ARGS` with extra environment variables.
std::unique_ptr<ChildProcess> serve(std::vector<std::string> args, std::map<std::string, std::string> env) {
  args.insert(args.begin(), "serve");
  return std::make_unique<ChildProcess>(args, ChildProcess::Options{std::move(env), false, false});
}

TEST(ServerCli, ServesOnAFreePortAndExitsCleanlyOnSigterm) {
  auto p = serve({"--port", "0", "--slots", "2", "--threads", "1", "--log-level", "warn"},
                 {{"PLAYGROUND_SLOTS", "3"}, {"PLAYGROUND_QUEUE_SIZE", "5"}});
  const std::string url = p->wait_for_url();
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
  EXPECT_EQ(p->stop(SIGTERM), 0);
}

TEST(ServerCli, SigintAlsoStopsWithExitCodeZero) {
  auto p = serve({"--port", "0", "--threads", "1", "--log-level", "off"}, {});
  ASSERT_FALSE(p->wait_for_url().empty());
  EXPECT_EQ(p->stop(SIGINT), 0);
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

TEST(ServerCli, UserCommandsRefuseWeakPasswords) {
  UserScratch s;
  s.write("common", "Password123\n");
  s.write("name", "Margaret\n");
  s.write("with_name", "margaret-1984\n");
  const std::string common = " --data-dir " + s.data() + " --password-cost min";
  for (const char* weak : {"short", "common", "name", "with_name"}) {
    ProcessResult r = run_playground("user add margaret --role admin --password-stdin" + common + s.from(weak));
    EXPECT_NE(r.exit_code, 0) << weak;
    EXPECT_NE(r.err.find("weak password"), std::string::npos) << weak << ": " << r.err;
  }
  EXPECT_EQ(run_playground("user list --data-dir " + s.data()).out.find("margaret"), std::string::npos);
  ASSERT_EQ(run_playground("user add margaret --role admin --password-stdin" + common + s.from("pw1")).exit_code, 0);
  ProcessResult passwd = run_playground("user passwd margaret --password-stdin" + common + s.from("with_name"));
  EXPECT_NE(passwd.exit_code, 0);
  EXPECT_NE(passwd.err.find("must not contain the user name"), std::string::npos) << passwd.err;
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
