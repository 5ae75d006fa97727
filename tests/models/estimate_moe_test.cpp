// The memory estimate of mixture-of-experts models: total weights stay
// reported, what one token reads (active weights) is counted, and the budget
// decision uses what must stay resident (dense weights + the experts a token
// uses + KV cache + scratch), so a 20-30B MoE file fits a 24 GiB machine while
// a dense model is still counted whole. Reads headers and tensor lists only.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/gguf/gguf.h"
#include "model_bytes.h"
#include "models/memory_estimate.h"
#include "models/synth.h"
#include "test_process.h"

namespace pg::models {
namespace {
namespace fs = std::filesystem;
constexpr uint64_t kGiB = 1ull << 30;

TEST(ModelsEstimate, MoeCountsTheExpertsATokenUses) {
  const fs::path dir = test::temp_dir("pg_estimate_moe");
  fs::create_directories(dir);
  SynthOptions o;
  o.shape = *find_synth_shape("moe-test");
  o.threads = 2;
  ASSERT_TRUE(synthesize_model((dir / "m.gguf").string(), o));
  auto f = gguf::GgufFile::open((dir / "m.gguf").string());
  ASSERT_TRUE(f);
  uint64_t experts = 0, all = 0;
  for (const gguf::TensorInfo& t : (*f)->tensors()) {
    all += t.n_bytes;
    if (t.name.find("_exps.") != std::string::npos) experts += t.n_bytes;
  }
  auto e = estimate_model_memory((dir / "m.gguf").string(), 512, 2);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->n_expert, 8);
  EXPECT_EQ(e->n_expert_used, 2);
  EXPECT_EQ(e->weights, all);
  EXPECT_EQ(e->expert_weights, experts);
  EXPECT_GT(experts, all / 2);  // experts are most of the file
  EXPECT_EQ(e->resident_weights(), all - experts + experts / 4);
  EXPECT_EQ(e->required(), e->resident_weights() + e->kv_cache + e->scratch);
  EXPECT_LT(e->required(), e->total());
  // A token reads one row of the F16 embedding (256 x 2 bytes), not its 1024 rows.
  EXPECT_EQ(e->active_weights, e->resident_weights() - 1024 * 512 + 512);
  test::cleanup(dir);
}

TEST(ModelsEstimate, DenseModelsAreCountedWhole) {
  const fs::path dir = test::temp_dir("pg_estimate_dense");
  test::write_file(dir / "m.gguf", test::synthetic_gguf());
  auto e = estimate_model_memory((dir / "m.gguf").string(), 0, 4);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->n_expert, 0);
  EXPECT_EQ(e->expert_weights, 0u);
  EXPECT_EQ(e->resident_weights(), e->weights);
  EXPECT_EQ(e->required(), e->total());
  EXPECT_LT(e->active_weights, e->weights);  // all but 999 embedding rows
  test::cleanup(dir);
}

// The real shapes' tensor lists as `playground synth --type Q4_K_M` types them.
MemoryEstimate q4_k_m_weights(const std::string& shape_name) {
  const SynthShape s = *find_synth_shape(shape_name);
  auto ftype = find_quant_file_type("Q4_K_M");
  auto specs = synth_typed_specs(*ftype, {s.arch, s.layers, s.heads, s.kv_heads, s.experts}, synth_tensor_specs(s));
  EXPECT_TRUE(specs);
  std::vector<WeightTensor> tensors;
  for (const StreamTensorSpec& t : *specs) {
    uint64_t rows = 1;
    for (size_t d = 1; d < t.dims.size(); ++d) rows *= t.dims[d];
    tensors.push_back({t.name, *ggml_row_bytes(t.type, t.dims[0]) * rows, t.dims});
  }
  MemoryEstimate e;
  e.n_expert = s.experts;
  e.n_expert_used = s.experts_used;
  count_weights(e, tensors);
  return e;
}

// memory_budget auto on a 24 GiB machine is 18 GiB: the Q4_K_M files of
// Qwen3-30B-A3B (17 GiB), gpt-oss-20b and even Mixtral-8x7B (bigger than the
// machine) are admitted with a 4-slot, 4096-token KV cache, because only
// their dense weights and the experts one token uses must stay resident.
TEST(ModelsEstimate, MoeFilesOfTwentyToFortyBillionFitA24GiBMachine) {
  const uint64_t budget = 24 * kGiB / 4 * 3;
  struct Case {
    const char* shape;
    uint64_t kv_per_token;  // K and V, F16, all layers
    double min_gib, max_gib;  // the file's weights
  };
  const Case kCases[] = {
      {"qwen3-30b-a3b", 2ull * 2 * 48 * 4 * 128, 16.5, 18.0},
      {"gpt-oss-20b", 2ull * 2 * 24 * 8 * 64, 13.5, 15.5},  // 2880-wide rows: Q5_0/Q8_0 fallbacks
      {"mixtral-8x7b", 2ull * 2 * 32 * 8 * 128, 24.0, 27.0},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.shape);
    MemoryEstimate e = q4_k_m_weights(c.shape);
    e.kv_cache = c.kv_per_token * 4096 * 4;
    e.scratch = 64ull << 20;
    EXPECT_GT(double(e.weights) / kGiB, c.min_gib);
    EXPECT_LT(double(e.weights) / kGiB, c.max_gib);
    EXPECT_GT(e.expert_weights, e.weights * 9 / 10);
    EXPECT_LT(e.required(), budget) << format_bytes(e.required());
    EXPECT_LT(e.active_weights, e.weights / 3);
    if (std::string(c.shape) == "qwen3-30b-a3b") {
      EXPECT_GT(e.total(), budget);  // counted whole, it would be refused
    }
  }
  // Qwen3-30B-A3B: a token reads about 2 GiB (attention, routers, output, 8 of 128 experts).
  const MemoryEstimate q = q4_k_m_weights("qwen3-30b-a3b");
  EXPECT_GT(double(q.active_weights) / kGiB, 1.2);
  EXPECT_LT(double(q.active_weights) / kGiB, 2.5);
  // A dense model is still counted whole.
  const MemoryEstimate dense = q4_k_m_weights("mistral-small-24b");
  EXPECT_EQ(dense.expert_weights, 0u);
  EXPECT_EQ(dense.required(), dense.weights);
}

// The fit a model view shows: against the budget when there is one, else
// the machine's memory; "without unloading" also counts the other models.
TEST(ModelsEstimate, FitIsAgainstTheBudgetOrThePhysicalMemory) {
  MemoryFit f = fit_in_memory(600, 1000, 300, 1u << 30);
  EXPECT_TRUE(f.from_budget);
  EXPECT_EQ(f.limit, 1000u);
  EXPECT_TRUE(f.fits);
  EXPECT_TRUE(f.fits_now);
  f = fit_in_memory(600, 1000, 401, 1u << 30);
  EXPECT_TRUE(f.fits);
  EXPECT_FALSE(f.fits_now);  // 600 + 401 > 1000
  f = fit_in_memory(1001, 1000, 0, 1u << 30);
  EXPECT_FALSE(f.fits);
  EXPECT_FALSE(f.fits_now);
  f = fit_in_memory(5000, 0, 3001, 8000);  // no budget: physical memory
  EXPECT_FALSE(f.from_budget);
  EXPECT_EQ(f.limit, 8000u);
  EXPECT_TRUE(f.fits);
  EXPECT_FALSE(f.fits_now);
  // Huge "others" never wrap around.
  f = fit_in_memory(10, 100, UINT64_MAX, 0);
  EXPECT_FALSE(f.fits_now);
}

}  // namespace
}  // namespace pg::models
