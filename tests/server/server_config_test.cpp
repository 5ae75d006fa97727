// Configuration of `playground serve`: defaults, the precedence flags > env >
// .env > TOML > defaults, and errors that name the source and the key.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>

#include "server/app_names.h"
#include "app/dotenv.h"
#include "app/server_config.h"
#include "test_process.h"

namespace pg::server {
namespace {

using EnvMap = std::map<std::string, std::string>;

std::function<std::optional<std::string>(const std::string&)> fake_env(EnvMap env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

class ServerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = pg::test::temp_dir("pg_server_config") / ::testing::UnitTest::GetInstance()->current_test_info()->name(); std::filesystem::create_directories(dir_); }
  void TearDown() override { pg::test::cleanup(dir_.parent_path()); }
  ConfigInputs inputs(EnvMap env) {
    ConfigInputs in;
    in.env_file = (dir_ / ".env").string();
    in.getenv = fake_env(std::move(env));
    return in;
  }
  std::filesystem::path dir_;
};

// Where pulls and searches go comes from the injected environment only
// (HF_ENDPOINT, HF_TOKEN, PLAYGROUND_OLLAMA_REGISTRY), never from the process's.
TEST_F(ServerConfigTest, SourceEndpointsComeFromTheInjectedEnvironment) {
  auto plain = load_server_config(inputs({{"HOME", "/home/u"}}));
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->endpoints.hf_endpoint, "https://huggingface.co");
  EXPECT_EQ(plain->endpoints.ollama_registry, "https://registry.ollama.ai");
  EXPECT_EQ(plain->endpoints.hf_token, "");
  auto c = load_server_config(inputs({{"HOME", "/home/u"},
                                      {"HF_ENDPOINT", "http://127.0.0.1:9/hub/"},
                                      {"HF_TOKEN", "hf_abc"},
                                      {"PLAYGROUND_OLLAMA_REGISTRY", "http://127.0.0.1:9/reg"}}));
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->endpoints.hf_endpoint, "http://127.0.0.1:9/hub");
  EXPECT_EQ(c->endpoints.hf_token, "hf_abc");
  EXPECT_EQ(c->endpoints.ollama_registry, "http://127.0.0.1:9/reg");
}

TEST_F(ServerConfigTest, DefaultsFollowTheDocumentedTable) {
  auto c = load_server_config(inputs({{"XDG_DATA_HOME", "/xdg/data"}, {"HOME", "/home/u"}}));
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->slots, 4);
  EXPECT_EQ(c->queue_size, 16);
  EXPECT_EQ(c->log_format, "text");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_TRUE(c->cors_origins.empty());
  EXPECT_EQ(c->data_dir, "/xdg/data/playground");
  EXPECT_EQ(c->models_dir, "/xdg/data/playground/models");
  EXPECT_EQ(c->config_file, "");
  for (const ConfigKey& k : config_keys()) EXPECT_EQ(c->sources.at(k.name), "default") << k.name;

  auto home_only = load_server_config(inputs({{"HOME", "/home/u"}}));
  ASSERT_TRUE(home_only);
  EXPECT_EQ(home_only->data_dir, "/home/u/.local/share/playground");
}

TEST_F(ServerConfigTest, FlagsBeatEnvBeatDotenvBeatToml) {
  const auto toml = dir_ / "config.toml";
  write_file(toml,
             "port = 1111\nslots = 2\nqueue_size = 5\nlog_format = \"json\"\n"
             "cors_origins = [\"http://a.example\", \"http://b.example\"]\n");
  write_file(dir_ / ".env", "# comment\nPLAYGROUND_PORT=2222\nexport PLAYGROUND_SLOTS=3\nPLAYGROUND_QUEUE_SIZE='6'\n");
  ConfigInputs in = inputs({{"PLAYGROUND_PORT", "3333"}, {"PLAYGROUND_SLOTS", "7"}});
  in.config_file = toml.string();
  in.flags = {{"port", "4444"}};
  auto c = load_server_config(in);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->port, 4444);  // flag over env, .env and TOML
  EXPECT_EQ(c->sources["port"], "flag");
  EXPECT_EQ(c->slots, 7);  // env over .env and TOML
  EXPECT_EQ(c->sources["slots"], "env");
  EXPECT_EQ(c->queue_size, 6);  // .env over TOML
  EXPECT_EQ(c->sources["queue_size"], ".env");
  EXPECT_EQ(c->log_format, "json");  // TOML over the default
  EXPECT_EQ(c->sources["log_format"], "toml");
  EXPECT_EQ(c->cors_origins, (std::vector<std::string>{"http://a.example", "http://b.example"}));
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->sources["host"], "default");
  EXPECT_EQ(c->config_file, toml.string());
}

TEST_F(ServerConfigTest, ConfigFileComesFromEnvOrDotenvOrXdg) {
  const auto xdg = dir_ / "xdg";
  std::filesystem::create_directories(xdg / "playground");
  write_file(xdg / "playground/config.toml", "slots = 9\n");
  auto from_xdg = load_server_config(inputs({{"XDG_CONFIG_HOME", xdg.string()}}));
  ASSERT_TRUE(from_xdg) << from_xdg.error();
  EXPECT_EQ(from_xdg->slots, 9);

  write_file(dir_ / "other.toml", "slots = 11\n");
  write_file(dir_ / ".env", "PLAYGROUND_CONFIG=" + (dir_ / "other.toml").string() + "\n");
  auto from_dotenv = load_server_config(inputs({{"XDG_CONFIG_HOME", xdg.string()}}));
  ASSERT_TRUE(from_dotenv) << from_dotenv.error();
  EXPECT_EQ(from_dotenv->slots, 11);
}

