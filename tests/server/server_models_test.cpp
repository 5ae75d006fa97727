// Model management over HTTP: the model list with status, load/unload, the
// memory budget (LRU unloading, refusal when too large, the estimate within
// 15 % of the measured RSS growth), keep-alive (Ollama's 0 and durations),
// pulls with SSE progress and cancel, delete, Ollama's /api/pull and
// /api/delete, a model's own sampling defaults (`defaults`). Real server on
// loopback, real files, a fake Hub.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../models/fake_model_source.h"
#include "../models/model_bytes.h"
#include "../store/pg_test_server.h"
#include "models/memory_estimate.h"
#include "server_test_support.h"
#include "child_process.h"
#include "test_process.h"

namespace pg::test {
namespace {
namespace fs = std::filesystem;

class ServerModels : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("pg_server_models_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
  }
  void TearDown() override {
    server_.reset();
    cleanup(dir_);
  }
  app::ServerConfig config() {
    app::ServerConfig c = test_server_config();
    c.models_dir = (dir_ / "models").string();
    c.ctx_size = 256;
    c.endpoints.hf_endpoint = source_.url();  // where HF_ENDPOINT would point
    c.endpoints.ollama_registry = source_.url();
    return c;
  }
  TestServer& start(app::ServerConfig c) {
    server_ = std::make_unique<TestServer>(std::move(c));
    return *server_;
  }
  nlohmann::json model(const std::string& name) {
    auto r = get_json(*server_, "/api/v1/models");
    for (const auto& m : r.body["models"])
      if (m["name"] == name) return m;
    return nullptr;
  }
  uint64_t estimate(const std::string& file, const app::ServerConfig& c) {
    auto e = models::estimate_model_memory((dir_ / "models" / file).string(), c.ctx_size, c.slots);
    EXPECT_TRUE(e);
    return e ? e->total() : 0;
  }

