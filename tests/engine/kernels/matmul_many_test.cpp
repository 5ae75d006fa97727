// matmul_many_with_path: several products in one pass give, on every kernel
// path, exactly the bits each product gets from matmul_with_path alone, for
// mixed types, shared and separate inputs, 1 and several tokens, and any pool
// size; a bad job fails the whole call with the matrix named.
#include <gtest/gtest.h>

#include <vector>

#include "engine/kernels/kernels.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

using test::OwnedMatrix;
using test::random_floats;
using test::random_matrix;

struct Case {
  GgmlType type;
  int64_t rows, cols;
  int input;  // which of the inputs it reads (several jobs share one)
};

void expect_many_equals_one_by_one(const std::vector<Case>& cases, int64_t tokens, int threads) {
  ThreadPool pool(threads);
  Scratch scratch, single;
  std::vector<OwnedMatrix> mats;
  uint32_t seed = 77;
  for (const Case& c : cases) mats.push_back(random_matrix(c.type, c.rows, c.cols, ++seed));
  std::vector<std::vector<float>> inputs(4);
  for (size_t i = 0; i < cases.size(); ++i) {
    auto& in = inputs[static_cast<size_t>(cases[i].input)];
    if (in.empty()) in = random_floats(static_cast<size_t>(cases[i].cols * tokens), ++seed);
  }
  for (KernelPath path : supported_kernel_paths()) {
    SCOPED_TRACE(test::path_label(path));
    std::vector<std::vector<float>> many(cases.size()), alone(cases.size());
    std::vector<MatmulJob> jobs;
    for (size_t i = 0; i < cases.size(); ++i) {
      many[i].assign(static_cast<size_t>(cases[i].rows * tokens), -1.0f);
      alone[i].assign(many[i].size(), -2.0f);
      jobs.push_back({&mats[i].view, inputs[static_cast<size_t>(cases[i].input)].data(), tokens, many[i].data()});
    }
    ASSERT_TRUE(matmul_many_with_path(path, jobs, pool, scratch));
    for (size_t i = 0; i < cases.size(); ++i) {
      ASSERT_TRUE(matmul_with_path(path, mats[i].view, jobs[i].x, tokens, alone[i].data(), pool, single));
      EXPECT_EQ(many[i], alone[i]) << "job " << i << " " << ggml_type_name(cases[i].type);
    }
  }
}

// Experts as a decode step sees them: gate and up of k experts on one input.
TEST(KernelsMatmulMany, SharedInputExpertsMatchOneByOne) {
  const std::vector<Case> cases = {{GgmlType::Q4_K, 96, 512, 0}, {GgmlType::Q4_K, 96, 512, 0},
                                   {GgmlType::Q6_K, 96, 512, 0}, {GgmlType::Q6_K, 96, 512, 0},
                                   {GgmlType::MXFP4, 64, 512, 0}, {GgmlType::Q8_0, 33, 512, 0}};
  for (int64_t tokens : {1, 3, 17})
    for (int threads : {1, 2, 3}) expect_many_equals_one_by_one(cases, tokens, threads);
}

TEST(KernelsMatmulMany, SeparateInputsAndMixedTypesMatchOneByOne) {
  const std::vector<Case> cases = {{GgmlType::F16, 40, 96, 0},  {GgmlType::F32, 7, 64, 1},
                                   {GgmlType::Q4_0, 33, 96, 2}, {GgmlType::Q5_K, 20, 256, 3},
                                   {GgmlType::F16, 40, 96, 0},  {GgmlType::IQ4_NL, 9, 96, 2}};
  for (int64_t tokens : {1, 5, 16})
    for (int threads : {1, 2}) expect_many_equals_one_by_one(cases, tokens, threads);
}

TEST(KernelsMatmulMany, EmptyAndZeroTokenJobsAreFine) {
  ThreadPool pool(2);
  Scratch scratch;
  EXPECT_TRUE(matmul_many_with_path(KernelPath::Scalar, {}, pool, scratch));
  const OwnedMatrix m = random_matrix(GgmlType::Q8_0, 4, 32, 5);
  std::vector<float> y(4, 7.0f);
  const MatmulJob job{&m.view, nullptr, 0, y.data()};
  EXPECT_TRUE(matmul_many_with_path(KernelPath::Scalar, std::span<const MatmulJob>(&job, 1), pool, scratch));
  EXPECT_EQ(y, std::vector<float>(4, 7.0f));
}

TEST(KernelsMatmulMany, ABadJobFailsTheCall) {
  ThreadPool pool(2);
  Scratch scratch;
  const OwnedMatrix m = random_matrix(GgmlType::Q8_0, 4, 32, 5);
  std::vector<float> x(32, 1.0f), y(4);
  WeightMatrix broken = m.view;
  broken.cols = 33;  // not whole blocks
  const std::vector<MatmulJob> jobs = {{&m.view, x.data(), 1, y.data()}, {&broken, x.data(), 1, y.data()}};
  auto s = matmul_many_with_path(KernelPath::Scalar, jobs, pool, scratch);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("Q8_0"), std::string::npos) << s.message();
  const std::vector<MatmulJob> null_job = {{nullptr, x.data(), 1, y.data()}};
  EXPECT_FALSE(matmul_many_with_path(KernelPath::Scalar, null_job, pool, scratch));
  const std::vector<MatmulJob> null_out = {{&m.view, x.data(), 1, nullptr}};
  EXPECT_FALSE(matmul_many_with_path(KernelPath::Scalar, null_out, pool, scratch));
}

}  // namespace
}  // namespace pg::kernels
