// KV cache types over HTTP: a model loads with cache_type_k / cache_type_v
// (the request's or the configured ones) and generates; its listings (GET
// /api/v1/models, /api/v1/models/{name}, /api/ps) show them; a bad name is a
// 400 naming the field; a type the model's heads cannot take (the demo model's
// heads have 8 values) is a 400 invalid_cache_type, never a silent f16; the
// memory estimate counts q8_0 as 34 bytes per 32 values. Real server on
// loopback with a synthetic model whose heads have 32 values.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "../models/model_bytes.h"
#include "server_test_support.h"
#include "test_process.h"

namespace pg::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class ServerKvCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("pg_server_kv_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    // dim 128, 4 heads: 32 values a head, what q8_0 and q4_0 blocks need.
    write_file(dir_ / "models" / "kv32.gguf", synthetic_gguf(128, 2));
  }
  void TearDown() override { server_.reset(); cleanup(dir_); }
  // The test config over the models directory: 2 slots of 128 tokens, KV cache types as given.
  app::ServerConfig config(models::KvCacheTypes types = {}) {
    app::ServerConfig c = test_server_config();
    c.models_dir = (dir_ / "models").string();
    c.ctx_size = 128;
    c.slots = 2;
    c.cache_types = types;
    return c;
  }
  TestServer& start(app::ServerConfig c) { return *(server_ = std::make_unique<TestServer>(std::move(c))); }
  // A 400 with this error code whose message holds every one of `parts`.
  static void expect_400(const JsonReply& r, const std::string& code, std::initializer_list<const char*> parts) {
    ASSERT_EQ(r.status, 400) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << r.raw;
    const std::string message = r.body["error"].value("message", "");
    for (const char* part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " in " << message;
  }
  json listed(const std::string& name) {
    const JsonReply list = get_json(*server_, "/api/v1/models");
    for (const auto& m : list.body["models"])
      if (m["name"] == name) return m;
    return nullptr;
  }
  fs::path dir_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(ServerKvCache, LoadsWithTheRequestedTypesAndGenerates) {
  TestServer& srv = start(config());
  auto load = post_json(srv, "/api/v1/models/kv32/load", {{"cache_type_k", "q8_0"}, {"cache_type_v", "Q4_0"}});
  ASSERT_EQ(load.status, 200) << load.raw;
  EXPECT_EQ(load.body["runtime"]["cache_type_k"], "q8_0");
  EXPECT_EQ(load.body["runtime"]["cache_type_v"], "q4_0");
  auto gen = post_json(srv, "/api/v1/models/generate", {{"model", "kv32"}, {"prompt", "hello"}, {"max_tokens", 4}});
  ASSERT_EQ(gen.status, 200) << gen.raw;

  const json m = listed("kv32");
  EXPECT_EQ(m["cache_type_k"], "q8_0");
  EXPECT_EQ(m["cache_type_v"], "q4_0");
  EXPECT_EQ(m["runtime"]["cache_type_k"], "q8_0");
  auto detail = get_json(srv, "/api/v1/models/kv32");
  EXPECT_EQ(detail.body["cache_type_v"], "q4_0") << detail.raw;
  bool in_ps = false;
  const JsonReply ps = get_json(srv, "/api/ps");
  for (const auto& p : ps.body["models"])
    if (p["name"] == "kv32:latest") {
      in_ps = true;
      EXPECT_EQ(p["cache_type_k"], "q8_0");
      EXPECT_EQ(p["cache_type_v"], "q4_0");
    }
  EXPECT_TRUE(in_ps);
  // The default model, loaded at start, has the configured f16.
  EXPECT_EQ(listed("stories260K")["cache_type_k"], "f16");

  // Other types: loaded again with them; the same ones: already loaded.
  auto again = post_json(srv, "/api/v1/models/kv32/load", {{"cache_type_k", "f32"}});
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_FALSE(again.body["already_loaded"].get<bool>());
  EXPECT_EQ(again.body["runtime"]["cache_type_k"], "f32");
  EXPECT_EQ(again.body["runtime"]["cache_type_v"], "f16");
  auto same = post_json(srv, "/api/v1/models/kv32/load", {{"cache_type_k", "f32"}});
  EXPECT_TRUE(same.body["already_loaded"].get<bool>()) << same.raw;
  EXPECT_EQ(post_json(srv, "/api/v1/models/kv32/load", json::object()).body["runtime"]["cache_type_k"], "f32");
}

TEST_F(ServerKvCache, BadNamesAreA400NamingTheFieldAndTheValidNames) {
  TestServer& srv = start(config());
  expect_400(post_json(srv, "/api/v1/models/kv32/load", {{"cache_type_v", "q5_1"}}), "invalid_field",
             {"field 'cache_type_v'", "'q5_1'", "f16, f32, q8_0, q4_0"});
  expect_400(post_json(srv, "/api/v1/models/kv32/load", {{"cache_type_k", 8}}), "invalid_field", {"field 'cache_type_k'"});
  expect_400(get_json(srv, "/api/v1/models/kv32?cache_type_k=q9"), "invalid_field",
             {"query parameter 'cache_type_k'", "f16, f32, q8_0, q4_0"});
  EXPECT_FALSE(listed("kv32")["loaded"].get<bool>());
}

TEST_F(ServerKvCache, HeadsThatCannotTakeATypeRefuseTheLoad) {
  TestServer& srv = start(config());
  expect_400(post_json(srv, "/api/v1/models/stories260K/load", {{"cache_type_k", "q8_0"}}), "invalid_cache_type",
             {"stories260K", "cache_type_k", "8 values"});
  // The demo model stays loaded as it was, and is not marked failed.
  const json m = listed("stories260K");
  EXPECT_EQ(m["status"], "loaded");
  EXPECT_EQ(m["cache_type_k"], "f16");
  expect_400(get_json(srv, "/api/v1/models/stories260K?cache_type_v=q4_0"), "invalid_cache_type", {"cache_type_v"});
}

TEST_F(ServerKvCache, ConfiguredTypesApplyToEveryLoadAndAreCheckedAtStart) {
  app::ServerConfig c = config({KvCacheType::Q8_0, KvCacheType::Q8_0});
  c.model = "kv32";
  TestServer& srv = start(c);
  EXPECT_EQ(listed("kv32")["cache_type_k"], "q8_0");
  EXPECT_EQ(listed("kv32")["cache_type_v"], "q8_0");
  auto gen = post_json(srv, "/api/v1/models/generate", {{"prompt", "hello"}, {"max_tokens", 3}});
  EXPECT_EQ(gen.status, 200) << gen.raw;
  server_.reset();

  // The demo model's heads cannot take q8_0: the server does not start.
  server::PlaygroundServer refused(config({KvCacheType::Q8_0, KvCacheType::F16}));
  const Status s = refused.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.reason(), "invalid_cache_type") << s.message();
  EXPECT_NE(s.message().find("cache_type_k"), std::string::npos) << s.message();
}

