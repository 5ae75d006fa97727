// The config file's [[providers]] tables: read into ServerConfig::providers
// with their defaults, and refused at load with a message naming the table
// and the key when a value is wrong, a key unknown or a name repeated.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server/app_names.h"
#include "app/server_config.h"

namespace pg::server {
namespace {

Result<ServerConfig> load_toml(const std::string& text) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("pg_providers_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.toml", std::ios::binary) << text;
  ConfigInputs in;
  in.config_file = (dir / "config.toml").string();
  in.env_file = (dir / "no.env").string();
  in.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto c = load_server_config(in);
  std::filesystem::remove_all(dir);
  return c;
}

TEST(ServerProvidersConfig, ReadsProviderTables) {
  auto c = load_toml(
      "port = 9000\n"
      "[[providers]]\nname = \"gpu\"\nkind = \"openai\"\nbase_urls = [\"http://10.0.0.21:8000\", \"http://10.0.0.22:8000\"]\n"
      "api_key = \"token\"\nbreaker_failures = 3\nfallback_model = \"small\"\n"
      "[[providers]]\nname = \"home\"\nkind = \"ollama\"\nbase_url = \"http://127.0.0.1:11434\"\n");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->port, 9000);
  ASSERT_EQ(c->providers.size(), 2u);
  EXPECT_EQ(c->providers[0].name, "gpu");
  EXPECT_EQ(c->providers[0].base_urls.size(), 2u);
  EXPECT_EQ(c->providers[0].breaker_failures, 3);
  EXPECT_EQ(c->providers[0].api_key, "token");
  EXPECT_EQ(c->providers[1].kind, providers::ProviderKind::Ollama);
  EXPECT_EQ(c->providers[1].max_retries, 2);  // the default
}

TEST(ServerProvidersConfig, RefusesBadTablesNamingTheKey) {
  auto unknown = load_toml("[[providers]]\nname = \"a\"\nbase_urls = [\"http://x\"]\ncolour = \"red\"\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("colour"), std::string::npos) << unknown.error();
  auto twice = load_toml("[[providers]]\nname = \"a\"\nbase_urls = [\"http://x\"]\n[[providers]]\nname = \"a\"\nbase_urls = [\"http://y\"]\n");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().find("two providers"), std::string::npos) << twice.error();
  auto range = load_toml("[[providers]]\nname = \"a\"\nbase_urls = [\"http://x\"]\nmax_retries = 99\n");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().find("providers[0]"), std::string::npos) << range.error();
  EXPECT_FALSE(load_toml("providers = \"x\"\n"));
}

}  // namespace
}  // namespace pg::server
