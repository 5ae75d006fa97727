// The SIMD row kernels of the less common weight types (row_dot_more_avx2.cpp:
// Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL, IQ4_XS, MXFP4) on every kernel path this CPU
// supports: they are really selected, match matmul_reference within the
// magnitude-bound tolerance on odd shapes and 1..9 tokens, give exact sums on
// integer data (so every integer part is exact) and bit-identical results for
// 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

using test::OwnedMatrix;
using test::random_floats;
using test::random_matrix;

const GgmlType kMoreTypes[] = {GgmlType::Q4_1, GgmlType::Q5_0,   GgmlType::Q5_1,   GgmlType::Q2_K,
                               GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};

struct MoreShape {
  int64_t rows, cols;
};

// Odd row counts; one block, a few blocks, and an odd number of many blocks.
std::vector<MoreShape> shapes_for(GgmlType type) {
  if (ggml_type_info(static_cast<uint32_t>(type))->block_size == 32) {
    return {{1, 32}, {7, 96}, {37, 4192}, {13, 1056}};
  }
  return {{1, 256}, {7, 768}, {37, 2816}, {13, 1280}};
}

TEST(KernelsMoreTypes, SimdPathsSelectAKernelForEveryType) {
  for (KernelPath path : supported_kernel_paths()) {
    for (GgmlType type : kMoreTypes) {
      EXPECT_EQ(has_simd_kernel(path, type), path != KernelPath::Scalar)
          << ggml_type_name(type) << " on " << kernel_path_name(path);
    }
  }
}

TEST(KernelsMoreTypes, EveryPathMatchesReferenceForOneToNineTokens) {
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 9100;
  for (GgmlType type : kMoreTypes) {
    for (const MoreShape& shape : shapes_for(type)) {
      const OwnedMatrix m = random_matrix(type, shape.rows, shape.cols, ++seed);
      for (int64_t tokens = 1; tokens <= 9; ++tokens) {
        SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << shape.rows << "x" << shape.cols
                                        << " tokens " << tokens);
        const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * tokens), ++seed);
        std::vector<float> expected(static_cast<size_t>(shape.rows * tokens));
        matmul_reference(m.view, x.data(), tokens, expected.data());
        const std::vector<double> bounds = test::magnitude_bounds(m.view, x, tokens);
        for (KernelPath path : supported_kernel_paths()) {
          SCOPED_TRACE(test::path_label(path));
          std::vector<float> y(expected.size(), -1.0f);
          ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y.data(), pool, scratch));
          test::expect_within_tolerance(y, expected, bounds);
        }
      }
    }
  }
}

TEST(KernelsMoreTypes, PaddedRowsUseRowBytesAsStride) {
  ThreadPool pool(2);
  Scratch scratch;
  for (GgmlType type : kMoreTypes) {
    SCOPED_TRACE(ggml_type_name(type));
    const MoreShape shape = shapes_for(type)[2];
    const OwnedMatrix m = random_matrix(type, shape.rows, shape.cols, 77, 10);
    const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * 3), 78);
    std::vector<float> expected(static_cast<size_t>(shape.rows * 3));
    matmul_reference(m.view, x.data(), 3, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(m.view, x, 3);
    for (KernelPath path : supported_kernel_paths()) {
      SCOPED_TRACE(test::path_label(path));
      std::vector<float> y(expected.size(), -1.0f);
      ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), 3, y.data(), pool, scratch));
      test::expect_within_tolerance(y, expected, bounds);
    }
  }
}

TEST(KernelsMoreTypes, ResultsAreBitIdenticalForOneTwoAndThreeThreads) {
  ThreadPool one(1), two(2), three(3);
  Scratch scratch;
  for (GgmlType type : kMoreTypes) {
    // Large enough (> 64 KiB of weights) that the pool really splits the rows.
    const int64_t rows = 257, cols = 4096;
    const OwnedMatrix m = random_matrix(type, rows, cols, 55);
    for (int64_t tokens : {int64_t{1}, int64_t{5}}) {
      const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), 56);
      const size_t n = static_cast<size_t>(rows * tokens);
      for (KernelPath path : supported_kernel_paths()) {
        SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << test::path_label(path) << " tokens "
                                        << tokens);
        std::vector<float> y1(n), y2(n), y3(n);
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y1.data(), one, scratch));
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y2.data(), two, scratch));
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y3.data(), three, scratch));
        EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), n * sizeof(float)));
        EXPECT_EQ(0, std::memcmp(y1.data(), y3.data(), n * sizeof(float)));
      }
    }
  }
}

// ---- exact results on integer data: scales of 1 (and mins of 0 for the
// types whose min term goes through Q8_1's fp16 sum), integer activations
// that Q8_0/Q8_K convert exactly; every partial sum stays below 2^24, so any
// float order gives the exact answer and any integer slip shows.

// Values in [-16, 16] with a 127 in every 32 (the Q8 block scale becomes 1).
std::vector<float> integer_activations(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-16, 16);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[i] = (i % 32 == 5) ? 127.0f : static_cast<float>(value(rng));
  return x;
}

