// Checks the reference ops against real llama.cpp output: the tiny256 model in
// ../shared was quantized by llama.cpp from tiny256-F16.gguf into 13 formats.
// Every tensor of every file must dequantize close to its F16 original (per
// tensor-type bounds), BF16 must equal the converted F16 bits, requantizing the
// F16 values must reproduce llama.cpp's bytes exactly, and vec_dot on real rows
// must agree with the dequantized dot product.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/gguf/gguf.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"
#include "quant_test_util.h"
#include "test_paths.h"

namespace {

using pg::GgmlType;
using pg::gguf::GgufFile;
using pg::gguf::TensorInfo;
using namespace pg::quant;
using namespace pg::quant::test;

const char* const kFileTypes[] = {"BF16", "Q8_0", "Q4_0", "Q4_1",   "Q5_0",   "Q5_1",  "Q2_K",
                                  "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS"};

// Relative RMS error bound of a dequantized tensor against the F16 original, by
// tensor type: about 1.25x the worst tensor measured (BF16 0.0015, Q8_0 0.0048,
// Q6_K 0.017, Q5_K 0.034, Q5_1 0.036, Q5_0 0.039, Q4_K 0.068, IQ4_NL 0.071,
// IQ4_XS 0.071, Q4_1 0.075, Q4_0 0.078, Q3_K 0.163, Q2_K 0.287).
const std::map<GgmlType, double> kRelativeRmsBound = {
    {GgmlType::BF16, 0.002}, {GgmlType::Q8_0, 0.006},   {GgmlType::Q6_K, 0.021},   {GgmlType::Q5_K, 0.043},
    {GgmlType::Q5_1, 0.046}, {GgmlType::Q5_0, 0.049},   {GgmlType::Q4_K, 0.085},   {GgmlType::IQ4_NL, 0.089},
    {GgmlType::IQ4_XS, 0.09}, {GgmlType::Q4_1, 0.094},  {GgmlType::Q4_0, 0.097},   {GgmlType::Q3_K, 0.20},
    {GgmlType::Q2_K, 0.36},
};

std::unique_ptr<GgufFile> open_tiny256(const std::string& type) {
  const std::string path = pg::test::shared_path("testdata/gguf/tiny256-" + type + ".gguf");
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

class QuantTiny256 : public ::testing::Test {
 protected:
  void SetUp() override {
    PG_REQUIRE_SHARED();
    reference_ = open_tiny256("F16");
    ASSERT_NE(reference_, nullptr);
  }

  // The F16 file's tensor with the same name and shape as `t`.
  const TensorInfo& original_of(const TensorInfo& t) {
    const TensorInfo* original = reference_->find_tensor(t.name);
    EXPECT_NE(original, nullptr) << t.name;
    if (original == nullptr) throw std::runtime_error("missing tensor " + t.name);
    EXPECT_EQ(original->dims, t.dims) << t.name;
    return *original;
  }

  std::unique_ptr<GgufFile> reference_;
};

TEST_F(QuantTiny256, EveryTensorDequantizesCloseToF16) {
  std::set<GgmlType> seen;
  std::map<std::string, std::vector<float>> originals;  // F16 tensors as floats, by name
  for (const char* file_type : kFileTypes) {
    auto file = open_tiny256(file_type);
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(file->tensors().size(), reference_->tensors().size()) << file_type;
    for (const TensorInfo& t : file->tensors()) {
      ASSERT_TRUE(supports_compute(t.type)) << file_type << " " << t.name;
      const TensorInfo& original = original_of(t);
      auto [cached, inserted] = originals.try_emplace(t.name);
      if (inserted) cached->second = dequantize_tensor(original);
      const std::vector<float>& want = cached->second;
      const auto got = dequantize_tensor(t);
      if (t.type == original.type) {  // norms stay F32 in every file
        EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << file_type << " " << t.name;
        continue;
      }
      seen.insert(t.type);
      ASSERT_TRUE(kRelativeRmsBound.count(t.type)) << file_type << " " << t.name;
      EXPECT_LE(relative_rms_error(got.data(), want.data(), static_cast<int64_t>(got.size())),
                kRelativeRmsBound.at(t.type))
          << file_type << " " << t.name << " (" << pg::ggml_type_name(t.type) << ")";
    }
  }
  EXPECT_EQ(seen.size(), kRelativeRmsBound.size()) << "some tensor type never occurred in the files";
}

TEST_F(QuantTiny256, Bf16FileEqualsConvertedF16Bits) {
  auto file = open_tiny256("BF16");
  ASSERT_NE(file, nullptr);
  int bf16_tensors = 0;
  for (const TensorInfo& t : file->tensors()) {
    if (t.type != GgmlType::BF16) continue;
    ++bf16_tensors;
    const TensorInfo& original = original_of(t);
    ASSERT_EQ(original.type, GgmlType::F16) << t.name;
    for (uint64_t i = 0; i < t.n_elements; ++i) {
      uint16_t half, bf16;
      std::memcpy(&half, original.data + 2 * i, 2);
      std::memcpy(&bf16, t.data + 2 * i, 2);
      ASSERT_EQ(bf16, pg::fp32_to_bf16(pg::fp16_to_fp32(half))) << t.name << " element " << i;
    }
  }
  EXPECT_EQ(bf16_tensors, 16);
}

TEST_F(QuantTiny256, RequantizingF16ReproducesLlamaCppBytes) {
  // llama-quantize (no importance matrix) converts F16 to F32 and calls GGML's
  // quantizers; ours must give the same bytes, block for block. A tensor that
  // several files store in the same type (output.weight as Q6_K) is checked once.
  std::set<std::pair<std::string, GgmlType>> checked;
  for (const char* file_type : kFileTypes) {
    auto file = open_tiny256(file_type);
    ASSERT_NE(file, nullptr);
    for (const TensorInfo& t : file->tensors()) {
      const TensorInfo& original = original_of(t);
      if (t.type == original.type || !checked.insert({t.name, t.type}).second) continue;
      const auto values = dequantize_tensor(original);
      const int64_t row = static_cast<int64_t>(t.dims[0]);
      const uint64_t row_bytes = *pg::ggml_row_bytes(t.type, static_cast<uint64_t>(row));
      std::vector<uint8_t> requantized(t.n_bytes);
      ASSERT_EQ(t.n_bytes, row_bytes * (t.n_elements / row));
      for (uint64_t r = 0; r < t.n_elements / row; ++r) {
        reference_ops(t.type)->quantize_row_model(values.data() + r * row, requantized.data() + r * row_bytes, row);
      }
      size_t first_difference = 0;
      while (first_difference < requantized.size() && requantized[first_difference] == t.data[first_difference]) {
        ++first_difference;
      }
      EXPECT_EQ(first_difference, requantized.size())
          << file_type << " " << t.name << " (" << pg::ggml_type_name(t.type) << ") differs at byte "
          << first_difference;
    }
  }
}

TEST_F(QuantTiny256, VecDotOnRealRowsMatchesDequantizedDot) {
  for (const char* file_type : kFileTypes) {
    auto file = open_tiny256(file_type);
    ASSERT_NE(file, nullptr);
    for (const TensorInfo& t : file->tensors()) {
      if (t.dims.size() < 2) continue;
      const auto* ops = reference_ops(t.type);
      const int64_t n = static_cast<int64_t>(t.dims[0]);
      const uint64_t row_bytes = *pg::ggml_row_bytes(t.type, static_cast<uint64_t>(n));
      const auto x = weight_like_values(n, 77, 1.0f);
      const auto xq = quantize(ops->vec_dot_type, x);
      const auto xd = dequantize(ops->vec_dot_type, xq.data(), n);
      for (uint64_t r = 0; r < t.dims[1]; r += 37) {
        const uint8_t* row = t.data + r * row_bytes;
        const auto wd = dequantize(t.type, row, n);
        double want = 0, magnitude = 0;
        for (int64_t i = 0; i < n; ++i) {
          want += static_cast<double>(wd[i]) * xd[i];
          magnitude += std::fabs(static_cast<double>(wd[i]) * xd[i]);
        }
        // Q4_1/Q5_1 use the activation's fp16-rounded block sum s: up to 2^-11 of
        // |m * d * sum q| per block, which is far below 1e-3 of the magnitude here.
        const double tolerance =
            (t.type == GgmlType::Q4_1 || t.type == GgmlType::Q5_1 ? 1e-3 : 2e-6) * magnitude + 1e-6;
        EXPECT_NEAR(ops->vec_dot(n, row, xq.data()), want, tolerance) << file_type << " " << t.name << " row " << r;
      }
    }
  }
}

}  // namespace
