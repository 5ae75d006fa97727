// Provider settings: parsing and validation of the config file's / API's
// JSON and the API's view without the key (storing them:
// providers_store_test.cpp).
#include <gtest/gtest.h>

#include "providers/provider_config.h"

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

}  // namespace
}  // namespace pg::providers
