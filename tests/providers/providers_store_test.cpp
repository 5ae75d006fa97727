// Stored providers (the settings table) on both engines: a real SQLite file and
// a database on the tests' PostgreSQL server. Keys are sealed and open only with
// the same server secret; saving again replaces; a second connection (another
// instance) sees what the first stored; removing is seen by both.
#include <gtest/gtest.h>

#include <filesystem>

#include <sodium.h>

#include "../store/pg_test_server.h"
#include "providers/provider_store.h"
#include "store/data_dir.h"
#include "store/database.h"
#include "test_process.h"

namespace pg::providers {
namespace {

namespace fs = std::filesystem;

class ProvidersStore : public ::testing::TestWithParam<store::Dialect> {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = test::temp_dir("pg_providers_store") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    if (GetParam() == store::Dialect::Postgres) {
      PG_REQUIRE_POSTGRES(url);
      database_ = url;
    }
  }
  void TearDown() override { test::cleanup(dir_); }
  // One connection, as one instance of the server holds.
  std::unique_ptr<store::Database> open() {
    auto db = store::open_store(dir_.string(), database_);
    EXPECT_TRUE(db) << db.error();
    return db ? std::move(*db) : nullptr;
  }
  fs::path dir_;
  std::string database_;  // "" (SQLite in dir_) or the PostgreSQL URL
};

ProviderConfig provider(const std::string& name, const std::string& url, const std::string& key) {
  ProviderConfig c;
  c.name = name;
  c.base_urls = {url};
  c.api_key = key;
  return c;
}

TEST_P(ProvidersStore, KeysAreSealedAndOpenOnlyWithTheSameSecret) {
  auto db = open();
  ASSERT_TRUE(db);
  ProviderStore s(*db, std::string(48, 'k'));
  ASSERT_TRUE(s.save(provider("vllm", "http://127.0.0.1:8000", "sk-very-secret-key")));
  // Nothing in the database holds the key in clear.
  auto st = db->prepare("SELECT value FROM settings WHERE key = 'provider:vllm'");
  ASSERT_TRUE(st);
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->text(0).find("sk-very-secret-key"), std::string::npos);
  auto loaded = s.load_all();
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].api_key, "sk-very-secret-key");
  ProviderStore other(*db, std::string(48, 'x'));
  auto refused = other.load_all();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("vllm"), std::string::npos) << refused.error();
  EXPECT_FALSE(other.open(s.seal("abc")));
  ASSERT_TRUE(s.remove("vllm"));
  EXPECT_TRUE(s.load_all()->empty());
}

TEST_P(ProvidersStore, TwoInstancesShareSavesReplacementsAndRemovals) {
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  const std::string secret(48, 's');
  ProviderStore a(*first, secret), b(*second, secret);
  ASSERT_TRUE(a.save(provider("gpu-box", "http://10.0.0.2:8000", "k1")));
  ProviderConfig ollama = provider("ollama", "http://10.0.0.3:11434", "");
  ollama.kind = ProviderKind::Ollama;
  ollama.max_retries = 5;
  ASSERT_TRUE(a.save(ollama));
  auto seen = b.load_all();
  ASSERT_TRUE(seen) << seen.error();
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].name, "gpu-box");  // by name
  EXPECT_EQ((*seen)[1].kind, ProviderKind::Ollama);
  EXPECT_EQ((*seen)[1].max_retries, 5);
  EXPECT_EQ((*seen)[1].api_key, "");
  // Saving the same name again replaces it, from either instance.
  ASSERT_TRUE(b.save(provider("gpu-box", "http://10.0.0.9:8000", "k2")));
  seen = a.load_all();
  ASSERT_TRUE(seen) << seen.error();
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].base_urls.at(0), "http://10.0.0.9:8000");
  EXPECT_EQ((*seen)[0].api_key, "k2");
  ASSERT_TRUE(a.remove("ollama"));
  seen = b.load_all();
  ASSERT_TRUE(seen) << seen.error();
  ASSERT_EQ(seen->size(), 1u);
  // Other settings rows are not providers.
  ASSERT_TRUE(first->exec("INSERT INTO settings (key, value) VALUES ('ui:theme', 'dark')"));
  EXPECT_EQ(b.load_all()->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ProvidersStore, ::testing::Values(store::Dialect::Sqlite, store::Dialect::Postgres),
                         [](const auto& info) { return std::string(store::dialect_name(info.param)); });

}  // namespace
}  // namespace pg::providers
