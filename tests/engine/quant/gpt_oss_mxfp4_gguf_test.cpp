// The MXFP4 reference ops against llama.cpp's own output: gpt-oss-MXFP4_MOE.gguf
// in ../shared/testdata/arch was made by `llama-quantize gpt-oss-F16.gguf ...
// MXFP4_MOE`. Quantizing each F16 expert tensor with our MXFP4 quantizer must
// give llama.cpp's bytes exactly; the MXFP4 tensors dequantize close to their
// F16 originals; vec_dot on their real rows agrees with the dequantized dot.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/quant/quant.h"
#include "quant_test_util.h"
#include "test_paths.h"

namespace {

using pg::GgmlType;
using pg::gguf::GgufFile;
using pg::gguf::TensorInfo;
using namespace pg::quant;
using namespace pg::quant::test;

std::unique_ptr<GgufFile> open_arch(const std::string& name) {
  const std::string path = pg::test::shared_path("testdata/arch/" + name);
  auto file = GgufFile::open(path);
  EXPECT_TRUE(file.is_ok()) << path << ": " << (file.is_ok() ? "" : file.error());
  return file.is_ok() ? std::move(file.value()) : nullptr;
}

// The whole tensor as floats, row by row (rows are dims[0] long).
std::vector<float> dequantize_tensor(const TensorInfo& t) {
  const int64_t row = static_cast<int64_t>(t.dims.at(0));
  const int64_t rows = static_cast<int64_t>(t.n_elements) / row;
  const uint64_t row_bytes = *pg::ggml_row_bytes(t.type, static_cast<uint64_t>(row));
  std::vector<float> out(t.n_elements);
  for (int64_t r = 0; r < rows; ++r) dequantize_row(t.type, t.data + r * row_bytes, out.data() + r * row, row);
  return out;
}

class Mxfp4GptOss : public ::testing::Test {
 protected:
  void SetUp() override {
    PG_REQUIRE_SHARED();
    f16_ = open_arch("gpt-oss-F16.gguf");
    mxfp4_ = open_arch("gpt-oss-MXFP4_MOE.gguf");
    ASSERT_NE(f16_, nullptr);
    ASSERT_NE(mxfp4_, nullptr);
    for (const TensorInfo& t : mxfp4_->tensors()) {
      if (t.type == GgmlType::MXFP4) experts_.push_back(&t);
    }
    // 2 layers x ffn_{gate,up,down}_exps.
    ASSERT_EQ(experts_.size(), 6u) << "expected the six expert tensors of the tiny gpt-oss as MXFP4";
  }

  const TensorInfo& original_of(const TensorInfo& t) {
    const TensorInfo* original = f16_->find_tensor(t.name);
    EXPECT_NE(original, nullptr) << t.name;
    if (original == nullptr) throw std::runtime_error("missing tensor " + t.name);
    EXPECT_EQ(original->dims, t.dims) << t.name;
    return *original;
  }

  std::unique_ptr<GgufFile> f16_, mxfp4_;
  std::vector<const TensorInfo*> experts_;
};

TEST_F(Mxfp4GptOss, ExpertTensorsAreThreeDimensionalExps) {
  for (const TensorInfo* t : experts_) {
    EXPECT_NE(t->name.find("_exps.weight"), std::string::npos) << t->name;
    ASSERT_EQ(t->dims.size(), 3u) << t->name;
    EXPECT_GT(t->dims[2], 1u) << t->name;
    EXPECT_EQ(original_of(*t).type, GgmlType::F16) << t->name;
  }
}

TEST_F(Mxfp4GptOss, QuantizingF16ExpertsReproducesLlamaCppBytes) {
  for (const TensorInfo* t : experts_) {
    const TensorInfo& original = original_of(*t);
    const auto values = dequantize_tensor(original);
    const int64_t row = static_cast<int64_t>(t->dims[0]);
    const uint64_t row_bytes = *pg::ggml_row_bytes(GgmlType::MXFP4, static_cast<uint64_t>(row));
    ASSERT_EQ(t->n_bytes, row_bytes * (t->n_elements / row)) << t->name;
    std::vector<uint8_t> ours(t->n_bytes), ours_ref(t->n_bytes);
    for (uint64_t r = 0; r < t->n_elements / row; ++r) {
      reference_ops(GgmlType::MXFP4)->quantize_row_model(values.data() + r * row, ours.data() + r * row_bytes, row);
      reference_ops(GgmlType::MXFP4)->quantize_row(values.data() + r * row, ours_ref.data() + r * row_bytes, row);
    }
    size_t first_difference = 0;
    while (first_difference < ours.size() && ours[first_difference] == t->data[first_difference]) ++first_difference;
    EXPECT_EQ(first_difference, ours.size()) << t->name << " differs at byte " << first_difference << " (block "
                                             << first_difference / 17 << ")";
    EXPECT_EQ(ours_ref, ours) << t->name;
  }
}

TEST_F(Mxfp4GptOss, ExpertsDequantizeCloseToF16) {
  for (const TensorInfo* t : experts_) {
    const auto want = dequantize_tensor(original_of(*t));
    const auto got = dequantize_tensor(*t);
    for (float v : got) ASSERT_TRUE(std::isfinite(v)) << t->name;
    // Measured 0.114 to 0.118 on these tensors (8 magnitudes, power-of-two scales).
    EXPECT_LE(relative_rms_error(got.data(), want.data(), static_cast<int64_t>(got.size())), 0.145) << t->name;
  }
}

TEST_F(Mxfp4GptOss, VecDotOnRealRowsMatchesDequantizedDot) {
  const auto* ops = reference_ops(GgmlType::MXFP4);
  for (const TensorInfo* t : experts_) {
    const int64_t n = static_cast<int64_t>(t->dims[0]);
    const uint64_t row_bytes = *pg::ggml_row_bytes(GgmlType::MXFP4, static_cast<uint64_t>(n));
    const auto x = weight_like_values(n, 91, 1.0f);
    const auto xq = quantize(GgmlType::Q8_0, x);
    const auto xd = dequantize(GgmlType::Q8_0, xq.data(), n);
    for (uint64_t r = 0; r < t->n_elements / static_cast<uint64_t>(n); r += 13) {
      const uint8_t* row = t->data + r * row_bytes;
      const auto wd = dequantize(GgmlType::MXFP4, row, n);
      double want = 0, magnitude = 0;
      for (int64_t i = 0; i < n; ++i) {
        want += static_cast<double>(wd[i]) * xd[i];
        magnitude += std::fabs(static_cast<double>(wd[i]) * xd[i]);
      }
      EXPECT_NEAR(ops->vec_dot(n, row, xq.data()), want, 2e-6 * magnitude + 1e-6) << t->name << " row " << r;
    }
  }
}

}  // namespace
