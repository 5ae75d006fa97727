// matmul on every kernel path this CPU supports against the scalar reference:
// random reference-quantized weights of odd shapes, exact results on integer
// data, bit-identical results for 1, 2 and 3 threads, and rejection of bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/kernels/kernels.h"
#include "kernel_test_support.h"
#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"

namespace pg::kernels {
namespace {

using test::OwnedMatrix;
using test::random_floats;
using test::random_matrix;

struct Shape {
  int64_t rows, cols, tokens;
};

// Shapes per family: odd row counts, 1/3/17 tokens, cols from one block to 4096+.
std::vector<Shape> shapes_for(GgmlType type) {
  const uint32_t block = ggml_type_info(static_cast<uint32_t>(type))->block_size;
  if (block == 1) {
    return {{1, 7, 1}, {7, 33, 3}, {33, 172, 17}, {257, 63, 17}, {33, 4096, 1}, {7, 4099, 3}, {257, 4096, 3}};
  }
  if (block == 32) return {{1, 32, 1}, {7, 96, 3}, {33, 4096, 1}, {257, 64, 17}, {33, 4096, 17}, {257, 4096, 3}};
  return {{1, 256, 1}, {7, 768, 3}, {33, 4096, 1}, {257, 256, 17}, {33, 4096, 17}, {257, 4096, 3}};
}

// Checks every supported path against matmul_reference on all shapes of `type`.
void expect_paths_match_reference(GgmlType type, uint64_t padding = 0) {
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 1000 + static_cast<uint32_t>(type) * 31;
  for (const Shape& shape : shapes_for(type)) {
    SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << shape.rows << "x" << shape.cols << " tokens "
                                    << shape.tokens);
    const OwnedMatrix m = random_matrix(type, shape.rows, shape.cols, ++seed, padding);
    const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * shape.tokens), ++seed);
    std::vector<float> expected(static_cast<size_t>(shape.rows * shape.tokens));
    matmul_reference(m.view, x.data(), shape.tokens, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(m.view, x, shape.tokens);
    for (KernelPath path : supported_kernel_paths()) {
      SCOPED_TRACE(test::path_label(path));
      std::vector<float> y(expected.size(), -1.0f);
      ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), shape.tokens, y.data(), pool, scratch));
      int failures = 0;
      for (size_t i = 0; i < y.size() && failures < 5; ++i) {
        const double tolerance = test::kRelativeTolerance * bounds[i] + test::kAbsoluteTolerance;
        if (!(std::fabs(static_cast<double>(y[i]) - expected[i]) <= tolerance)) {
          ADD_FAILURE() << "output " << i << ": got " << y[i] << ", reference " << expected[i] << ", tolerance "
                        << tolerance;
          ++failures;
        }
      }
    }
  }
}

TEST(KernelsMatmul, F32MatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::F32); }
TEST(KernelsMatmul, F16MatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::F16); }
TEST(KernelsMatmul, BF16MatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::BF16); }
TEST(KernelsMatmul, Q8_0MatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::Q8_0); }
TEST(KernelsMatmul, Q4_0MatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::Q4_0); }
TEST(KernelsMatmul, Q6_KMatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::Q6_K); }
TEST(KernelsMatmul, Q4_KMatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::Q4_K); }
TEST(KernelsMatmul, Q5_KMatchesScalarOnEveryPath) { expect_paths_match_reference(GgmlType::Q5_K); }

// The kernels of row_dot_more_avx2.cpp (more_types_test.cpp checks them in depth).
TEST(KernelsMatmul, LessCommonTypesMatchScalarOnEveryPath) {
  for (GgmlType type : {GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K,
                        GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4}) {
    ASSERT_TRUE(quant::supports_compute(type)) << ggml_type_name(type);
    expect_paths_match_reference(type);
  }
}

TEST(KernelsMatmul, PaddedRowsUseRowBytesAsStride) {
  expect_paths_match_reference(GgmlType::Q4_0, 14);
  expect_paths_match_reference(GgmlType::F16, 6);
}

// Every type the engine can multiply has a SIMD kernel on every SIMD path; the
// scalar reference vec_dot is only the Scalar path.
TEST(KernelsMatmul, SimdPathsHaveKernelsForEveryComputableType) {
  int computable = 0;
  for (uint32_t id = 0; id < 64; ++id) {
    if (!ggml_type_info(id)) continue;
    const auto type = static_cast<GgmlType>(id);
    const bool computes = quant::supports_compute(type);
    if (computes) ++computable;
    for (KernelPath path : supported_kernel_paths()) {
      EXPECT_EQ(has_simd_kernel(path, type), computes && path != KernelPath::Scalar)
          << ggml_type_name(type) << " on " << test::path_label(path);
    }
  }
  // F32 F16 BF16, Q4_0 Q4_1 Q5_0 Q5_1 Q8_0, Q2_K..Q6_K, IQ4_NL IQ4_XS, MXFP4.
  EXPECT_EQ(computable, 16);
}

