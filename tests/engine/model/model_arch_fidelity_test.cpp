// Every architecture against llama.cpp: the tiny random-weight models of
// ../shared/testdata/arch/ (one per architecture, its distinguishing features
// switched on) with llama.cpp's prompt ids and last-position logits for four
// prompts, one longer than every sliding window and YaRN/temperature boundary.
// Also runs each prompt split into small batches and token by token, so the
// sliding-window rings are exercised on both the prompt and the decode path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

// The dense architectures of issue 21 and the mixture-of-experts ones of
// issue 22 (Qwen 3 MoE, Mixtral, gpt-oss in F16 and MXFP4).
const std::vector<std::string>& reference_files() {
  static const std::vector<std::string> kFiles = {
      "qwen3-F16.gguf",    "gemma2-F16.gguf",        "gemma3-F16.gguf",   "phi3-F16.gguf",
      "phi3-longrope-F16.gguf", "mistral3-F16.gguf", "olmo2-F16.gguf",    "olmo3-F16.gguf",
      "granite-F16.gguf",  "llama-yarn-F16.gguf",    "qwen3moe-F16.gguf", "mixtral-F16.gguf",
      "gpt-oss-F16.gguf",  "gpt-oss-MXFP4_MOE.gguf"};
  return kFiles;
}

nlohmann::json load_reference() {
  std::ifstream in(test::shared_path("testdata/arch/llamacpp-logits.json"));
  return nlohmann::json::parse(in);
}

// F16/F32 files: 0.003; quantized: 0.03 (../shared/testdata/arch/README.md).
double tolerance_for(const LlamaModel& m) {
  for (const auto& t : m.file().tensors())
    if (t.type != GgmlType::F32 && t.type != GgmlType::F16 && t.type != GgmlType::BF16) return 0.03;
  return 0.003;
}

double max_abs_diff(std::span<const float> got, const std::vector<float>& want, size_t* worst) {
  double d = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double x = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(x <= d)) {  // NaN counts as the worst
      d = std::isnan(x) ? INFINITY : x;
      *worst = i;
    }
  }
  return d;
}

class ArchFidelity : public ::testing::TestWithParam<std::string> {};

TEST_P(ArchFidelity, PromptIdsAndLastLogitsMatchLlamaCpp) {
  PG_REQUIRE_SHARED();
  const std::string file = GetParam();
  const nlohmann::json ref = load_reference();
  ASSERT_TRUE(ref.contains(file)) << file;
  auto model = LlamaModel::load(test::shared_path("testdata/arch/" + file));
  ASSERT_TRUE(model) << model.error();
  const double tol = tolerance_for(**model);
  ThreadPool pool(2);
  for (const auto& c : ref[file]) {
    const std::string prompt = c["prompt"];
    const std::vector<int32_t> want_ids = c["prompt_ids"];
    const std::vector<float> want = c["last_logits"];
    const std::vector<int32_t> ids = (*model)->tokenizer().encode(prompt, true, true);
    EXPECT_EQ(ids, want_ids) << file << ": " << prompt;
    // llama.cpp's references were made with n_ctx 512 (it picks Phi-3's LongRoPE factors by it).
    InferenceSession s(**model, pool, SessionOptions{.n_ctx = 512, .kernel_path = std::nullopt});
    ASSERT_TRUE(s.eval(ids).is_ok());
    ASSERT_EQ(s.last_logits().size(), want.size());
    size_t worst = 0;
    const double d = max_abs_diff(s.last_logits(), want, &worst);
    EXPECT_LE(d, tol) << file << " '" << prompt << "' (" << ids.size() << " tokens): logit " << worst << " is "
                      << s.last_logits()[worst] << ", llama.cpp " << want[worst];
    RecordProperty(file + ":" + std::to_string(ids.size()), std::to_string(d));
  }
}

