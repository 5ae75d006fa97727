// playground quantize: quantizing tiny256-F16 reproduces, tensor for tensor
// (type, dims, bytes), the files llama.cpp's llama-quantize made from it; the
// output loads and runs; thread count never changes the bytes; the per-tensor
// recipes follow llama.cpp on shapes the test files do not cover; and bad
// requests fail with a clear message and no output file.
#include <gtest/gtest.h>
#include <unistd.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/gguf/gguf.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "models/quant_recipe.h"
#include "models/quantize.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir() { return test::temp_dir("pg_quantize"); }
using test::cleanup;
using test::slurp;

std::string tiny(const std::string& type) { return test::shared_path("testdata/gguf/tiny256-" + type + ".gguf"); }

bool dir_has_leftovers(const fs::path& dir) {
  return fs::exists(dir) && !fs::is_empty(dir);
}

class QuantizeModelMatchesLlamaCpp : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantizeModelMatchesLlamaCpp, EveryTensorHasLlamaCppsTypeDimsAndBytes) {
  PG_REQUIRE_SHARED();
  const std::string type = GetParam();
  const fs::path dir = temp_dir() / type;
  fs::create_directories(dir);
  const fs::path out = dir / "out.gguf";
  QuantizeOptions opts;
  opts.threads = 2;
  auto r = quantize_model(tiny("F16"), out.string(), type, opts);
  ASSERT_TRUE(r) << r.error();
  auto ours = gguf::GgufFile::open(out.string());
  auto ref = gguf::GgufFile::open(tiny(type));
  ASSERT_TRUE(ours) << ours.error();
  ASSERT_TRUE(ref) << ref.error();
  ASSERT_EQ((*ours)->tensors().size(), (*ref)->tensors().size());
  for (size_t i = 0; i < (*ref)->tensors().size(); ++i) {
    const gguf::TensorInfo& want = (*ref)->tensors()[i];
    const gguf::TensorInfo& got = (*ours)->tensors()[i];
    ASSERT_EQ(got.name, want.name) << "tensor order differs at " << i;
    EXPECT_EQ(ggml_type_name(got.type), ggml_type_name(want.type)) << want.name;
    EXPECT_EQ(got.dims, want.dims) << want.name;
    ASSERT_EQ(got.n_bytes, want.n_bytes) << want.name;
    EXPECT_EQ(std::memcmp(got.data, want.data, want.n_bytes), 0) << want.name << ": bytes differ";
  }
  EXPECT_EQ((*ours)->get_int("general.file_type"), (*ref)->get_int("general.file_type"));
  EXPECT_EQ((*ours)->get_int("general.quantization_version"), 2);
  // Metadata is copied in llama-quantize's order, so the whole file is identical.
  EXPECT_TRUE(slurp(out) == slurp(tiny(type))) << "file bytes differ from llama.cpp's tiny256-" << type;
  EXPECT_EQ(r->output_bytes, fs::file_size(out));
  EXPECT_EQ(r->input_bytes, fs::file_size(tiny("F16")));
  cleanup(dir);
}

INSTANTIATE_TEST_SUITE_P(QuantizeModel, QuantizeModelMatchesLlamaCpp,
                         ::testing::Values("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_M",
                                           "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS", "BF16"),
                         [](const auto& info) { return std::string(info.param); });

TEST(QuantizeModel, OutputLoadsAndRunsWithFiniteLogits) {
  PG_REQUIRE_SHARED();
  const fs::path dir = temp_dir() / "run";
  fs::create_directories(dir);
  for (const char* type : {"Q4_K_M", "q3_k_l", "Q4_K_S", "Q5_K_S", "Q3_K_S", "F32", "F16"}) {
    const fs::path out = dir / (std::string(type) + ".gguf");
    auto r = quantize_model(tiny("F16"), out.string(), type);
    ASSERT_TRUE(r) << type << ": " << r.error();
    auto model = LlamaModel::load(out.string());
    ASSERT_TRUE(model) << type << ": " << model.error();
    ThreadPool pool(2);
    InferenceSession session(**model, pool);
    auto ids = (*model)->tokenizer().encode("Once upon a time", true, true);
    ASSERT_TRUE(session.eval(ids).is_ok()) << type;
    auto logits = session.last_logits();
    ASSERT_EQ(logits.size(), 512u);
    float spread = 0;
    for (float v : logits) {
      ASSERT_TRUE(std::isfinite(v)) << type;
      spread = std::max(spread, std::fabs(v));
    }
    EXPECT_GT(spread, 0.0f) << type;
  }
  cleanup(dir);
}

