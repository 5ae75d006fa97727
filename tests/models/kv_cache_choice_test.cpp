// The KV cache type choice (models/kv_cache_choice.h) and the memory estimate
// in those types: names in any case with the valid ones listed otherwise, the
// head-size check of keys and values, and KV bytes of q8_0 34/64 and q4_0
// 18/64 of f16's (f32 twice) for a model whose heads have 64 values.
#include <gtest/gtest.h>

#include <filesystem>

#include "model_bytes.h"
#include "models/kv_cache_choice.h"
#include "models/memory_estimate.h"
#include "test_process.h"

namespace pg::models {
namespace {
namespace fs = std::filesystem;

TEST(ModelsKvCacheChoice, NamesParseInAnyCaseAndOthersListTheValidOnes) {
  EXPECT_EQ(*parse_kv_cache_type("q8_0", "x"), KvCacheType::Q8_0);
  EXPECT_EQ(*parse_kv_cache_type("Q4_0", "x"), KvCacheType::Q4_0);
  EXPECT_EQ(*parse_kv_cache_type("F32", "x"), KvCacheType::F32);
  auto bad = parse_kv_cache_type("q4_1", "--cache-type-v");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().reason(), "invalid_cache_type");
  EXPECT_EQ(bad.error(), "'--cache-type-v' is 'q4_1', expected one of f16, f32, q8_0, q4_0");
}

TEST(ModelsKvCacheChoice, QuantizedTypesNeedHeadsOfAMultipleOf32) {
  EXPECT_TRUE(check_kv_cache_types({KvCacheType::Q8_0, KvCacheType::Q4_0}, 64));
  EXPECT_TRUE(check_kv_cache_types({KvCacheType::F32, KvCacheType::F16}, 8));
  const Status k = check_kv_cache_types({KvCacheType::Q8_0, KvCacheType::F16}, 48);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(k.reason(), "invalid_cache_type");
  EXPECT_EQ(k.message().rfind("cache_type_k: ", 0), 0u) << k.message();
  EXPECT_NE(k.message().find("48 values"), std::string::npos) << k.message();
  const Status v = check_kv_cache_types({KvCacheType::F16, KvCacheType::Q4_0}, 8);
  EXPECT_EQ(v.message().rfind("cache_type_v: ", 0), 0u) << v.message();
}

TEST(ModelsKvCacheChoice, TheEstimateCountsKvBytesInTheCacheTypes) {
  const fs::path dir = test::temp_dir("pg_models_kv_estimate");
  test::write_file(dir / "m.gguf", test::synthetic_gguf());  // 2 layers, 4 KV heads of 64 values
  const std::string path = (dir / "m.gguf").string();
  auto f16 = estimate_model_memory(path, 512, 4);
  auto q8 = estimate_model_memory(path, 512, 4, 256, {KvCacheType::Q8_0, KvCacheType::Q8_0});
  auto q4 = estimate_model_memory(path, 512, 4, 256, {KvCacheType::Q4_0, KvCacheType::Q4_0});
  auto f32_q8 = estimate_model_memory(path, 512, 4, 256, {KvCacheType::F32, KvCacheType::Q8_0});
  ASSERT_TRUE(f16 && q8 && q4 && f32_q8);
  EXPECT_EQ(f16->head_dim, 64);
  EXPECT_EQ(f16->kv_cache, 2ull * 2 * 2 * 512 * 256 * 4);  // unchanged: 2 bytes a value
  EXPECT_EQ(q8->kv_cache * 64, f16->kv_cache * 34);         // 34 bytes per 32 values
  EXPECT_EQ(q4->kv_cache * 64, f16->kv_cache * 18);         // 18 bytes per 32 values
  EXPECT_EQ(f32_q8->kv_cache * 128, f16->kv_cache * (128 + 34));
  EXPECT_EQ(q8->cache_types.k, KvCacheType::Q8_0);
  EXPECT_EQ(q8->weights, f16->weights);
  EXPECT_EQ(q8->required(), f16->required() - f16->kv_cache + q8->kv_cache);
  test::cleanup(dir);
}

}  // namespace
}  // namespace pg::models