TEST_F(ServerConfigTest, BadValuesNameTheirSourceAndKey) {
  auto env_bad = load_server_config(inputs({{"PLAYGROUND_PORT", "eighty"}}));
  ASSERT_FALSE(env_bad);
  EXPECT_NE(env_bad.error().find("PLAYGROUND_PORT"), std::string::npos) << env_bad.error();
  EXPECT_NE(env_bad.error().find("eighty"), std::string::npos) << env_bad.error();

  ConfigInputs flags = inputs({});
  flags.flags = {{"slots", "0"}};
  auto flag_bad = load_server_config(flags);
  ASSERT_FALSE(flag_bad);
  EXPECT_NE(flag_bad.error().find("--slots"), std::string::npos) << flag_bad.error();

  auto choice_bad = load_server_config(inputs({{"PLAYGROUND_LOG_FORMAT", "xml"}}));
  ASSERT_FALSE(choice_bad);
  EXPECT_NE(choice_bad.error().find("text, json"), std::string::npos) << choice_bad.error();

  write_file(dir_ / "typo.toml", "prot = 80\n");
  ConfigInputs typo = inputs({});
  typo.config_file = (dir_ / "typo.toml").string();
  auto typo_bad = load_server_config(typo);
  ASSERT_FALSE(typo_bad);
  EXPECT_NE(typo_bad.error().find("unknown key 'prot'"), std::string::npos) << typo_bad.error();

  write_file(dir_ / "syntax.toml", "port = 80\nslots = = 2\n");
  ConfigInputs syntax = inputs({});
  syntax.config_file = (dir_ / "syntax.toml").string();
  auto syntax_bad = load_server_config(syntax);
  ASSERT_FALSE(syntax_bad);
  EXPECT_NE(syntax_bad.error().find("line 2"), std::string::npos) << syntax_bad.error();

  write_file(dir_ / "type.toml", "port = \"x\"\n");
  ConfigInputs type = inputs({});
  type.config_file = (dir_ / "type.toml").string();
  auto type_bad = load_server_config(type);
  ASSERT_FALSE(type_bad);
  EXPECT_NE(type_bad.error().find("key port"), std::string::npos) << type_bad.error();

  ConfigInputs missing = inputs({});
  missing.config_file = (dir_ / "absent.toml").string();
  auto missing_bad = load_server_config(missing);
  ASSERT_FALSE(missing_bad);
  EXPECT_NE(missing_bad.error().find("absent.toml"), std::string::npos);

  write_file(dir_ / ".env", "PLAYGROUND_PORT=1\nthis line is wrong\n");
  auto dotenv_bad = load_server_config(inputs({}));
  ASSERT_FALSE(dotenv_bad);
  EXPECT_NE(dotenv_bad.error().find("line 2"), std::string::npos) << dotenv_bad.error();
}

// cache_type_k / cache_type_v: f16 by default, any layer sets them (names in
// any case), a name that is no type stops with the source and the valid names.
TEST_F(ServerConfigTest, CacheTypesComeFromEveryLayerAndBadNamesListTheValidOnes) {
  auto defaults = load_server_config(inputs({}));
  ASSERT_TRUE(defaults) << defaults.error();
  EXPECT_EQ(defaults->cache_types.k, KvCacheType::F16);
  EXPECT_EQ(defaults->cache_types.v, KvCacheType::F16);

  write_file(dir_ / "kv.toml", "cache_type_k = \"q4_0\"\ncache_type_v = \"q4_0\"\n");
  ConfigInputs layered = inputs({{"PLAYGROUND_CACHE_TYPE_K", "Q8_0"}});
  layered.config_file = (dir_ / "kv.toml").string();
  auto c = load_server_config(layered);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->cache_types.k, KvCacheType::Q8_0);  // env over TOML
  EXPECT_EQ(c->cache_types.v, KvCacheType::Q4_0);
  EXPECT_EQ(c->sources.at("cache_type_k"), "env");
  layered.flags = {{"cache_type_k", "f32"}};
  EXPECT_EQ(load_server_config(layered)->cache_types.k, KvCacheType::F32);

  auto bad = load_server_config(inputs({{"PLAYGROUND_CACHE_TYPE_V", "q5_1"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("PLAYGROUND_CACHE_TYPE_V"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("'q5_1'"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("f16, f32, q8_0, q4_0"), std::string::npos) << bad.error();
}

TEST(ServerDotenv, ParsesQuotesCommentsAndExport) {
  auto env = parse_dotenv(
      "A=plain value # comment\n"
      "export B=\"two\\nlines \\\"quoted\\\"\"\n"
      "C='single $literal # not a comment'\n"
      "\n# full comment\n"
      "D=\n"
      "A=override\r\n");
  ASSERT_TRUE(env) << env.error();
  EXPECT_EQ(env->at("A"), "override");
  EXPECT_EQ(env->at("B"), "two\nlines \"quoted\"");
  EXPECT_EQ(env->at("C"), "single $literal # not a comment");
  EXPECT_EQ(env->at("D"), "");
  EXPECT_EQ(env->size(), 4u);

  auto unterminated = parse_dotenv("X=\"open\n");
  ASSERT_FALSE(unterminated);
  EXPECT_NE(unterminated.error().find("line 1"), std::string::npos);
  EXPECT_FALSE(parse_dotenv("1BAD=x\n"));
}

}  // namespace
}  // namespace pg::server