TEST(QuantizeModel, ThreadCountDoesNotChangeBytes) {
  PG_REQUIRE_SHARED();
  const fs::path dir = temp_dir() / "threads";
  fs::create_directories(dir);
  for (const char* type : {"Q4_K_M", "IQ4_NL"}) {
    QuantizeOptions one, three;
    one.threads = 1;
    three.threads = 3;
    ASSERT_TRUE(quantize_model(tiny("F16"), (dir / "a.gguf").string(), type, one));
    ASSERT_TRUE(quantize_model(tiny("F16"), (dir / "b.gguf").string(), type, three));
    EXPECT_TRUE(slurp(dir / "a.gguf") == slurp(dir / "b.gguf")) << type;
  }
  cleanup(dir);
}

TEST(QuantizeModel, BadRequestsFailClearlyWithoutOutput) {
  PG_REQUIRE_SHARED();
  const fs::path dir = temp_dir() / "errors";
  fs::create_directories(dir);
  const fs::path out = dir / "out.gguf";

  auto unknown = quantize_model(tiny("F16"), out.string(), "Q4_K_X");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown quantization type 'Q4_K_X'"), std::string::npos) << unknown.error();
  EXPECT_NE(unknown.error().find("Q4_K_M"), std::string::npos) << "lists the supported types";

  auto missing = quantize_model((dir / "nope.gguf").string(), out.string(), "Q8_0");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("nope.gguf"), std::string::npos) << missing.error();

  auto requant = quantize_model(tiny("Q4_0"), out.string(), "Q8_0");
  ASSERT_FALSE(requant);
  EXPECT_NE(requant.error().find("requantizing from Q6_K is not supported (tensor 'output.weight')"), std::string::npos)
      << requant.error();  // llama.cpp order puts output.weight first

  auto unwritable = quantize_model(tiny("F16"), (dir / "no_such_dir" / "out.gguf").string(), "Q8_0");
  ASSERT_FALSE(unwritable);
  EXPECT_NE(unwritable.error().find("no_such_dir"), std::string::npos) << unwritable.error();

  EXPECT_FALSE(dir_has_leftovers(dir)) << "a failed quantize left files in " << dir;
  cleanup(dir);
}

TEST(QuantizeModel, CliExitsNonZeroOnErrorsAndSummarizesOnSuccess) {
  PG_REQUIRE_SHARED();
  const fs::path dir = temp_dir() / "cli";
  fs::create_directories(dir);
  const std::string out = (dir / "out.gguf").string();
  auto quote = [](const std::string& x) {
    std::string q(1, '\'');
    q.append(x).push_back('\'');
    return q;
  };
  auto run = [&](const std::string& in, const std::string& type_and_flags) {
    std::string cmd = quote(test::binary_path());
    cmd.append(" quantize ").append(quote(in)).append(" ").append(quote(out)).append(" ");
    cmd.append(type_and_flags).append(" >/dev/null 2>&1");
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_NE(run(tiny("F16"), "Q9_9"), 0);
  EXPECT_NE(run(tiny("Q4_0"), "Q8_0"), 0);
  EXPECT_NE(run((dir / "missing.gguf").string(), "Q8_0"), 0);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(run(tiny("F16"), "q4_0 --threads 2"), 0);
  EXPECT_TRUE(slurp(out) == slurp(tiny("Q4_0")));
  cleanup(dir);
}

// Shapes the shared files do not exercise, checked against llama-quantize's
// rules: per-layer mixes on a 32-layer model and block-size fallbacks.
std::vector<RecipeTensor> llama_like(int layers, uint64_t dim, uint64_t kv, uint64_t ffn, bool output) {
  std::vector<RecipeTensor> t;
  if (output) t.push_back({"output.weight", GgmlType::F16, {dim, 32000}});
  t.push_back({"output_norm.weight", GgmlType::F32, {dim}});
  t.push_back({"token_embd.weight", GgmlType::F16, {dim, 32000}});
  for (int l = 0; l < layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    t.push_back({b + "attn_k.weight", GgmlType::F16, {dim, kv}});
    t.push_back({b + "attn_norm.weight", GgmlType::F32, {dim}});
    t.push_back({b + "attn_output.weight", GgmlType::F16, {dim, dim}});
    t.push_back({b + "attn_q.weight", GgmlType::F16, {dim, dim}});
    t.push_back({b + "attn_v.weight", GgmlType::F16, {dim, kv}});
    t.push_back({b + "ffn_down.weight", GgmlType::F16, {ffn, dim}});
    t.push_back({b + "ffn_gate.weight", GgmlType::F16, {dim, ffn}});
    t.push_back({b + "ffn_norm.weight", GgmlType::F32, {dim}});
    t.push_back({b + "ffn_up.weight", GgmlType::F16, {dim, ffn}});
  }
  return t;
}

GgmlType type_of(const std::vector<RecipeTensor>& t, const TensorPlan& p, const std::string& name) {
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].name == name) return p.types[i];
  ADD_FAILURE() << "no tensor " << name;
  return GgmlType::F32;
}