TEST(KernelsMatmul, ScalarPathEqualsReferenceBitForBit) {
  ThreadPool pool(3);
  Scratch scratch;
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::Q4_0, GgmlType::Q6_K}) {
    SCOPED_TRACE(ggml_type_name(type));
    const OwnedMatrix m = random_matrix(type, 37, 512, 7);
    const std::vector<float> x = random_floats(512 * 5, 8);
    std::vector<float> expected(37 * 5), y(37 * 5);
    matmul_reference(m.view, x.data(), 5, expected.data());
    ASSERT_TRUE(matmul_with_path(KernelPath::Scalar, m.view, x.data(), 5, y.data(), pool, scratch));
    EXPECT_EQ(0, std::memcmp(y.data(), expected.data(), y.size() * sizeof(float)));
  }
}

TEST(KernelsMatmul, ResultsAreBitIdenticalForOneTwoAndThreeThreads) {
  ThreadPool one(1), two(2), three(3);
  Scratch scratch;
  for (GgmlType type :
       {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q5_K,
        GgmlType::Q6_K, GgmlType::Q4_1}) {
    for (const Shape& shape : {Shape{257, 256, 17}, Shape{33, 4096, 3}, Shape{2, 512, 1}}) {
      const OwnedMatrix m = random_matrix(type, shape.rows, shape.cols, 99);
      const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * shape.tokens), 100);
      for (KernelPath path : supported_kernel_paths()) {
        SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << test::path_label(path) << " rows "
                                        << shape.rows);
        const size_t n = static_cast<size_t>(shape.rows * shape.tokens);
        std::vector<float> y1(n), y2(n), y3(n);
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), shape.tokens, y1.data(), one, scratch));
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), shape.tokens, y2.data(), two, scratch));
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), shape.tokens, y3.data(), three, scratch));
        EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), n * sizeof(float)));
        EXPECT_EQ(0, std::memcmp(y1.data(), y3.data(), n * sizeof(float)));
      }
    }
  }
}

// ---- exact results on integer data (every product and partial sum is an
// integer below 2^24, so any summation order must give the exact answer)

// Integer activations with a 127 in every 256 values: Q8_0 and Q8_K convert them exactly.
std::vector<float> integer_activations(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-127, 127);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[i] = (i % 32 == 5) ? 127.0f : static_cast<float>(value(rng));
  return x;
}

OwnedMatrix integer_matrix(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  const uint64_t row_bytes = *ggml_row_bytes(type, static_cast<uint64_t>(cols));
  OwnedMatrix m;
  m.bytes.resize(static_cast<size_t>(rows * row_bytes));
  for (uint8_t& byte : m.bytes) byte = static_cast<uint8_t>(rng());
  const uint16_t one_f16 = fp32_to_fp16(1.0f);
  const int64_t elements = rows * cols;
  std::uniform_int_distribution<int> small(-8, 8);
  switch (type) {
    case GgmlType::F32: {
      auto* v = reinterpret_cast<float*>(m.bytes.data());
      for (int64_t i = 0; i < elements; ++i) v[i] = static_cast<float>(small(rng));
      break;
    }
    case GgmlType::F16:
    case GgmlType::BF16: {
      auto* v = reinterpret_cast<uint16_t*>(m.bytes.data());
      for (int64_t i = 0; i < elements; ++i) {
        const auto f = static_cast<float>(small(rng));
        v[i] = type == GgmlType::F16 ? fp32_to_fp16(f) : fp32_to_bf16(f);
      }
      break;
    }
    case GgmlType::Q8_0: {
      auto* blocks = reinterpret_cast<quant::BlockQ8_0*>(m.bytes.data());
      for (int64_t b = 0; b < elements / 32; ++b) {
        blocks[b].d = one_f16;
        for (int8_t& q : blocks[b].qs) q = static_cast<int8_t>(small(rng));
      }
      break;
    }
    case GgmlType::Q4_0: {
      auto* blocks = reinterpret_cast<quant::BlockQ4_0*>(m.bytes.data());
      for (int64_t b = 0; b < elements / 32; ++b) blocks[b].d = one_f16;  // nibbles stay random
      break;
    }
    case GgmlType::Q6_K: {
      auto* blocks = reinterpret_cast<quant::BlockQ6_K*>(m.bytes.data());
      for (int64_t b = 0; b < elements / 256; ++b) {
        blocks[b].d = one_f16;
        for (int8_t& s : blocks[b].scales) s = static_cast<int8_t>(small(rng) / 3);  // -2..2
      }
      break;
    }
    case GgmlType::Q4_K:
    case GgmlType::Q5_K: {
      // d = dmin = 1 and every 6-bit scale and min in 0..3; codes stay random.
      const uint64_t block_bytes = type == GgmlType::Q4_K ? sizeof(quant::BlockQ4_K) : sizeof(quant::BlockQ5_K);
      for (int64_t b = 0; b < elements / 256; ++b) {
        auto* block = reinterpret_cast<quant::BlockQ4_K*>(m.bytes.data() + b * block_bytes);  // same head layout
        block->d = one_f16;
        block->dmin = one_f16;
        for (uint8_t& s : block->scales) s &= 3;
      }
      break;
    }
    default: ADD_FAILURE() << "no integer matrix for " << ggml_type_name(type);
  }
  m.view = WeightMatrix{type, rows, cols, row_bytes, m.bytes.data()};
  return m;
}

