// A token's logits never depend on the batch it is evaluated in: on every
// kernel path, a prompt evaluated whole, in chunks of 3 or one token at a time
// gives bit-identical logits (EvalRole::Prompt), and tokens evaluated as
// generated tokens (EvalRole::Generated) do too. Quantized and F16 files from
// ../shared, so the AMX tile kernels are covered where the CPU has them.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

const std::vector<int32_t> kPrompt = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317,
                                      426, 338, 401, 396, 267, 337, 410, 408, 419};

std::vector<float> last_logits_after(const LlamaModel& model, kernels::KernelPath path, int64_t chunk, EvalRole role) {
  ThreadPool pool(2);
  SessionOptions options;
  options.kernel_path = path;
  InferenceSession session(model, pool, options);
  for (size_t start = 0; start < kPrompt.size(); start += static_cast<size_t>(chunk)) {
    const size_t len = std::min(kPrompt.size() - start, static_cast<size_t>(chunk));
    EXPECT_TRUE(session.eval(std::span<const int32_t>(kPrompt).subspan(start, len), false, role).is_ok());
  }
  return {session.last_logits().begin(), session.last_logits().end()};
}

class ModelBatching : public testing::TestWithParam<std::string> {};

TEST_P(ModelBatching, LogitsDoNotDependOnTheBatchOnAnyPath) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/gguf/" + GetParam()));
  ASSERT_TRUE(model) << model.error();
  for (kernels::KernelPath path : kernels::supported_kernel_paths()) {
    SCOPED_TRACE(std::string(kernels::kernel_path_name(path)));
    for (EvalRole role : {EvalRole::Prompt, EvalRole::Generated}) {
      const std::vector<float> whole = last_logits_after(**model, path, 64, role);
      for (int64_t chunk : {int64_t{3}, int64_t{1}}) {
        const std::vector<float> chunked = last_logits_after(**model, path, chunk, role);
        ASSERT_EQ(whole.size(), chunked.size());
        EXPECT_EQ(0, std::memcmp(whole.data(), chunked.data(), whole.size() * sizeof(float)))
            << "chunks of " << chunk << (role == EvalRole::Prompt ? " (prompt)" : " (generated)");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny256, ModelBatching,
                         testing::Values("tiny256-Q4_0.gguf", "tiny256-Q4_K_M.gguf", "tiny256-Q8_0.gguf",
                                         "tiny256-F16.gguf", "tiny256-IQ4_XS.gguf"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(8, info.param.size() - 8 - 5);
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

TEST(ModelBatchingPaths, GenerationOnAnAmxMachineUsesTheAvx512Kernels) {
  EXPECT_EQ(kernels::generation_kernel_path(kernels::KernelPath::Amx), kernels::KernelPath::Avx512);
  for (kernels::KernelPath path : {kernels::KernelPath::Scalar, kernels::KernelPath::Avx2,
                                   kernels::KernelPath::Avx2Vnni, kernels::KernelPath::Avx512}) {
    EXPECT_EQ(kernels::generation_kernel_path(path), path);
  }
}

}  // namespace
}  // namespace pg
