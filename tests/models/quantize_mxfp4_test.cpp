// playground quantize with MXFP4_MOE (llama.cpp's LLAMA_FTYPE_MOSTLY_MXFP4_MOE,
// 38): quantizing gpt-oss-F16 reproduces, tensor for tensor (type, dims,
// bytes, the Q8_0 ones too) and then byte for byte, the file llama-quantize
// made from it; the recipe
// gives MXFP4 to the stacked expert tensors only, Q8_0 to every other matrix
// (token_embd and output included) and keeps norms, router and biases; an
// expert row length that is not a multiple of 32 fails with a clear error.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "models/quant_recipe.h"
#include "models/quantize.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;

std::string arch_file(const std::string& name) { return test::shared_path("testdata/arch/" + name); }

TEST(QuantizeMxfp4Moe, GptOssMatchesLlamaCppTensorForTensor) {
  PG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("pg_quantize_mxfp4");
  fs::create_directories(dir);
  const fs::path out = dir / "gpt-oss-MXFP4_MOE.gguf";
  QuantizeOptions opts;
  opts.threads = 2;
  auto r = quantize_model(arch_file("gpt-oss-F16.gguf"), out.string(), "MXFP4_MOE", opts);
  ASSERT_TRUE(r) << r.error();
  auto ours = gguf::GgufFile::open(out.string());
  auto ref = gguf::GgufFile::open(arch_file("gpt-oss-MXFP4_MOE.gguf"));
  ASSERT_TRUE(ours) << ours.error();
  ASSERT_TRUE(ref) << ref.error();
  ASSERT_EQ((*ours)->tensors().size(), (*ref)->tensors().size());
  int mxfp4 = 0, q8_0 = 0;
  for (size_t i = 0; i < (*ref)->tensors().size(); ++i) {
    const gguf::TensorInfo& want = (*ref)->tensors()[i];
    const gguf::TensorInfo& got = (*ours)->tensors()[i];
    ASSERT_EQ(got.name, want.name) << "tensor order differs at " << i;
    EXPECT_EQ(ggml_type_name(got.type), ggml_type_name(want.type)) << want.name;
    EXPECT_EQ(got.dims, want.dims) << want.name;
    ASSERT_EQ(got.n_bytes, want.n_bytes) << want.name;
    EXPECT_EQ(std::memcmp(got.data, want.data, want.n_bytes), 0) << want.name << ": bytes differ";
    mxfp4 += want.type == GgmlType::MXFP4;
    q8_0 += want.type == GgmlType::Q8_0;
  }
  EXPECT_EQ(mxfp4, 6) << "2 layers x ffn_{gate,up,down}_exps";
  EXPECT_GT(q8_0, 0);
  EXPECT_EQ((*ours)->get_int("general.file_type"), (*ref)->get_int("general.file_type"));
  EXPECT_EQ((*ours)->get_int("general.file_type"), 38);
  // Metadata is copied in llama-quantize's order, so the whole file is identical.
  EXPECT_TRUE(test::slurp(out) == test::slurp(arch_file("gpt-oss-MXFP4_MOE.gguf")))
      << "file bytes differ from llama.cpp's gpt-oss-MXFP4_MOE.gguf";
  EXPECT_EQ(r->output_bytes, fs::file_size(out));
  test::cleanup(dir);
}

TEST(QuantizeMxfp4Moe, ThreadCountDoesNotChangeBytes) {
  PG_REQUIRE_SHARED();
  const fs::path dir = test::temp_dir("pg_quantize_mxfp4_threads");
  fs::create_directories(dir);
  QuantizeOptions one, three;
  one.threads = 1;
  three.threads = 3;
  ASSERT_TRUE(quantize_model(arch_file("gpt-oss-F16.gguf"), (dir / "a.gguf").string(), "MXFP4_MOE", one));
  ASSERT_TRUE(quantize_model(arch_file("gpt-oss-F16.gguf"), (dir / "b.gguf").string(), "MXFP4_MOE", three));
  EXPECT_TRUE(test::slurp(dir / "a.gguf") == test::slurp(dir / "b.gguf"));
  test::cleanup(dir);
}

// A gpt-oss-like layer: attention with biases and sinks, a router, stacked experts.
std::vector<RecipeTensor> moe_like(bool output, uint64_t expert_rows = 2880) {
  std::vector<RecipeTensor> t;
  if (output) t.push_back({"output.weight", GgmlType::F16, {2880, 201088}});
  t.push_back({"output_norm.weight", GgmlType::F32, {2880}});
  t.push_back({"token_embd.weight", GgmlType::F16, {2880, 201088}});
  const std::string b = "blk.0.";
  t.push_back({b + "attn_k.weight", GgmlType::F16, {2880, 512}});
  t.push_back({b + "attn_k.bias", GgmlType::F32, {512}});
  t.push_back({b + "attn_norm.weight", GgmlType::F32, {2880}});
  t.push_back({b + "attn_output.weight", GgmlType::F16, {4096, 2880}});
  t.push_back({b + "attn_q.weight", GgmlType::F16, {2880, 4096}});
  t.push_back({b + "attn_sinks.weight", GgmlType::F32, {64}});
  t.push_back({b + "attn_v.weight", GgmlType::F16, {2880, 512}});
  t.push_back({b + "ffn_down_exps.bias", GgmlType::F32, {2880, 32}});
  t.push_back({b + "ffn_down_exps.weight", GgmlType::F16, {expert_rows, 2880, 32}});
  t.push_back({b + "ffn_gate_exps.weight", GgmlType::F16, {2880, expert_rows, 32}});
  t.push_back({b + "ffn_gate_inp.weight", GgmlType::F32, {2880, 32}});
  t.push_back({b + "ffn_up_exps.weight", GgmlType::F16, {2880, expert_rows, 32}});
  t.push_back({b + "post_attention_norm.weight", GgmlType::F32, {2880}});
  return t;
}

