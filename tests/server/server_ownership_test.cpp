// Who may touch whose generation and the models (issue 18, defect 6), with
// auth on: a generation belongs to the user who started it; only that user or
// an admin may cancel it (others get 404 as if it did not exist); the slot
// listing shows users their own generation ids only (admins all); loading and
// unloading a model on request are for admins (403), while a generation
// naming a model still loads it. With auth off nothing changes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server_auth_support.h"

namespace pg::test {
namespace {

const std::string kSecret = "server-ownership-test-secret-0123456789abc";

app::ServerConfig ownership_config() {
  auto c = test_server_config();
  c.auth = "on";
  c.secret = kSecret;
  c.slots = 2;
  c.ctx_size = 4096;
  add_user_to(c.data_dir, "root", "Tr0ub4dor-and-3", "admin");
  add_user_to(c.data_dir, "alice", "correct-horse-battery", "user");
  add_user_to(c.data_dir, "bob", "staple-lantern-quay", "user");
  return c;
}

// A generation that runs until cancelled, streamed on its own thread.
class Endless {
 public:
  Endless(const TestServer& srv, const httplib::Headers& who) {
    const nlohmann::json body = {{"prompt", "Once"}, {"max_tokens", 4000}, {"ignore_eos", true}, {"stream", true}};
    thread_ = std::thread([this, &srv, who, body] {
      post_streaming_as(srv, "/api/v1/models/generate", body, who, [this](std::string_view chunk) {
        std::lock_guard lock(mu_);
        body_.append(chunk);
        if (id_.empty()) {
          auto events = parse_sse(body_);
          if (!events.empty() && events[0].event == "start") id_ = events[0].json()["id"];
        }
        return true;
      });
    });
  }
  ~Endless() {
    if (thread_.joinable()) thread_.join();
  }
  // The generation's id once it started ("" after 10 s without).
  std::string id() {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < limit) {
      {
        std::lock_guard lock(mu_);
        if (!id_.empty()) return id_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return "";
  }
  // The finish_reason of the stream's last event, after it ended.
  std::string finish_reason() {
    thread_.join();
    auto events = parse_sse(body_);
    if (events.empty() || events.back().event != "done") return "(no done event)";
    return events.back().json().value("finish_reason", "");
  }

 private:
  std::mutex mu_;
  std::string body_, id_;
  std::thread thread_;
};

// Every generation id the slot listing shows the caller.
std::vector<std::string> listed_ids(const TestServer& srv, const httplib::Headers& who) {
  auto r = get_json(srv, "/api/v1/slots", who);
  EXPECT_EQ(r.status, 200) << r.raw;
  std::vector<std::string> ids;
  for (const auto& m : r.body["models"])
    for (const auto& s : m["slots"])
      if (s["generation_id"].is_string()) ids.push_back(s["generation_id"]);
  return ids;
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

class ServerOwnership : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = ownership_config();
    srv_ = std::make_unique<TestServer>(config_);
    admin_ = bearer(token_for(config_.data_dir, "root", kSecret));
    alice_ = bearer(token_for(config_.data_dir, "alice", kSecret));
    bob_ = bearer(token_for(config_.data_dir, "bob", kSecret));
  }
  app::ServerConfig config_;
  std::unique_ptr<TestServer> srv_;
  httplib::Headers admin_, alice_, bob_;
};

TEST_F(ServerOwnership, OnlyTheOwnerOrAnAdminMayCancelAGeneration) {
  {
    Endless gen(*srv_, alice_);
    const std::string id = gen.id();
    ASSERT_FALSE(id.empty());
    auto refused = post_json(*srv_, "/api/v1/generations/" + id + "/cancel", nlohmann::json::object(), bob_);
    EXPECT_EQ(refused.status, 404) << refused.raw;
    EXPECT_EQ(refused.body["error"]["code"], "generation_not_found") << refused.raw;
    auto cancelled = post_json(*srv_, "/api/v1/generations/" + id + "/cancel", nlohmann::json::object(), alice_);
    EXPECT_EQ(cancelled.status, 200) << cancelled.raw;
    EXPECT_EQ(gen.finish_reason(), "cancelled");
  }
  {
    Endless gen(*srv_, alice_);
    const std::string id = gen.id();
    ASSERT_FALSE(id.empty());
    auto cancelled = post_json(*srv_, "/api/v1/generations/" + id + "/cancel", nlohmann::json::object(), admin_);
    EXPECT_EQ(cancelled.status, 200) << cancelled.raw;
    EXPECT_EQ(gen.finish_reason(), "cancelled");
  }
}

TEST_F(ServerOwnership, SlotsShowUsersTheirOwnGenerationsOnly) {
  Endless gen(*srv_, alice_);
  const std::string id = gen.id();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return contains(listed_ids(*srv_, admin_), id); }));
  EXPECT_TRUE(contains(listed_ids(*srv_, alice_), id));
  EXPECT_TRUE(listed_ids(*srv_, bob_).empty());
  auto bobs = get_json(*srv_, "/api/v1/slots", bob_);
  int active = 0;
  for (const auto& m : bobs.body["models"]) active += m["active"].get<int>();
  EXPECT_EQ(active, 1) << bobs.raw;  // the load is visible, whose it is not
  EXPECT_EQ(post_json(*srv_, "/api/v1/generations/" + id + "/cancel", nlohmann::json::object(), alice_).status, 200);
  EXPECT_EQ(gen.finish_reason(), "cancelled");
}

TEST_F(ServerOwnership, LoadingAndUnloadingModelsIsForAdmins) {
  const std::string model = get_json(*srv_, "/api/v1/models", alice_).body.value("default", "");
  ASSERT_FALSE(model.empty());
  for (const char* action : {"load", "unload"}) {
    auto refused = post_json(*srv_, "/api/v1/models/" + model + "/" + action, nlohmann::json::object(), alice_);
    EXPECT_EQ(refused.status, 403) << action << ": " << refused.raw;
    EXPECT_EQ(refused.body["error"]["code"], "forbidden") << refused.raw;
  }
  EXPECT_EQ(post_json(*srv_, "/api/v1/models/" + model + "/unload", nlohmann::json::object(), admin_).status, 200);
  // A generation naming the model loads it again, whoever asks.
  auto gen = post_json(*srv_, "/api/v1/models/generate", {{"model", model}, {"prompt", "Once"}, {"max_tokens", 3}}, alice_);
  EXPECT_EQ(gen.status, 200) << gen.raw;
  EXPECT_EQ(post_json(*srv_, "/api/v1/models/" + model + "/load", nlohmann::json::object(), admin_).status, 200);
  // Pulls and deletes were admin-only already.
  EXPECT_EQ(post_json(*srv_, "/api/v1/models/pull", {{"model", "hf.co/a/b:Q4_K_M"}}, alice_).status, 403);
  auto c = srv_->client();
  EXPECT_EQ(c.Delete("/api/v1/models/" + model, alice_)->status, 403);
}

TEST(ServerOwnershipAuthOff, AnyoneOnLoopbackMayCancelAndSeeEverything) {
  auto config = test_server_config();
  config.ctx_size = 4096;
  TestServer srv(config);
  Endless gen(srv, {});
  const std::string id = gen.id();
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return contains(listed_ids(srv, {}), id); }));
  EXPECT_EQ(post_json(srv, "/api/v1/generations/" + id + "/cancel", nlohmann::json::object()).status, 200);
  EXPECT_EQ(gen.finish_reason(), "cancelled");
}

}  // namespace
}  // namespace pg::test