  fs::path dir_;
  FakeModelSource source_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(ServerModels, ListShowsStatusAndLoadUnloadChangeIt) {
  write_file(dir_ / "models" / "alpha.gguf", synthetic_gguf(64, 1, 1, "F32"));
  auto& srv = start(config());
  nlohmann::json a = model("alpha");
  ASSERT_FALSE(a.is_null());
  EXPECT_EQ(a["status"], "downloaded");
  EXPECT_EQ(a["architecture"], "llama");
  EXPECT_EQ(a["loaded"], false);
  auto loaded = post_json(srv, "/api/v1/models/alpha/load", nlohmann::json::object());
  ASSERT_EQ(loaded.status, 200) << loaded.raw;
  EXPECT_EQ(model("alpha")["status"], "loaded");
  EXPECT_GT(model("alpha")["runtime"]["memory_bytes"].get<uint64_t>(), 0u);
  auto show = get_json(srv, "/api/v1/models/alpha");
  ASSERT_EQ(show.status, 200) << show.raw;
  EXPECT_EQ(show.body["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(show.body["memory_estimate"]["slots"], 4);
  auto unloaded = post_json(srv, "/api/v1/models/alpha/unload", nlohmann::json::object());
  ASSERT_EQ(unloaded.status, 200) << unloaded.raw;
  EXPECT_EQ(unloaded.body["was_loaded"], true);
  EXPECT_EQ(model("alpha")["status"], "downloaded");
  EXPECT_EQ(post_json(srv, "/api/v1/models/nope/load", nlohmann::json::object()).status, 404);
  // A file that is not a model fails to load and says why in the list.
  write_file(dir_ / "models" / "broken.gguf", "GGUF but not really");
  auto broken = post_json(srv, "/api/v1/models/broken/load", nlohmann::json::object());
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(model("broken")["status"], "failed");
  EXPECT_FALSE(model("broken")["status_reason"].get<std::string>().empty());
}

// A model's details answer "does it fit at this context?" before loading, as
// LM Studio shows it: the estimate at ?context_length=N against the budget,
// with and without the other loaded models, plus the template and license.
TEST_F(ServerModels, DetailsEstimateTheChosenContextAndSayWhetherItFits) {
  write_file(dir_ / "models" / "beta.gguf", synthetic_gguf(128, 2, 1));
  app::ServerConfig c = config();
  const uint64_t beta_at_512 = [&] {
    auto e = models::estimate_model_memory((dir_ / "models" / "beta.gguf").string(), 512, c.slots);
    EXPECT_TRUE(e);
    return e ? e->required() : 0;
  }();
  // Room for beta at 512 tokens beside the demo model, not at 4 times that.
  auto demo = models::estimate_model_memory(demo_model_file(), c.ctx_size, c.slots);
  ASSERT_TRUE(demo);
  c.memory_budget = std::to_string(demo->required() + beta_at_512 + 4096);
  auto& srv = start(c);

  auto at_512 = get_json(srv, "/api/v1/models/beta?context_length=512");
  ASSERT_EQ(at_512.status, 200) << at_512.raw;
  const nlohmann::json& e512 = at_512.body["memory_estimate"];
  EXPECT_EQ(e512["context_length"], 512);
  EXPECT_EQ(e512["required_bytes"].get<uint64_t>(), beta_at_512);
  EXPECT_EQ(e512["limit_source"], "memory_budget");
  EXPECT_EQ(e512["limit_bytes"].get<uint64_t>(), demo->required() + beta_at_512 + 4096);
  EXPECT_EQ(e512["fits"], true);
  EXPECT_EQ(e512["fits_without_unloading"], true);
  EXPECT_EQ(e512["other_models_bytes"], get_json(srv, "/api/v1/models").body["memory"]["in_use_bytes"]);
  EXPECT_GT(e512["other_models_bytes"].get<uint64_t>(), 0u);  // the demo model

  auto at_8k = get_json(srv, "/api/v1/models/beta?context_length=8192");
  ASSERT_EQ(at_8k.status, 200) << at_8k.raw;
  const nlohmann::json& e8k = at_8k.body["memory_estimate"];
  EXPECT_EQ(e8k["context_length"], 8192);
  EXPECT_GT(e8k["kv_cache_bytes"].get<uint64_t>(), 8 * e512["kv_cache_bytes"].get<uint64_t>());
  EXPECT_EQ(e8k["fits_without_unloading"], false);
  // Without a context the configured one (256) is estimated.
  EXPECT_EQ(get_json(srv, "/api/v1/models/beta").body["memory_estimate"]["context_length"], 256);
  // The details a model view shows: its template (none in a synthesized file) and license.
  EXPECT_TRUE(at_512.body.contains("chat_template"));
  EXPECT_TRUE(at_512.body.contains("license"));

  for (const char* bad : {"0", "-5", "abc", "12x", "", "99999999999"}) {
    auto r = get_json(srv, std::string("/api/v1/models/beta?context_length=") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.body["error"]["code"], "invalid_field") << r.raw;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find("query parameter 'context_length'"), std::string::npos)
        << r.raw;
  }
}

TEST_F(ServerModels, SecondModelOverBudgetUnloadsTheLeastRecentlyUsed) {
  write_file(dir_ / "models" / "alpha.gguf", synthetic_gguf(128, 2, 1));
  write_file(dir_ / "models" / "beta.gguf", synthetic_gguf(128, 2, 2));
  app::ServerConfig c = config();
  auto demo = models::estimate_model_memory(demo_model_file(), c.ctx_size, c.slots);
  ASSERT_TRUE(demo);
  const uint64_t one = estimate("alpha.gguf", c);
  // Room for the demo model and one of the two, not both.
  c.memory_budget = std::to_string(demo->total() + one + one / 2);
  auto& srv = start(c);
  ASSERT_EQ(post_json(srv, "/api/v1/models/alpha/load", nlohmann::json::object()).status, 200);
  // Use the default model after alpha: alpha is now the least recently used.
  ASSERT_EQ(post_json(srv, "/api/v1/models/generate", {{"prompt", "Once"}, {"max_tokens", 2}}).status, 200);
  auto beta = post_json(srv, "/api/v1/models/beta/load", nlohmann::json::object());
  ASSERT_EQ(beta.status, 200) << beta.raw;
  EXPECT_EQ(model("alpha")["status"], "downloaded");
  EXPECT_EQ(model("beta")["status"], "loaded");
  EXPECT_EQ(model("stories260K")["status"], "loaded");
  auto ps = get_json(srv, "/api/ps");
  EXPECT_EQ(ps.body["models"].size(), 2u);
  const auto all = get_json(srv, "/api/v1/models");
  EXPECT_LE(all.body["memory"]["in_use_bytes"].get<uint64_t>(), all.body["memory"]["budget_bytes"].get<uint64_t>());
}

TEST_F(ServerModels, ModelWithARunningGenerationIsNeverUnloaded) {
  write_file(dir_ / "models" / "big.gguf", synthetic_gguf(512, 8, 5));
  write_file(dir_ / "models" / "beta.gguf", synthetic_gguf(256, 2, 1));
  app::ServerConfig c = config();
  auto demo = models::estimate_model_memory(demo_model_file(), c.ctx_size, c.slots);
  ASSERT_TRUE(demo);
  // beta fits only if big goes (unloading the idle demo model alone is not enough).
  c.memory_budget = std::to_string(demo->total() + estimate("big.gguf", c) + estimate("beta.gguf", c) / 2);
  auto& srv = start(c);
  ASSERT_EQ(post_json(srv, "/api/v1/models/big/load", nlohmann::json::object()).status, 200);
  JsonReply busy_unload, busy_load;
  bool checked = false;
  auto r = post_streaming(srv, "/api/v1/models/generate",
                          {{"model", "big"}, {"prompt", "hello"}, {"max_tokens", 200}, {"ignore_eos", true}, {"stream", true}},
                          [&](std::string_view) {
                            if (!checked) {
                              checked = true;
                              busy_unload = post_json(srv, "/api/v1/models/big/unload", nlohmann::json::object());
                              busy_load = post_json(srv, "/api/v1/models/beta/load", nlohmann::json::object());
                            }
                            return true;
                          });
  ASSERT_TRUE(r);
  ASSERT_TRUE(checked);
  EXPECT_EQ(busy_unload.status, 409) << busy_unload.raw;
  EXPECT_EQ(busy_unload.body["error"]["code"], "model_busy");
  EXPECT_EQ(busy_load.status, 503) << busy_load.raw;
  EXPECT_EQ(busy_load.body["error"]["code"], "memory_budget_busy");
  EXPECT_NE(busy_load.body["error"]["message"].get<std::string>().find("big"), std::string::npos);
  EXPECT_EQ(model("stories260K")["status"], "loaded");  // nothing was unloaded for a load that could not happen
  // Once the generation is over (the server lets go of it just after the last
  // byte), big is the least recently used and makes room.
  JsonReply later;
  for (int i = 0; i < 100; ++i) {
    later = post_json(srv, "/api/v1/models/beta/load", nlohmann::json::object());
    if (later.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(later.status, 200) << later.raw;
  EXPECT_EQ(model("big")["status"], "downloaded");
}

TEST_F(ServerModels, ModelLargerThanTheWholeBudgetIsRefusedClearly) {
  write_file(dir_ / "models" / "alpha.gguf", synthetic_gguf(128, 2, 1));
  app::ServerConfig c = config();
  c.memory_budget = "3MiB";
  auto& srv = start(c);
  auto r = post_json(srv, "/api/v1/models/alpha/load", nlohmann::json::object());
  EXPECT_EQ(r.status, 507) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "insufficient_memory");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("memory_budget"), std::string::npos);
}

// `playground serve` in a fresh process: its resident memory is not blurred by
// what earlier tests allocated and freed in this one.
class ServeChild : public ChildProcess {
 public:
  explicit ServeChild(std::vector<std::string> args) : ChildProcess(with_serve(std::move(args)), Options{}) {}
  int port() {
    wait_for_url();
    return ChildProcess::port();
  }

 private:
  static std::vector<std::string> with_serve(std::vector<std::string> args) {
    args.insert(args.begin(), "serve");
    return args;
  }
};

TEST_F(ServerModels, EstimateIsWithin15PercentOfMeasuredRssGrowth) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "memory is not measured under AddressSanitizer (its shadow memory and quarantine count in RSS)";
#endif
  // About 40 MB of F16 weights and 32 MiB of KV cache: big enough that RSS noise is small.
  write_file(dir_ / "models" / "big.gguf", synthetic_gguf(512, 8, 5));
  ServeChild child({"--port", "0", "--threads", "1", "--slots", "4", "--ctx-size", "512", "--log-level", "warn",
                    "--data-dir", (dir_ / "data").string(), "--models-dir", (dir_ / "models").string()});
  const int port = child.port();
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  const uint64_t before = child.rss_bytes();
  auto load = c.Post("/api/v1/models/big/load", "{}", "application/json");
  ASSERT_TRUE(load);
  ASSERT_EQ(load->status, 200) << load->body;
  // One generation reads every weight once.
  auto g = c.Post("/api/v1/models/generate", R"({"model":"big","prompt":"hello","max_tokens":2})", "application/json");
  ASSERT_TRUE(g);
  ASSERT_EQ(g->status, 200) << g->body;
  const uint64_t after = child.rss_bytes();
  const double growth = static_cast<double>(after - before);
  const double est = static_cast<double>(nlohmann::json::parse(load->body)["runtime"]["memory_bytes"].get<uint64_t>());
  std::printf("[ estimate ] big.gguf: estimate %.1f MiB, measured RSS growth %.1f MiB, ratio %.3f\n",
              est / 1048576, growth / 1048576, est / growth);
  EXPECT_NEAR(est / growth, 1.0, 0.15);
}

TEST_F(ServerModels, PsCommandAsksTheRunningServer) {
  write_file(dir_ / "models" / "alpha.gguf", synthetic_gguf(64, 1, 1, "F32"));
  ServeChild child({"--port", "0", "--threads", "1", "--log-level", "warn", "--data-dir", (dir_ / "data").string(),
                    "--models-dir", (dir_ / "models").string()});
  const int port = child.port();
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  ASSERT_EQ(c.Post("/api/v1/models/alpha/load", R"({"keep_alive":"10m"})", "application/json")->status, 200);
  const ProcessResult r = run_playground("ps --port " + std::to_string(port));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("alpha"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stories260K"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("forever"), std::string::npos) << r.out;  // the default model's keep-alive
  EXPECT_NE(r.out.find("memory in use"), std::string::npos) << r.out;
}

TEST_F(ServerModels, SeveralPullsRunAtOnce) {
  source_.add_hf_file("acme/One-GGUF", "one.Q4_K_M.gguf", synthetic_gguf(64, 1, 1, "F32"));
  source_.add_hf_file("acme/Two-GGUF", "two.Q4_K_M.gguf", synthetic_gguf(64, 1, 2, "F32"));
  source_.throttle_us = 20000;
  auto& srv = start(config());
  const std::string a = post_json(srv, "/api/v1/models/pull", {{"model", "hf.co/acme/One-GGUF"}}).body["id"];
  const std::string b = post_json(srv, "/api/v1/models/pull", {{"model", "hf.co/acme/Two-GGUF"}}).body["id"];
  bool both_running = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const auto ja = get_json(srv, "/api/v1/models/pulls/" + a).body, jb = get_json(srv, "/api/v1/models/pulls/" + b).body;
    both_running = both_running || (ja["state"] == "running" && jb["state"] == "running");
    if ((ja["state"] == "success" && jb["state"] == "success") || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(both_running);
  EXPECT_EQ(model("one.Q4_K_M")["status"], "downloaded");
  EXPECT_EQ(model("two.Q4_K_M")["status"], "downloaded");
}

TEST_F(ServerModels, KeepAliveZeroAndDurationsUnloadIdleModels) {
  write_file(dir_ / "models" / "alpha.gguf", synthetic_gguf(64, 1, 1, "F32"));
  auto& srv = start(config());
  auto load = post_json(srv, "/api/generate", {{"model", "alpha"}});
  ASSERT_EQ(load.status, 200) << load.raw;
  EXPECT_EQ(load.body["done_reason"], "load");
  EXPECT_EQ(model("alpha")["status"], "loaded");
  auto ps = get_json(srv, "/api/ps");
  bool found = false;
  for (const auto& m : ps.body["models"])
    if (m["name"] == "alpha:latest") {
      found = true;
      EXPECT_NE(m["expires_at"], "9999-12-31T23:59:59Z");
    }
  EXPECT_TRUE(found) << ps.raw;
  auto unload = post_json(srv, "/api/generate", {{"model", "alpha"}, {"keep_alive", 0}});
  ASSERT_EQ(unload.status, 200) << unload.raw;
  EXPECT_EQ(unload.body["done_reason"], "unload");
  EXPECT_EQ(model("alpha")["status"], "downloaded");
  // A short keep-alive: unloaded by the reaper once idle that long.
  ASSERT_EQ(post_json(srv, "/api/v1/models/alpha/load", {{"keep_alive", "300ms"}}).status, 200);
  EXPECT_EQ(model("alpha")["status"], "loaded");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (model("alpha")["status"] == "loaded" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(model("alpha")["status"], "downloaded");
  // -1: forever (the default model keeps its own forever).
  ASSERT_EQ(post_json(srv, "/api/v1/models/alpha/load", {{"keep_alive", -1}}).status, 200);
  EXPECT_TRUE(model("alpha")["runtime"]["expires_at"].is_null());
  EXPECT_EQ(post_json(srv, "/api/v1/models/alpha/load", {{"keep_alive", "soon"}}).status, 400);
}

// The default model stays loaded at start and keeps that keep-alive (forever)
// when it is loaded again after an unload, by the load route or by a request.
TEST_F(ServerModels, DefaultModelKeepsItsKeepAliveAfterUnloadAndLoad) {
  auto& srv = start(config());
  auto runtime = [&] { return model("stories260K")["runtime"]; };
  ASSERT_EQ(model("stories260K")["status"], "loaded");
  EXPECT_EQ(runtime()["keep_alive_seconds"], -1);
  EXPECT_TRUE(runtime()["expires_at"].is_null());
  for (const char* reload : {"route", "request"}) {
    auto unloaded = post_json(srv, "/api/v1/models/stories260K/unload", nlohmann::json::object());
    ASSERT_EQ(unloaded.status, 200) << unloaded.raw;
    ASSERT_EQ(model("stories260K")["status"], "downloaded");
    if (std::string(reload) == "route") {
      auto loaded = post_json(srv, "/api/v1/models/stories260K/load", nlohmann::json::object());
      ASSERT_EQ(loaded.status, 200) << loaded.raw;
      EXPECT_EQ(loaded.body["runtime"]["keep_alive_seconds"], -1) << loaded.raw;
    } else {
      auto generated = post_json(srv, "/api/v1/models/generate", {{"prompt", "Once"}, {"max_tokens", 2}});
      ASSERT_EQ(generated.status, 200) << generated.raw;
    }
    EXPECT_EQ(model("stories260K")["status"], "loaded") << reload;
    EXPECT_EQ(runtime()["keep_alive_seconds"], -1) << reload;
    EXPECT_TRUE(runtime()["expires_at"].is_null()) << reload << ": " << runtime().dump();
  }
}

// A reference that can name no model is refused at once with a 400 that says
// what a reference looks like, on both pull routes; no pull is recorded.
TEST_F(ServerModels, MalformedReferencesAreRefusedBeforeAnyPullStarts) {
  auto& srv = start(config());
  for (const std::string& bad : std::vector<std::string>{"???", "hf.co/acme", "hf.co/acme/Repo/../../etc/passwd.gguf", "hf.co/acme/Repo/notes.txt",
                                "ollama.com/library/tiny:bad tag", "ftp://example.com/x.gguf", "owner/repo/readme.md", "own er/repo",
                                std::string(401, 'x')}) {
    auto r = post_json(srv, "/api/v1/models/pull", {{"model", bad}});
    EXPECT_EQ(r.status, 400) << bad << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], bad.size() > 400 ? "invalid_field" : "invalid_reference") << r.raw;
    const std::string message = r.body["error"]["message"];
    EXPECT_FALSE(message.empty());
    if (bad.size() <= 400) {
      EXPECT_NE(message.find("'" + bad + "'"), std::string::npos) << message;  // quoted as typed
    }
    auto o = post_json(srv, "/api/pull", {{"model", bad}, {"stream", false}});
    EXPECT_EQ(o.status, 400) << bad << ": " << o.raw;
  }
  EXPECT_TRUE(get_json(srv, "/api/v1/models/pulls").body["pulls"].empty());
}

TEST_F(ServerModels, PullWithSseProgressThenDelete) {
  const std::string sha = source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", synthetic_gguf());
  source_.throttle_us = 2000;
  auto& srv = start(config());
  auto r = post_json(srv, "/api/v1/models/pull", {{"model", "hf.co/acme/Tiny-GGUF"}});
  ASSERT_EQ(r.status, 202) << r.raw;
  const std::string id = r.body["id"];
  auto c = srv.client();
  auto events = c.Get("/api/v1/models/pull/" + id + "/events");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->status, 200);
  const auto parsed = parse_sse(events->body);
  ASSERT_GE(parsed.size(), 2u) << events->body;
  EXPECT_EQ(parsed.back().event, "done");
  EXPECT_EQ(parsed.back().json()["state"], "success") << parsed.back().data;
  bool saw_bytes = false;
  for (const auto& e : parsed)
    if (e.event == "progress" && e.json()["progress"]["completed_bytes"].get<uint64_t>() > 0) saw_bytes = true;
  EXPECT_TRUE(saw_bytes) << events->body;
  auto pulls = get_json(srv, "/api/v1/models/pulls");
  ASSERT_EQ(pulls.body["pulls"].size(), 1u);
  auto m = model("tiny.Q4_K_M");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["aliases"][0], "hf.co/acme/Tiny-GGUF");
  // Loading by alias works; so does deleting by alias.
  ASSERT_EQ(post_json(srv, "/api/v1/models/hf.co%2Facme%2FTiny-GGUF:Q4_K_M/load", nlohmann::json::object()).status, 200);
  auto del = c.Delete("/api/v1/models/hf.co%2Facme%2FTiny-GGUF:Q4_K_M");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_TRUE(model("tiny.Q4_K_M").is_null());
  EXPECT_FALSE(fs::exists(dir_ / "models" / "tiny.Q4_K_M.gguf"));
  (void)sha;
}

TEST_F(ServerModels, CancelledPullStopsAndFreesItsDisk) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", synthetic_gguf());
  source_.throttle_us = 50000;
  auto& srv = start(config());
  auto r = post_json(srv, "/api/v1/models/pull", {{"model", "hf.co/acme/Tiny-GGUF"}});
  ASSERT_EQ(r.status, 202) << r.raw;
  const std::string id = r.body["id"];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (get_json(srv, "/api/v1/models/pulls/" + id).body["progress"]["completed_bytes"].get<uint64_t>() == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // While it runs the model list shows it as downloading.
  EXPECT_EQ(model("tiny.Q4_K_M")["status"], "downloading");
  EXPECT_EQ(post_json(srv, "/api/v1/models/pull", {{"model", "hf.co/acme/Tiny-GGUF"}}).status, 409);
  auto c = srv.client();
  auto del = c.Delete("/api/v1/models/pulls/" + id);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  nlohmann::json job;
  for (int i = 0; i < 100; ++i) {
    job = get_json(srv, "/api/v1/models/pulls/" + id).body;
    if (job["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(job["state"], "cancelled");
  EXPECT_FALSE(fs::exists(dir_ / "models" / ".partial" / "tiny.Q4_K_M.gguf.part"));
  EXPECT_TRUE(model("tiny.Q4_K_M").is_null());
}

TEST_F(ServerModels, OllamaPullStreamsStatusLinesAndDeleteRemoves) {
  source_.add_ollama_model("tiny", "q4", synthetic_gguf(), "{{ .Prompt }}", {{"temperature", 0.5}, {"stop", {" ", "e"}}});
  auto& srv = start(config());
  std::string body;
  auto r = post_streaming(srv, "/api/pull", {{"model", "tiny:q4"}}, [&](std::string_view chunk) {
    body.append(chunk);
    return true;
  });
  ASSERT_TRUE(r);
  const auto lines = parse_ndjson(body);
  ASSERT_GE(lines.size(), 2u) << body;
  EXPECT_EQ(lines.front()["status"], "pulling manifest");
  EXPECT_EQ(lines.back()["status"], "success") << body;
  auto tags = get_json(srv, "/api/tags");
  bool listed = false;
  for (const auto& m : tags.body["models"]) listed = listed || m["name"] == "tiny:q4";
  EXPECT_TRUE(listed) << tags.raw;
  // The params layer's stop sequences apply to generation; the request's options override them.
  const nlohmann::json opts = {{"temperature", 0}, {"ignore_eos", true}, {"num_predict", 40}};
  auto with_params = post_json(srv, "/api/generate", {{"model", "tiny:q4"}, {"prompt", "hello"}, {"stream", false}, {"options", opts}});
  ASSERT_EQ(with_params.status, 200) << with_params.raw;
  EXPECT_EQ(with_params.body["done_reason"], "stop") << with_params.raw;
  nlohmann::json no_stop = opts;
  no_stop["stop"] = nlohmann::json::array();
  auto overridden = post_json(srv, "/api/generate", {{"model", "tiny:q4"}, {"prompt", "hello"}, {"stream", false}, {"options", no_stop}});
  ASSERT_EQ(overridden.status, 200) << overridden.raw;
  EXPECT_EQ(overridden.body["done_reason"], "length") << overridden.raw;
  auto missing = post_json(srv, "/api/pull", {{"model", "tiny:nope"}, {"stream", false}});
  EXPECT_EQ(missing.status, 500);
  EXPECT_NE(missing.body["error"].get<std::string>().find("HTTP 404"), std::string::npos) << missing.raw;
  auto c = srv.client();
  auto del = c.Delete("/api/delete", R"({"model":"tiny:q4"})", "application/json");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  auto again = c.Delete("/api/delete", R"({"model":"tiny:q4"})", "application/json");
  EXPECT_EQ(again->status, 404);
}

// A model's own sampling defaults (its params layer) are listed under
// `defaults`: the sampling fields only, and none when one is unusable (then the
// server applies none); a conversation's replies use them under their own params.
TEST_F(ServerModels, ModelDefaultsAreListedAndApplyToConversationReplies) {
  source_.add_ollama_model("tiny", "q4", synthetic_gguf(), "{{ .Prompt }}",
                           {{"temperature", 0.5}, {"top_k", 7}, {"stop", {" ", "e"}}, {"num_ctx", 4096}});
  source_.add_ollama_model("odd", "q4", synthetic_gguf(64, 1, 2, "F32"), "{{ .Prompt }}", {{"temperature", 9}, {"top_k", 7}});
  auto& srv = start(config());
  for (const char* name : {"tiny:q4", "odd:q4"}) {
    auto pulled = post_json(srv, "/api/pull", {{"model", name}, {"stream", false}});
    ASSERT_EQ(pulled.status, 200) << pulled.raw;
  }
  const nlohmann::json expected = {{"temperature", 0.5}, {"top_k", 7}, {"stop", {" ", "e"}}};
  EXPECT_EQ(model("tiny-q4")["defaults"], expected);
  EXPECT_EQ(get_json(srv, "/api/v1/models/tiny-q4").body["defaults"], expected);
  EXPECT_EQ(model("odd-q4")["defaults"], nlohmann::json::object());
  EXPECT_EQ(model("stories260K")["defaults"], nlohmann::json::object());

  auto conv = post_json(srv, "/api/v1/conversations", {{"model", "tiny-q4"}, {"params", {{"temperature", 0}, {"max_tokens", 4}}}});
  ASSERT_EQ(conv.status, 201) << conv.raw;
  auto sent = post_json(srv, "/api/v1/conversations/" + conv.body["id"].get<std::string>() + "/messages", {{"content", "hello"}});
  ASSERT_EQ(sent.status, 201) << sent.raw;
  const nlohmann::json& used = sent.body["reply"]["generation"]["sampling"];
  EXPECT_EQ(used["temperature"], 0) << used;  // the conversation's own value
  EXPECT_EQ(used["top_k"], 7) << used;        // the model's defaults
  EXPECT_EQ(used["stop"], nlohmann::json({" ", "e"})) << used;
}

// Two instances on one PostgreSQL database (models_dir shared, as DEPLOY.md
// says): a pull started through one is listed with its progress through the
// other, refused there as a duplicate, watched there over SSE and cancelled
// there; its owner stops it and frees its disk.
TEST_F(ServerModels, PullsAreSharedBetweenInstancesOnOnePostgresDatabase) {
  PG_REQUIRE_POSTGRES(url);
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", synthetic_gguf());
  source_.throttle_us = 50000;
  app::ServerConfig ca = config(), cb = config();
  ca.database = cb.database = url;
  TestServer a(ca), b(cb);
  auto r = post_json(a, "/api/v1/models/pull", {{"model", "hf.co/acme/Tiny-GGUF"}});
  ASSERT_EQ(r.status, 202) << r.raw;
  const std::string id = r.body["id"];
  const std::string owner = r.body["instance"];
  EXPECT_FALSE(owner.empty());
  nlohmann::json seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = get_json(b, "/api/v1/models/pulls").body["pulls"];
    if (list.size() == 1 && list[0]["progress"]["completed_bytes"].get<uint64_t>() > 0) {
      seen = list[0];
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(seen.is_null()) << "instance B never listed A's pull with progress";
  EXPECT_EQ(seen["id"], id);
  EXPECT_EQ(seen["instance"], owner);
  EXPECT_EQ(seen["state"], "running");
  EXPECT_EQ(get_json(b, "/api/v1/models/pulls/" + id).body["instance"], owner);
  auto dup = post_json(b, "/api/v1/models/pull", {{"model", "hf.co/acme/Tiny-GGUF"}});
  EXPECT_EQ(dup.status, 409) << dup.raw;
  // B's SSE stream of A's pull ends with "done" once B has cancelled it.
  std::string events;
  std::thread watcher([&] {
    auto c = b.client();
    auto e = c.Get("/api/v1/models/pull/" + id + "/events");
    if (e) events = e->body;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto cb_client = b.client();
  auto del = cb_client.Delete("/api/v1/models/pulls/" + id);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  watcher.join();
  const auto parsed = parse_sse(events);
  ASSERT_FALSE(parsed.empty()) << events;
  EXPECT_EQ(parsed.back().event, "done") << events;
  EXPECT_EQ(parsed.back().json()["state"], "cancelled") << events;
  EXPECT_EQ(get_json(a, "/api/v1/models/pulls/" + id).body["state"], "cancelled");
  EXPECT_FALSE(fs::exists(dir_ / "models" / ".partial" / "tiny.Q4_K_M.gguf.part"));
}

TEST_F(ServerModels, SearchGoesToTheHub) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", synthetic_gguf(64, 1, 1, "F32"));
  auto& srv = start(config());
  auto r = get_json(srv, "/api/v1/models/search?q=Tiny");
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["results"].size(), 1u);
  EXPECT_EQ(r.body["results"][0]["pull"], "hf.co/acme/Tiny-GGUF");
  EXPECT_EQ(get_json(srv, "/api/v1/models/search").status, 400);
}

}  // namespace
}  // namespace pg::test