// Every kernel path this CPU has (scalar, AVX2, AVX-512, AMX) stays within the
// same bound of llama.cpp on the longest prompt, prompt and decode kernels alike.
TEST_P(ArchFidelity, EveryKernelPathMatchesLlamaCpp) {
  PG_REQUIRE_SHARED();
  const std::string file = GetParam();
  const nlohmann::json ref = load_reference();
  auto model = LlamaModel::load(test::shared_path("testdata/arch/" + file));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  const auto& longest = ref[file].back();
  const std::vector<int32_t> ids = longest["prompt_ids"];
  const std::vector<float> want = longest["last_logits"];
  for (kernels::KernelPath path : kernels::supported_kernel_paths()) {
    InferenceSession s(**model, pool, SessionOptions{.n_ctx = 512, .kernel_path = path});
    ASSERT_TRUE(s.eval(ids).is_ok());
    size_t worst = 0;
    EXPECT_LE(max_abs_diff(s.last_logits(), want, &worst), tolerance_for(**model))
        << file << " on " << kernels::kernel_path_name(path);
  }
}

// The same logits whether the prompt goes in as one batch, in batches of 3
// (each batch a ring write that wraps on sliding layers whose ring is window +
// 3 rows), or token by token as generated tokens: windows and rings give every
// position the keys it attends to, whatever the batching. All three run on one
// kernel path, where a token's result does not depend on its batch, so they
// agree to rounding noise (a wrong window moves these logits by 0.5 to 4).
TEST_P(ArchFidelity, BatchingAndTheDecodePathAgree) {
  PG_REQUIRE_SHARED();
  const std::string file = GetParam();
  const nlohmann::json ref = load_reference();
  auto model = LlamaModel::load(test::shared_path("testdata/arch/" + file));
  ASSERT_TRUE(model) << model.error();
  const ModelConfig& c = (*model)->config();
  ThreadPool pool(2);
  const std::vector<int32_t> ids = ref[file].back()["prompt_ids"];
  const kernels::KernelPath path = kernels::generation_kernel_path(kernels::best_kernel_path());

  InferenceSession whole(**model, pool, SessionOptions{.n_ctx = 512, .kernel_path = path});
  ASSERT_TRUE(whole.eval(ids).is_ok());
  const std::vector<float> want(whole.last_logits().begin(), whole.last_logits().end());

  InferenceSession batched(**model, pool, SessionOptions{.n_ctx = 512, .max_batch = 3, .kernel_path = path});
  ASSERT_TRUE(batched.eval(ids).is_ok());
  size_t worst = 0;
  EXPECT_LE(max_abs_diff(batched.last_logits(), want, &worst), 1e-4) << file << " in batches of 3";
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const int64_t rows = c.is_sliding(l) ? c.sliding_window + 3 : 512;
    EXPECT_EQ(batched.kv_rows(l), rows) << file << " layer " << l;
  }

  InferenceSession stepwise(**model, pool, SessionOptions{.n_ctx = 512, .max_batch = 1, .kernel_path = path});
  for (int32_t id : ids) ASSERT_TRUE(stepwise.eval_generated(std::span<const int32_t>(&id, 1)).is_ok());
  EXPECT_LE(max_abs_diff(stepwise.last_logits(), want, &worst), 1e-4) << file << " token by token";
}

INSTANTIATE_TEST_SUITE_P(LlamaCppArch, ArchFidelity, ::testing::ValuesIn(reference_files()), [](const auto& info) {
  std::string n = info.param;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
});

// Every file of the reference set is tested here.
TEST(ArchFidelityCoverage, EveryReferenceFileIsTested) {
  PG_REQUIRE_SHARED();
  const nlohmann::json ref = load_reference();
  const auto& files = reference_files();
  for (const auto& [file, cases] : ref.items())
    EXPECT_TRUE(std::find(files.begin(), files.end(), file) != files.end()) << file << " is not tested";
}

}  // namespace
}  // namespace pg
