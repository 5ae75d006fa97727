// Provider settings: parsing and validation of the config file's / API's
// JSON, the API's view without the key, and sealing of stored API keys in a
// real SQLite file (opened only with the same server secret).
#include <gtest/gtest.h>

#include <filesystem>

#include <sodium.h>

#include "providers/provider_config.h"
#include "providers/provider_store.h"
#include "store/database.h"
#include "store/migrations.h"

namespace pg::providers {
namespace {

TEST(ProvidersConfig, ParsesAndValidates) {
  auto c = provider_from_json({{"name", "gpu-box"}, {"kind", "ollama"}, {"base_urls", {"http://10.0.0.2:11434", "http://10.0.0.3:11434/"}},
                               {"api_key", "sk-1"}, {"max_retries", 4}, {"fallback_model", "llama3"}},
                              ProviderConfig{});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->kind, ProviderKind::Ollama);
  EXPECT_EQ(c->base_urls.size(), 2u);
  EXPECT_EQ(c->max_retries, 4);
  EXPECT_EQ(c->connect_timeout_ms, 3000);  // default
  const nlohmann::json shown = provider_to_json(*c);
  EXPECT_FALSE(shown.contains("api_key"));
  EXPECT_EQ(shown["has_api_key"], true);

  auto single = provider_from_json({{"name", "v"}, {"base_url", "http://127.0.0.1:8000/v1"}}, ProviderConfig{});
  ASSERT_TRUE(single) << single.error();
  EXPECT_EQ(single->kind, ProviderKind::OpenAi);

  const ProviderConfig none;
  EXPECT_FALSE(provider_from_json({{"name", "a/b"}, {"base_urls", "http://x"}}, none));
  EXPECT_FALSE(provider_from_json({{"name", "a"}}, none));  // no endpoint
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "ftp://x"}}, none));
  EXPECT_TRUE(provider_from_json({{"name", "a"}, {"base_urls", "https://api.openai.com/v1"}}, none));
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "http:///v1"}}, none));  // no host
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "http://a b"}}, none));
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "http://x"}, {"kind", "grpc"}}, none));
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "http://x"}, {"colour", "red"}}, none));
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "http://x"}, {"max_retries", 11}}, none));
  EXPECT_FALSE(provider_from_json({{"name", "a"}, {"base_urls", "http://x"}, {"connect_timeout_ms", "5"}}, none));
  auto err = provider_from_json({{"name", "a"}, {"base_urls", "http://x"}, {"breaker_failures", 0}}, none);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().find("breaker_failures"), std::string::npos) << err.error();
}

TEST(ProvidersConfig, StoredKeysAreSealedAndOpenOnlyWithTheSameSecret) {
  ASSERT_EQ(sodium_init() >= 0, true);
  const std::string dir = ::testing::TempDir() + "pg_providers_store_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  {
    auto db = store::Database::open(dir + "/p.db");
    ASSERT_TRUE(db) << db.error();
    ASSERT_TRUE(store::migrate(**db));
    ProviderStore s(**db, std::string(48, 'k'));
    ProviderConfig c;
    c.name = "vllm";
    c.base_urls = {"http://127.0.0.1:8000"};
    c.api_key = "sk-very-secret-key";
    ASSERT_TRUE(s.save(c));
    // Nothing in the database holds the key in clear.
    auto st = (*db)->prepare("SELECT value FROM settings WHERE key = 'provider:vllm'");
    ASSERT_TRUE(st);
    ASSERT_TRUE(*st->step());
    EXPECT_EQ(st->text(0).find("sk-very-secret-key"), std::string::npos);
    auto loaded = s.load_all();
    ASSERT_TRUE(loaded) << loaded.error();
    ASSERT_EQ(loaded->size(), 1u);
    EXPECT_EQ((*loaded)[0].api_key, "sk-very-secret-key");
    ProviderStore other(**db, std::string(48, 'x'));
    EXPECT_FALSE(other.load_all());
    EXPECT_FALSE(other.open(s.seal("abc")));
    ASSERT_TRUE(s.remove("vllm"));
    EXPECT_TRUE(s.load_all()->empty());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pg::providers