template <typename Block>
Block* blocks_of(OwnedMatrix& m) {
  return reinterpret_cast<Block*>(m.bytes.data());
}

// Random codes everywhere, then the scales set so that every value is an integer.
OwnedMatrix integer_matrix(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  const uint64_t row_bytes = *ggml_row_bytes(type, static_cast<uint64_t>(cols));
  OwnedMatrix m;
  m.bytes.resize(static_cast<size_t>(rows * row_bytes));
  for (uint8_t& byte : m.bytes) byte = static_cast<uint8_t>(rng());
  const uint16_t one = fp32_to_fp16(1.0f), zero = fp32_to_fp16(0.0f);
  const int64_t small_blocks = rows * cols / 32, super_blocks = rows * cols / 256;
  switch (type) {
    case GgmlType::Q4_1:
      for (int64_t b = 0; b < small_blocks; ++b) {
        blocks_of<quant::BlockQ4_1>(m)[b].d = one;
        blocks_of<quant::BlockQ4_1>(m)[b].m = zero;
      }
      break;
    case GgmlType::Q5_1:
      for (int64_t b = 0; b < small_blocks; ++b) {
        blocks_of<quant::BlockQ5_1>(m)[b].d = one;
        blocks_of<quant::BlockQ5_1>(m)[b].m = zero;
      }
      break;
    case GgmlType::Q5_0:
      for (int64_t b = 0; b < small_blocks; ++b) blocks_of<quant::BlockQ5_0>(m)[b].d = one;
      break;
    case GgmlType::IQ4_NL:
      for (int64_t b = 0; b < small_blocks; ++b) blocks_of<quant::BlockIQ4_NL>(m)[b].d = one;
      break;
    case GgmlType::MXFP4:  // exponent 128: scale 2^0, values are the doubled E2M1 levels
      for (int64_t b = 0; b < small_blocks; ++b) blocks_of<quant::BlockMXFP4>(m)[b].e = 128;
      break;
    case GgmlType::Q2_K:  // random 4-bit scales and mins
      for (int64_t b = 0; b < super_blocks; ++b) {
        blocks_of<quant::BlockQ2_K>(m)[b].d = one;
        blocks_of<quant::BlockQ2_K>(m)[b].dmin = one;
      }
      break;
    case GgmlType::Q3_K:  // random 6-bit scales (-32..31) and high bits
      for (int64_t b = 0; b < super_blocks; ++b) blocks_of<quant::BlockQ3_K>(m)[b].d = one;
      break;
    case GgmlType::IQ4_XS: {
      // Group scales in -3..3 keep the sums small.
      std::uniform_int_distribution<int> scale(-3, 3);
      for (int64_t b = 0; b < super_blocks; ++b) {
        quant::BlockIQ4_XS& block = blocks_of<quant::BlockIQ4_XS>(m)[b];
        block.d = one;
        uint16_t high = 0;
        for (int g = 0; g < 8; ++g) {
          const int ls = 32 + scale(rng);
          if (g % 2 == 0) block.scales_l[g / 2] = static_cast<uint8_t>(ls & 0xF);
          else block.scales_l[g / 2] = static_cast<uint8_t>(block.scales_l[g / 2] | ((ls & 0xF) << 4));
          high = static_cast<uint16_t>(high | ((ls >> 4) << (2 * g)));
        }
        block.scales_h = high;
      }
      break;
    }
    default: ADD_FAILURE() << "no integer matrix for " << ggml_type_name(type);
  }
  m.view = WeightMatrix{type, rows, cols, row_bytes, m.bytes.data()};
  return m;
}

TEST(KernelsMoreTypes, IntegerDataGivesExactSumsOnEveryPath) {
  ThreadPool pool(2);
  Scratch scratch;
  const int64_t rows = 9, tokens = 3;
  for (GgmlType type : kMoreTypes) {
    const int64_t cols = ggml_type_info(static_cast<uint32_t>(type))->block_size == 32 ? 1056 : 768;
    const OwnedMatrix m = integer_matrix(type, rows, cols, 15);
    const std::vector<float> x = integer_activations(cols * tokens, 16);
    std::vector<double> exact(static_cast<size_t>(rows * tokens));
    std::vector<float> w_row(static_cast<size_t>(cols));
    for (int64_t r = 0; r < rows; ++r) {
      quant::dequantize_row(type, m.bytes.data() + r * m.view.row_bytes, w_row.data(), cols);
      for (int64_t t = 0; t < tokens; ++t) {
        double sum = 0;
        for (int64_t c = 0; c < cols; ++c) {
          ASSERT_EQ(w_row[c], std::round(w_row[c])) << ggml_type_name(type) << ": weights must be integers";
          sum += static_cast<double>(w_row[c]) * x[t * cols + c];
        }
        ASSERT_LT(std::fabs(sum), 16777216.0) << "the test data must keep sums exact in float";
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

}  // namespace
}  // namespace pg::kernels