TEST(QuantizeModelRecipe, Q4KMRaisesFirstLastAndEveryThirdLayerOf32) {
  auto t = llama_like(32, 4096, 4096, 11008, true);
  auto plan = plan_tensor_types(*find_quant_file_type("Q4_K_M"), {"llama", 32, 32, 32, 0}, t);
  ASSERT_TRUE(plan) << plan.error();
  // use_more_bits(i, 32): i < 4, i >= 28, or (i - 4) % 3 == 2.
  for (int l = 0; l < 32; ++l) {
    const bool more = l < 4 || l >= 28 || (l - 4) % 3 == 2;
    const std::string b = "blk." + std::to_string(l) + ".";
    EXPECT_EQ(type_of(t, *plan, b + "attn_v.weight"), more ? GgmlType::Q6_K : GgmlType::Q4_K) << l;
    EXPECT_EQ(type_of(t, *plan, b + "ffn_down.weight"), more ? GgmlType::Q6_K : GgmlType::Q4_K) << l;
    EXPECT_EQ(type_of(t, *plan, b + "attn_q.weight"), GgmlType::Q4_K);
    EXPECT_EQ(type_of(t, *plan, b + "attn_norm.weight"), GgmlType::F32);
  }
  EXPECT_EQ(type_of(t, *plan, "output.weight"), GgmlType::Q6_K);
  EXPECT_EQ(type_of(t, *plan, "token_embd.weight"), GgmlType::Q4_K);
  EXPECT_EQ(plan->n_fallback, 0);
}