GgmlType type_of(const std::vector<RecipeTensor>& t, const TensorPlan& p, const std::string& name) {
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].name == name) return p.types[i];
  ADD_FAILURE() << "no tensor " << name;
  return GgmlType::F32;
}

TEST(QuantizeMxfp4Moe, RecipeGivesExpertsMxfp4AndEveryOtherMatrixQ8_0) {
  const RecipeModel model{"gpt-oss", 1, 64, 8, 32};
  for (bool output : {true, false}) {
    SCOPED_TRACE(output ? "separate output" : "tied embeddings");
    const auto t = moe_like(output);
    auto plan = plan_tensor_types(*find_quant_file_type("MXFP4_MOE"), model, t);
    ASSERT_TRUE(plan) << plan.error();
    if (output) {
      EXPECT_EQ(type_of(t, *plan, "output.weight"), GgmlType::Q8_0);
    }
    EXPECT_EQ(type_of(t, *plan, "token_embd.weight"), GgmlType::Q8_0);
    for (const char* name : {"blk.0.attn_k.weight", "blk.0.attn_q.weight", "blk.0.attn_v.weight",
                             "blk.0.attn_output.weight"}) {
      EXPECT_EQ(type_of(t, *plan, name), GgmlType::Q8_0) << name;
    }
    for (const char* name : {"blk.0.ffn_down_exps.weight", "blk.0.ffn_gate_exps.weight", "blk.0.ffn_up_exps.weight"}) {
      EXPECT_EQ(type_of(t, *plan, name), GgmlType::MXFP4) << name;
    }
    // Kept: norms, the router, 1-D tensors and biases (names not ending in "weight").
    EXPECT_EQ(type_of(t, *plan, "blk.0.ffn_gate_inp.weight"), GgmlType::F32);
    EXPECT_EQ(type_of(t, *plan, "blk.0.ffn_down_exps.bias"), GgmlType::F32);
    EXPECT_EQ(type_of(t, *plan, "blk.0.attn_sinks.weight"), GgmlType::F32);
    EXPECT_EQ(type_of(t, *plan, "output_norm.weight"), GgmlType::F32);
    EXPECT_EQ(plan->n_fallback, 0);
  }
}

TEST(QuantizeMxfp4Moe, OnlyStackedTensorsGetMxfp4) {
  // A dense model: no third dimension, so nothing is MXFP4 (llama.cpp: ne[2] > 1).
  std::vector<RecipeTensor> dense = {{"blk.0.ffn_up.weight", GgmlType::F16, {256, 512}},
                                     {"blk.0.ffn_up_exps.weight", GgmlType::F16, {256, 512, 1}}};
  auto plan = plan_tensor_types(*find_quant_file_type("MXFP4_MOE"), {"llama", 1, 8, 8, 0}, dense);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->types[0], GgmlType::Q8_0);
  EXPECT_EQ(plan->types[1], GgmlType::Q8_0);
  // bailingmoe3: 3-D tensors other than FFN experts (its MLA projections) stay Q8_0.
  std::vector<RecipeTensor> bailing = {{"blk.0.attn_k_b.weight", GgmlType::F16, {128, 512, 16}},
                                       {"blk.0.ffn_down_exps.weight", GgmlType::F16, {1024, 256, 16}}};
  auto bplan = plan_tensor_types(*find_quant_file_type("MXFP4_MOE"), {"bailingmoe3", 1, 16, 16, 16}, bailing);
  ASSERT_TRUE(bplan) << bplan.error();
  EXPECT_EQ(bplan->types[0], GgmlType::Q8_0);
  EXPECT_EQ(bplan->types[1], GgmlType::MXFP4);
  auto oplan = plan_tensor_types(*find_quant_file_type("MXFP4_MOE"), {"deepseek2", 1, 16, 16, 16}, bailing);
  ASSERT_TRUE(oplan) << oplan.error();
  EXPECT_EQ(oplan->types[0], GgmlType::MXFP4) << "other architectures: every stacked tensor";
}

TEST(QuantizeMxfp4Moe, ExpertRowLengthNotAMultipleOf32IsRefused) {
  const auto t = moe_like(true, 2888);  // ffn_down_exps rows of 2888 = 90.25 blocks
  auto plan = plan_tensor_types(*find_quant_file_type("MXFP4_MOE"), {"gpt-oss", 1, 64, 8, 32}, t);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().find("tensor 'blk.0.ffn_down_exps.weight': row length 2888 is not a multiple of the "
                              "block size of MXFP4 and that type has no fallback"),
            std::string::npos)
      << plan.error();
}

}  // namespace
}  // namespace pg
