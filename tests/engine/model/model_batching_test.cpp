// A token's logits never depend on the batch it is evaluated in: on every
// kernel path, a prompt evaluated whole, in chunks of 3 or one token at a time
// gives bit-identical logits (EvalRole::Prompt), and tokens evaluated as
// generated tokens (EvalRole::Generated) do too. Quantized and F16 files from
// ../shared, so the AMX tile kernels are covered where the CPU has them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
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

// Continuous batching: one forward pass for the next token of several
// sequences of different lengths gives each exactly the logits it gets alone.
class ModelBatchingSequences : public testing::TestWithParam<std::string> {};

TEST_P(ModelBatchingSequences, BatchedDecodeEqualsEachSequenceAlone) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/gguf/" + GetParam()));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  const std::vector<std::vector<int32_t>> prompts = {
      {1, 403, 407, 261}, {1, 378, 432, 383, 286, 261, 376, 298, 315}, {1, 421}, {1, 395, 317, 426, 338, 401}};
  for (kernels::KernelPath path : kernels::supported_kernel_paths()) {
    SCOPED_TRACE(std::string(kernels::kernel_path_name(path)));
    SessionOptions options;
    options.kernel_path = path;
    std::vector<std::unique_ptr<InferenceSession>> alone, batched;
    for (const auto& prompt : prompts) {
      alone.push_back(std::make_unique<InferenceSession>(**model, pool, options));
      batched.push_back(std::make_unique<InferenceSession>(**model, pool, options));
      ASSERT_TRUE(alone.back()->eval(prompt).is_ok());
      ASSERT_TRUE(batched.back()->eval(prompt).is_ok());
    }
    std::vector<InferenceSession*> batch;
    for (auto& s : batched) batch.push_back(s.get());
    for (int step = 0; step < 3; ++step) {
      std::vector<int32_t> next;
      for (size_t i = 0; i < prompts.size(); ++i) next.push_back(static_cast<int32_t>(300 + 17 * i + step));
      for (size_t i = 0; i < prompts.size(); ++i) ASSERT_TRUE(alone[i]->eval_generated(std::span(&next[i], 1)).is_ok());
      ASSERT_TRUE(InferenceSession::eval_generated_batch(batch, next).is_ok());
      for (size_t i = 0; i < prompts.size(); ++i) {
        ASSERT_EQ(alone[i]->position(), batched[i]->position());
        const auto a = alone[i]->last_logits(), b = batched[i]->last_logits();
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << "sequence " << i << " step " << step;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, ModelBatchingSequences,
                         testing::Values("stories260K.gguf", "tiny256-Q4_K_M.gguf", "tiny256-Q4_0.gguf",
                                         "tiny256-Q8_0.gguf", "tiny256-F16.gguf"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& c : name) if (c == '-' || c == '.') c = '_';
                           return name;
                         });

TEST(ModelBatchingErrors, BadBatchesAreRefusedAndChangeNothing) {
  PG_REQUIRE_SHARED();
  auto model = LlamaModel::load(test::shared_path("testdata/gguf/stories260K.gguf"));
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(1), other_pool(1);
  SessionOptions small;
  small.n_ctx = 4;
  InferenceSession a(**model, pool), b(**model, pool), full(**model, pool, small), elsewhere(**model, other_pool);
  const int32_t prompt[3] = {1, 403, 407};
  ASSERT_TRUE(a.eval(prompt).is_ok());
  ASSERT_TRUE(full.eval(std::span<const int32_t>(prompt, 3)).is_ok());
  const int32_t one[1] = {300};
  ASSERT_TRUE(full.eval_generated(one).is_ok());  // now 4 of 4
  const std::vector<float> before(a.last_logits().begin(), a.last_logits().end());
  auto refused = [&](std::vector<InferenceSession*> sessions, std::vector<int32_t> tokens, const char* why) {
    Status st = InferenceSession::eval_generated_batch(sessions, tokens);
    EXPECT_FALSE(st) << why;
    EXPECT_EQ(a.position(), 3) << why;
    EXPECT_TRUE(std::equal(before.begin(), before.end(), a.last_logits().begin())) << why;
  };
  refused({}, {}, "empty");
  refused({&a, &b}, {300}, "sizes differ");
  refused({&a, &a}, {300, 301}, "same session twice");
  refused({&a, &full}, {300, 301}, "context full");
  refused({&a, &elsewhere}, {300, 301}, "another pool");
  refused({&a, &b}, {300, 100000}, "token outside the vocabulary");
  refused({&a, nullptr}, {300, 301}, "null session");
}

// AVX2 tiles generate with their row kernels; the AVX-512 tiles with the decode
// path (row kernels, and the tiles' single-token twin where there is one).
TEST(ModelBatchingPaths, GenerationOnTilePathsUsesTheRowKernelsOrTheDecodePathOfTheirInstructionSet) {
  EXPECT_EQ(kernels::generation_kernel_path(kernels::KernelPath::Amx), kernels::KernelPath::Avx512Decode);
  EXPECT_EQ(kernels::generation_kernel_path(kernels::KernelPath::Avx512Tiles), kernels::KernelPath::Avx512Decode);
  EXPECT_EQ(kernels::generation_kernel_path(kernels::KernelPath::Avx2Tiles), kernels::KernelPath::Avx2);
  EXPECT_EQ(kernels::generation_kernel_path(kernels::KernelPath::Avx2VnniTiles), kernels::KernelPath::Avx2Vnni);
  for (kernels::KernelPath path : {kernels::KernelPath::Scalar, kernels::KernelPath::Avx2,
                                   kernels::KernelPath::Avx2Vnni, kernels::KernelPath::Avx512,
                                   kernels::KernelPath::Avx512Decode}) {
    EXPECT_EQ(kernels::generation_kernel_path(path), path);
  }
}

}  // namespace
}  // namespace pg