TEST(QuantizeModelRecipe, SmallAndLargeMixesOnAGqaModel) {
  auto t = llama_like(32, 4096, 1024, 14336, true);
  const RecipeModel m{"llama", 32, 32, 8, 0};
  auto q3l = plan_tensor_types(*find_quant_file_type("Q3_K_L"), m, t);
  auto q4s = plan_tensor_types(*find_quant_file_type("Q4_K_S"), m, t);
  auto q3s = plan_tensor_types(*find_quant_file_type("Q3_K_S"), m, t);
  auto q2k = plan_tensor_types(*find_quant_file_type("Q2_K"), m, t);
  auto iq4 = plan_tensor_types(*find_quant_file_type("IQ4_XS"), m, t);
  ASSERT_TRUE(q3l && q4s && q3s && q2k && iq4);
  EXPECT_EQ(type_of(t, *q3l, "blk.9.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of(t, *q3l, "blk.9.ffn_down.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of(t, *q3l, "blk.9.attn_output.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of(t, *q4s, "blk.3.attn_v.weight"), GgmlType::Q5_K);   // first four attn_v
  EXPECT_EQ(type_of(t, *q4s, "blk.4.attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_of(t, *q4s, "blk.3.ffn_down.weight"), GgmlType::Q5_K); // first eighth
  EXPECT_EQ(type_of(t, *q4s, "blk.4.ffn_down.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_of(t, *q3s, "blk.0.attn_v.weight"), GgmlType::Q3_K);
  EXPECT_EQ(type_of(t, *q3s, "output.weight"), GgmlType::Q6_K);
  EXPECT_EQ(type_of(t, *q2k, "blk.0.attn_v.weight"), GgmlType::Q4_K);   // GQA 4 or more
  EXPECT_EQ(type_of(t, *q2k, "blk.0.ffn_down.weight"), GgmlType::Q3_K);
  EXPECT_EQ(type_of(t, *iq4, "blk.0.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of(t, *iq4, "blk.3.ffn_down.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of(t, *iq4, "blk.4.ffn_down.weight"), GgmlType::IQ4_XS);
}

TEST(QuantizeModelRecipe, RowLengthsOffTheBlockFallBackAndTiedEmbeddingsGetOutputType) {
  // Qwen2-0.5B: dim 896 is not a multiple of 256; no output.weight (tied).
  auto t = llama_like(24, 896, 128, 4864, false);
  auto plan = plan_tensor_types(*find_quant_file_type("Q4_K_M"), {"qwen2", 24, 14, 2, 0}, t);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(type_of(t, *plan, "token_embd.weight"), GgmlType::Q8_0);     // output rule, 896 % 256 != 0
  EXPECT_EQ(type_of(t, *plan, "blk.5.attn_q.weight"), GgmlType::Q5_0);   // Q4_K -> Q5_0
  EXPECT_EQ(type_of(t, *plan, "blk.0.attn_v.weight"), GgmlType::Q8_0);   // Q6_K -> Q8_0
  EXPECT_EQ(type_of(t, *plan, "blk.0.ffn_down.weight"), GgmlType::Q6_K); // 4864 = 19 * 256 fits
  EXPECT_GT(plan->n_fallback, 0);
  auto q5 = plan_tensor_types(*find_quant_file_type("Q5_K_S"), {"qwen2", 24, 14, 2, 0}, t);
  auto iq4 = plan_tensor_types(*find_quant_file_type("IQ4_XS"), {"qwen2", 24, 14, 2, 0}, t);
  ASSERT_TRUE(q5 && iq4);
  EXPECT_EQ(type_of(t, *q5, "blk.5.attn_q.weight"), GgmlType::Q5_1);
  EXPECT_EQ(type_of(t, *iq4, "blk.5.attn_q.weight"), GgmlType::IQ4_NL);
  // A row length that fits no 32-element block becomes F16.
  std::vector<RecipeTensor> odd = {{"blk.0.attn_q.weight", GgmlType::F16, {100, 100}}};
  auto oddplan = plan_tensor_types(*find_quant_file_type("Q4_K_M"), {"llama", 1, 1, 1, 0}, odd);
  ASSERT_TRUE(oddplan);
  EXPECT_EQ(oddplan->types[0], GgmlType::F16);
  auto oddq8 = plan_tensor_types(*find_quant_file_type("Q8_0"), {"llama", 1, 1, 1, 0}, odd);
  EXPECT_FALSE(oddq8) << "Q8_0 has no fallback in llama-quantize";
}

TEST(QuantizeModelRecipe, TypeNamesAreCaseInsensitiveAndCarryLlamaFtypes) {
  EXPECT_EQ(find_quant_file_type("q4_k_m")->llama_ftype, 15u);
  EXPECT_EQ(find_quant_file_type("Q8_0")->llama_ftype, 7u);
  EXPECT_EQ(find_quant_file_type("bf16")->llama_ftype, 32u);
  EXPECT_EQ(find_quant_file_type("IQ4_XS")->llama_ftype, 30u);
  EXPECT_EQ(find_quant_file_type("Q3_K_S")->llama_ftype, 11u);
  EXPECT_EQ(find_quant_file_type("mxfp4_moe")->llama_ftype, 38u);
  EXPECT_EQ(find_quant_file_type("MXFP4_MOE")->default_type, GgmlType::MXFP4);
  EXPECT_FALSE(find_quant_file_type("Q4_K"));
  EXPECT_FALSE(find_quant_file_type("MXFP4")) << "llama-quantize names the file type MXFP4_MOE";
  EXPECT_EQ(quant_file_type_names().size(), 20u);
}

}  // namespace
}  // namespace pg