TEST_F(ServerKvCache, TheEstimateCountsTheCacheTypes) {
  TestServer& srv = start(config());
  auto f16 = get_json(srv, "/api/v1/models/kv32?context_length=256");
  auto q8 = get_json(srv, "/api/v1/models/kv32?context_length=256&cache_type_k=q8_0&cache_type_v=q8_0");
  auto q4 = get_json(srv, "/api/v1/models/kv32?context_length=256&cache_type_k=q4_0&cache_type_v=q4_0");
  ASSERT_EQ(q8.status, 200) << q8.raw;
  const auto kv = [](const JsonReply& r) { return r.body["memory_estimate"]["kv_cache_bytes"].get<uint64_t>(); };
  // 2 layers x 256 positions x 4 heads x 2 slots, keys and values: 64 bytes a head in f16, 34 in q8_0, 18 in q4_0.
  EXPECT_EQ(kv(f16), 2ull * 256 * 4 * 2 * (64 + 64));
  EXPECT_EQ(kv(q8) * 64, kv(f16) * 34);
  EXPECT_EQ(kv(q4) * 64, kv(f16) * 18);
  EXPECT_EQ(q8.body["memory_estimate"]["cache_type_k"], "q8_0");
  EXPECT_EQ(f16.body["memory_estimate"]["cache_type_v"], "f16");
  EXPECT_LT(q8.body["memory_estimate"]["required_bytes"].get<uint64_t>(),
            f16.body["memory_estimate"]["required_bytes"].get<uint64_t>());
}

}  // namespace
}  // namespace pg::test
