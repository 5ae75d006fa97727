// matmul on the real weight matrices of the shared tiny256 GGUF files and of
// gpt-oss's MXFP4_MOE file (written by llama.cpp's quantizer): every supported
// path agrees with the scalar reference for every matrix type those files hold
// (3-D expert tensors as one matrix of all their rows).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/kernels/kernels.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"
#include "test_paths.h"

namespace pg::kernels {
namespace {

// Returns how many tensors of each checked type there were.
std::map<GgmlType, int> check_file(const std::string& name, const std::string& folder = "testdata/gguf/") {
  SCOPED_TRACE(name);
  std::map<GgmlType, int> checked_types;
  auto file = gguf::GgufFile::open(pg::test::shared_path(folder + name));
  EXPECT_TRUE(file) << file.error();
  if (!file) return checked_types;
  ThreadPool pool(2);
  Scratch scratch;
  int checked = 0;
  for (const gguf::TensorInfo& tensor : (*file)->tensors()) {
    if (tensor.dims.size() < 2 || !quant::supports_compute(tensor.type)) continue;
    SCOPED_TRACE(tensor.name + " " + std::string(ggml_type_name(tensor.type)));
    WeightMatrix w;
    w.type = tensor.type;
    w.cols = static_cast<int64_t>(tensor.dims[0]);
    w.rows = static_cast<int64_t>(tensor.n_elements / tensor.dims[0]);
    w.row_bytes = *ggml_row_bytes(tensor.type, tensor.dims[0]);
    w.data = tensor.data;
    EXPECT_TRUE(validate_weight_matrix(w));
    const int64_t tokens = 5;  // one token tile and a remainder
    const std::vector<float> x = test::random_floats(static_cast<size_t>(w.cols * tokens), 17);
    std::vector<float> expected(static_cast<size_t>(w.rows * tokens));
    matmul_reference(w, x.data(), tokens, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(w, x, tokens);
    for (KernelPath path : supported_kernel_paths()) {
      std::vector<float> y(expected.size());
      if (!matmul_with_path(path, w, x.data(), tokens, y.data(), pool, scratch)) {
        ADD_FAILURE() << kernel_path_name(path) << ": matmul failed";
        return checked_types;
      }
      for (size_t i = 0; i < y.size(); ++i) {
        const double tolerance = test::kRelativeTolerance * bounds[i] + test::kAbsoluteTolerance;
        if (!(std::fabs(static_cast<double>(y[i]) - expected[i]) <= tolerance)) {
          ADD_FAILURE() << kernel_path_name(path) << " output " << i << ": got " << y[i] << ", reference "
                        << expected[i];
          return checked_types;
        }
      }
    }
    ++checked;
    ++checked_types[tensor.type];
  }
  EXPECT_GT(checked, 0) << "no computable 2-D tensors found";
  return checked_types;
}

TEST(KernelsRealWeights, Tiny256F16) { PG_REQUIRE_SHARED(); check_file("tiny256-F16.gguf"); }
TEST(KernelsRealWeights, Tiny256BF16) { PG_REQUIRE_SHARED(); check_file("tiny256-BF16.gguf"); }
TEST(KernelsRealWeights, Tiny256Q8_0) { PG_REQUIRE_SHARED(); check_file("tiny256-Q8_0.gguf"); }
TEST(KernelsRealWeights, Tiny256Q4_0) { PG_REQUIRE_SHARED(); check_file("tiny256-Q4_0.gguf"); }
TEST(KernelsRealWeights, Tiny256Q4_K_M) { PG_REQUIRE_SHARED(); check_file("tiny256-Q4_K_M.gguf"); }
TEST(KernelsRealWeights, Tiny256Q5_K_M) { PG_REQUIRE_SHARED(); check_file("tiny256-Q5_K_M.gguf"); }
TEST(KernelsRealWeights, Tiny256Q6_K) { PG_REQUIRE_SHARED(); check_file("tiny256-Q6_K.gguf"); }
TEST(KernelsRealWeights, Stories260KF32) { PG_REQUIRE_SHARED(); check_file("stories260K.gguf"); }

// llama-quantize's MXFP4_MOE: 3-D MXFP4 experts (all experts' rows as one
// matrix), Q8_0 for everything else.
TEST(KernelsRealWeights, GptOssMxfp4Moe) {
  PG_REQUIRE_SHARED();
  const std::map<GgmlType, int> types = check_file("gpt-oss-MXFP4_MOE.gguf", "testdata/arch/");
  EXPECT_EQ(types.count(GgmlType::MXFP4) ? types.at(GgmlType::MXFP4) : 0, 6) << "2 layers x gate, up, down experts";
  EXPECT_GT(types.count(GgmlType::Q8_0) ? types.at(GgmlType::Q8_0) : 0, 0);
}

}  // namespace
}  // namespace pg::kernels
