// matmul on the real weight matrices of the shared tiny256 GGUF files (written
// by llama.cpp's quantizer): every supported path agrees with the scalar
// reference for every 2-D tensor type those files hold.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/kernels.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"
#include "test_paths.h"

namespace pg::kernels {
namespace {

void check_file(const std::string& name) {
  SCOPED_TRACE(name);
  auto file = gguf::GgufFile::open(pg::test::shared_path("testdata/gguf/" + name));
  ASSERT_TRUE(file) << file.error();
  ThreadPool pool(2);
  Scratch scratch;
  int checked = 0;
  for (const gguf::TensorInfo& tensor : (*file)->tensors()) {
    if (tensor.dims.size() != 2 || !quant::supports_compute(tensor.type)) continue;
    SCOPED_TRACE(tensor.name + " " + std::string(ggml_type_name(tensor.type)));
    WeightMatrix w;
    w.type = tensor.type;
    w.cols = static_cast<int64_t>(tensor.dims[0]);
    w.rows = static_cast<int64_t>(tensor.dims[1]);
    w.row_bytes = *ggml_row_bytes(tensor.type, tensor.dims[0]);
    w.data = tensor.data;
    ASSERT_TRUE(validate_weight_matrix(w));
    const int64_t tokens = 5;  // one token tile and a remainder
    const std::vector<float> x = test::random_floats(static_cast<size_t>(w.cols * tokens), 17);
    std::vector<float> expected(static_cast<size_t>(w.rows * tokens));
    matmul_reference(w, x.data(), tokens, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(w, x, tokens);
    for (KernelPath path : supported_kernel_paths()) {
      std::vector<float> y(expected.size());
      ASSERT_TRUE(matmul_with_path(path, w, x.data(), tokens, y.data(), pool, scratch));
      for (size_t i = 0; i < y.size(); ++i) {
        const double tolerance = test::kRelativeTolerance * bounds[i] + test::kAbsoluteTolerance;
        ASSERT_LE(std::fabs(static_cast<double>(y[i]) - expected[i]), tolerance)
            << kernel_path_name(path) << " output " << i;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 0) << "no computable 2-D tensors found";
}

TEST(KernelsRealWeights, Tiny256F16) { PG_REQUIRE_SHARED(); check_file("tiny256-F16.gguf"); }
TEST(KernelsRealWeights, Tiny256BF16) { PG_REQUIRE_SHARED(); check_file("tiny256-BF16.gguf"); }
TEST(KernelsRealWeights, Tiny256Q8_0) { PG_REQUIRE_SHARED(); check_file("tiny256-Q8_0.gguf"); }
TEST(KernelsRealWeights, Tiny256Q4_0) { PG_REQUIRE_SHARED(); check_file("tiny256-Q4_0.gguf"); }
TEST(KernelsRealWeights, Tiny256Q4_K_M) { PG_REQUIRE_SHARED(); check_file("tiny256-Q4_K_M.gguf"); }
TEST(KernelsRealWeights, Tiny256Q5_K_M) { PG_REQUIRE_SHARED(); check_file("tiny256-Q5_K_M.gguf"); }
TEST(KernelsRealWeights, Tiny256Q6_K) { PG_REQUIRE_SHARED(); check_file("tiny256-Q6_K.gguf"); }
TEST(KernelsRealWeights, Stories260KF32) { PG_REQUIRE_SHARED(); check_file("stories260K.gguf"); }

}  // namespace
}  // namespace pg::kernels
