// The models directory catalogue: metadata from the header, sha256 computed
// once and cached, aliases, the default, partial downloads never listed,
// incomplete split sets hidden, remove; and the budget/keep-alive parsers.
#include <gtest/gtest.h>

#include <filesystem>

#include "util/sha256.h"
#include "model_bytes.h"
#include "models/memory_estimate.h"
#include "models/registry.h"
#include "server/auth/crypto.h"
#include "test_process.h"

namespace pg::models {
namespace {
namespace fs = std::filesystem;

class ModelsRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir(std::string("pg_models_reg_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { test::cleanup(dir_); }
  fs::path dir_;
};

TEST_F(ModelsRegistry, ListsMetadataAndCachesTheDigest) {
  const std::string& bytes = test::synthetic_gguf();
  test::write_file(dir_ / "tiny.gguf", bytes);
  test::write_file(dir_ / ".partial" / "other.gguf.part", bytes.substr(0, 1000));
  test::write_file(dir_ / "notes.txt", "not a model");
  test::write_file(dir_ / "half-00001-of-00002.gguf", bytes);  // its second part is missing
  ModelRegistry reg(dir_.string());
  auto list = reg.list(true);
  ASSERT_EQ(list.size(), 1u);
  const RegistryEntry& e = list[0];
  EXPECT_EQ(e.name, "tiny");
  EXPECT_EQ(e.architecture, "llama");
  EXPECT_GT(e.parameters, 100000u);
  EXPECT_EQ(e.quantization, "F16");
  EXPECT_EQ(e.context_length, 512);
  EXPECT_EQ(e.size_bytes, bytes.size());
  EXPECT_EQ(e.sha256, sha256_hex(bytes));
  // Cached: a later list without computing still knows it...
  EXPECT_EQ(reg.list(false)[0].sha256, e.sha256);
  // ...until the file changes (size or mtime).
  test::write_file(dir_ / "tiny.gguf", test::synthetic_gguf(256, 2, 9));
  fs::last_write_time(dir_ / "tiny.gguf", fs::file_time_type::clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(reg.list(false)[0].sha256, "");
}

TEST_F(ModelsRegistry, AliasesDefaultAndRemove) {
  test::write_file(dir_ / "mistral-7b-instruct.Q4_K_M.gguf", test::synthetic_gguf());
  test::write_file(dir_ / "other.gguf", test::synthetic_gguf());
  ModelRegistry reg(dir_.string());
  ASSERT_TRUE(reg.set_alias("mistral:7b-instruct-q4_K_M", "mistral-7b-instruct.Q4_K_M"));
  ASSERT_TRUE(reg.set_alias("mistral:latest", "mistral-7b-instruct.Q4_K_M"));
  EXPECT_FALSE(reg.set_alias("has space", "other"));
  EXPECT_EQ(reg.resolve("mistral:7b-instruct-q4_K_M").value_or(""), "mistral-7b-instruct.Q4_K_M");
  EXPECT_EQ(reg.resolve("mistral").value_or(""), "mistral-7b-instruct.Q4_K_M");  // NAME means NAME:latest
  EXPECT_EQ(reg.resolve("other:latest").value_or(""), "other");
  EXPECT_FALSE(reg.resolve("missing"));
  EXPECT_FALSE(reg.resolve("../other"));
  ASSERT_TRUE(reg.set_default("mistral"));
  EXPECT_EQ(reg.default_name(), "mistral-7b-instruct.Q4_K_M");
  EXPECT_FALSE(reg.set_default("missing"));
  auto removed = reg.remove("mistral:latest");
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_EQ(removed->size(), 1u);
  EXPECT_FALSE(fs::exists(dir_ / "mistral-7b-instruct.Q4_K_M.gguf"));
  EXPECT_FALSE(reg.resolve("mistral:7b-instruct-q4_K_M"));
  EXPECT_EQ(reg.default_name(), "");
  ASSERT_EQ(reg.list().size(), 1u);
  EXPECT_FALSE(reg.remove("mistral"));
}

TEST_F(ModelsRegistry, SplitNamesParse) {
  auto p = parse_split_name("model-Q4_K_M-00002-of-00003");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->base, "model-Q4_K_M");
  EXPECT_EQ(p->index, 2);
  EXPECT_EQ(p->count, 3);
  EXPECT_FALSE(parse_split_name("model-00004-of-00003"));
  EXPECT_FALSE(parse_split_name("model"));
}

TEST(ModelsSettings, KeepAliveFollowsOllama) {
  EXPECT_DOUBLE_EQ(*parse_keep_alive("5m"), 300);
  EXPECT_DOUBLE_EQ(*parse_keep_alive("1h30m"), 5400);
  EXPECT_DOUBLE_EQ(*parse_keep_alive("30"), 30);
  EXPECT_DOUBLE_EQ(*parse_keep_alive("0"), 0);
  EXPECT_LT(*parse_keep_alive("-1"), 0);
  EXPECT_LT(*parse_keep_alive("-1m"), 0);
  EXPECT_FALSE(parse_keep_alive("soon"));
  EXPECT_FALSE(parse_keep_alive("5y"));
}

TEST(ModelsSettings, MemoryBudgetUnits) {
  EXPECT_EQ(*parse_memory_budget("512MiB"), 512ull << 20);
  EXPECT_EQ(*parse_memory_budget("8GB"), 8000000000ull);
  EXPECT_EQ(*parse_memory_budget("1000"), 1000u);
  EXPECT_NEAR(static_cast<double>(*parse_memory_budget("50%")), physical_memory_bytes() / 2.0, 4096.0);
  EXPECT_EQ(*parse_memory_budget("auto"), physical_memory_bytes() / 4 * 3);
  EXPECT_FALSE(parse_memory_budget("lots"));
  EXPECT_FALSE(parse_memory_budget("8 parsecs"));
  EXPECT_FALSE(parse_memory_budget("150%"));
}

TEST(ModelsEstimate, WeightsAndKvCacheFromTheHeader) {
  const fs::path dir = test::temp_dir("pg_models_estimate");
  test::write_file(dir / "m.gguf", test::synthetic_gguf());
  auto e = estimate_model_memory((dir / "m.gguf").string(), 0, 4);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->context, 512);  // the training context (under 4096)
  // 2 (K,V) x 2 bytes x 2 layers x 512 positions x 256 (4 kv heads x 64) x 4 slots
  EXPECT_EQ(e->kv_cache, 2ull * 2 * 2 * 512 * 256 * 4);
  EXPECT_GT(e->weights, test::synthetic_gguf().size() * 9 / 10);
  EXPECT_LE(e->weights, test::synthetic_gguf().size());
  auto e1 = estimate_model_memory((dir / "m.gguf").string(), 128, 1);
  EXPECT_EQ(e1->kv_cache, 2ull * 2 * 2 * 128 * 256);
  test::cleanup(dir);
}

// A sliding-window model's estimate counts what its sessions allocate: the
// window plus a prompt step on sliding layers, the context on the others.
TEST(ModelsEstimate, SlidingLayersCountTheirRingsNotTheContext) {
  PG_REQUIRE_SHARED();
  const std::string path = test::shared_path("testdata/arch/gemma3-F16.gguf");
  auto e = estimate_model_memory(path, 4096, 2, 64);
  ASSERT_TRUE(e) << e.error();
  // gemma3-F16: 6 layers, 5 sliding (window 8), KV width 2 heads x 64.
  EXPECT_EQ(e->kv_cache, 2ull * 2 * (1 * 4096 + 5 * (8 + 64)) * 128 * 2);
  auto qwen = estimate_model_memory(test::shared_path("testdata/arch/qwen3-F16.gguf"), 4096, 2, 64);
  ASSERT_TRUE(qwen) << qwen.error();
  EXPECT_EQ(qwen->kv_cache, 2ull * 2 * 2 * 4096 * 128 * 2);  // 2 layers, all full
}

}  // namespace
}  // namespace pg::models