TEST(KernelsMatmul, IntegerDataGivesExactSumsOnEveryPath) {
  ThreadPool pool(2);
  Scratch scratch;
  const int64_t rows = 9, tokens = 3;
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_K,
                        GgmlType::Q5_K, GgmlType::Q6_K}) {
    // Odd block counts and ragged tails; small enough that sums stay below 2^24.
    const uint32_t block = ggml_type_info(static_cast<uint32_t>(type))->block_size;
    const int64_t cols = block == 1 ? 1059 : block == 32 ? 1056 : 768;
    const OwnedMatrix m = integer_matrix(type, rows, cols, 5);
    const std::vector<float> x = integer_activations(cols * tokens, 6);
    std::vector<double> exact(static_cast<size_t>(rows * tokens));
    std::vector<float> w_row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      quant::dequantize_row(type, m.bytes.data() + r * m.view.row_bytes, w_row.data(), cols);
      for (int64_t t = 0; t < tokens; ++t) {
        double sum = 0;
        for (int64_t c = 0; c < cols; ++c) {
          ASSERT_EQ(w_row[c], std::round(w_row[c])) << "weights must be integers";
          sum += static_cast<double>(w_row[c]) * x[t * cols + c];
        }
        exact[static_cast<size_t>(t * rows + r)] = sum;
      }
    }
    for (KernelPath path : supported_kernel_paths()) {
      SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << test::path_label(path));
      std::vector<float> y(exact.size());
      ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y.data(), pool, scratch));
      for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(static_cast<double>(y[i]), exact[i]) << "output " << i;
    }
  }
}

// ---- bad input

TEST(KernelsMatmul, RejectsInvalidMatrices) {
  std::vector<uint8_t> bytes(4096);
  WeightMatrix good{GgmlType::Q4_0, 2, 64, 36, bytes.data()};
  EXPECT_TRUE(validate_weight_matrix(good));

  WeightMatrix bad_cols = good;
  bad_cols.cols = 48;
  EXPECT_FALSE(validate_weight_matrix(bad_cols));
  WeightMatrix short_rows = good;
  short_rows.row_bytes = 35;
  const Status short_status = validate_weight_matrix(short_rows);
  EXPECT_FALSE(short_status);
  EXPECT_NE(short_status.message().find("row_bytes 35"), std::string::npos) << short_status.message();
  WeightMatrix no_data = good;
  no_data.data = nullptr;
  EXPECT_FALSE(validate_weight_matrix(no_data));
  WeightMatrix negative = good;
  negative.rows = -1;
  EXPECT_FALSE(validate_weight_matrix(negative));
  WeightMatrix activation_only{GgmlType::Q8_K, 1, 256, 292, bytes.data()};
  EXPECT_FALSE(validate_weight_matrix(activation_only));
  WeightMatrix integer{GgmlType::I32, 1, 16, 64, bytes.data()};
  EXPECT_FALSE(validate_weight_matrix(integer));
  WeightMatrix unknown{static_cast<GgmlType>(77), 1, 16, 64, bytes.data()};
  EXPECT_FALSE(validate_weight_matrix(unknown));
}

TEST(KernelsMatmul, InvalidInputFillsNanOrReportsError) {
  ThreadPool pool(2);
  Scratch scratch;
  std::vector<uint8_t> bytes(4096);
  WeightMatrix bad{GgmlType::Q4_0, 3, 48, 36, bytes.data()};  // 48 is not a multiple of 32
  std::vector<float> x(48, 1.0f), y(6, 0.0f);
  matmul(bad, x.data(), 2, y.data(), pool, scratch);
  for (float v : y) EXPECT_TRUE(std::isnan(v));
  std::fill(y.begin(), y.end(), 0.0f);
  matmul_reference(bad, x.data(), 2, y.data());
  for (float v : y) EXPECT_TRUE(std::isnan(v));

  WeightMatrix good{GgmlType::F32, 3, 2, 8, bytes.data()};
  EXPECT_FALSE(matmul_with_path(KernelPath::Scalar, good, x.data(), -1, y.data(), pool, scratch));
  EXPECT_FALSE(matmul_with_path(KernelPath::Scalar, good, nullptr, 1, y.data(), pool, scratch));
  EXPECT_TRUE(matmul_with_path(KernelPath::Scalar, good, x.data(), 0, y.data(), pool, scratch));
  for (KernelPath path : {KernelPath::Avx2, KernelPath::Avx2Vnni, KernelPath::Avx512}) {
    if (kernel_path_supported(path)) continue;
    const Status status = matmul_with_path(path, good, x.data(), 1, y.data(), pool, scratch);
    EXPECT_FALSE(status);
    EXPECT_NE(status.message().find(kernel_path_name(path)), std::string::npos);
  }
}

}  // namespace
}  // namespace pg::kernels
