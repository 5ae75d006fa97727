// The MXFP4·Q8_0 kernels (the AVX2/AVX-VNNI row kernel that the AVX-512 path
// also runs, and the AMX decoder) against the scalar reference on every path
// this CPU supports: random rows at several lengths and token counts (AMX tile
// edges included); hostile exponent bytes (0, 1, 253, 254, 255 mixed with
// ordinary ones) give finite results wherever the reference does, within the
// usual tolerance; blocks whose products overflow give infinity on every path,
// as GGML's vec_dot does.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/kernels/amx.h"
#include "engine/kernels/kernels.h"
#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/mxfp4_format.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

using quant::BlockMXFP4;
using test::OwnedMatrix;
using test::random_floats;
using test::random_matrix;

void expect_near_reference(const std::vector<float>& got, const std::vector<float>& expected,
                           const std::vector<double>& bounds) {
  int failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    const double tolerance = test::kRelativeTolerance * bounds[i] + test::kAbsoluteTolerance;
    if (!(std::isfinite(got[i]) && std::fabs(static_cast<double>(got[i]) - expected[i]) <= tolerance)) {
      ADD_FAILURE() << "output " << i << ": got " << got[i] << ", reference " << expected[i] << ", tolerance "
                    << tolerance;
      ++failures;
    }
  }
}

TEST(KernelsMxfp4, EverySimdPathHasAKernel) {
  for (KernelPath path : supported_kernel_paths()) {
    EXPECT_EQ(has_simd_kernel(path, GgmlType::MXFP4), path != KernelPath::Scalar) << test::path_label(path);
  }
  if (kernel_path_supported(KernelPath::Amx)) {
    EXPECT_TRUE(detail::amx_has_kernel(GgmlType::MXFP4));
  }
}

TEST(KernelsMxfp4, RandomRowsMatchReferenceOnEveryPathAtSeveralLengths) {
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 3900;
  for (int64_t cols : {32, 64, 96, 288, 2880, 4128}) {
    const OwnedMatrix m = random_matrix(GgmlType::MXFP4, 19, cols, ++seed, cols == 96 ? 5 : 0);
    for (int64_t tokens : {1, 3, 4, 17}) {
      SCOPED_TRACE(testing::Message() << "cols " << cols << " tokens " << tokens);
      const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), ++seed);
      std::vector<float> expected(static_cast<size_t>(19 * tokens));
      matmul_reference(m.view, x.data(), tokens, expected.data());
      const std::vector<double> bounds = test::magnitude_bounds(m.view, x, tokens);
      for (KernelPath path : supported_kernel_paths()) {
        SCOPED_TRACE(test::path_label(path));
        std::vector<float> y(expected.size(), -1.0f);
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y.data(), pool, scratch));
        expect_near_reference(y, expected, bounds);
      }
    }
  }
}

// Random codes with exponent bytes drawn from `exponents`, block by block.
OwnedMatrix matrix_with_exponents(int64_t rows, int64_t cols, const std::vector<uint8_t>& exponents, uint32_t seed) {
  std::mt19937 rng(seed);
  const uint64_t row_bytes = *ggml_row_bytes(GgmlType::MXFP4, static_cast<uint64_t>(cols));
  OwnedMatrix m;
  m.bytes.resize(static_cast<size_t>(rows * row_bytes));
  auto* blocks = reinterpret_cast<BlockMXFP4*>(m.bytes.data());
  for (int64_t b = 0; b < rows * cols / 32; ++b) {
    blocks[b].e = exponents[rng() % exponents.size()];
    for (uint8_t& q : blocks[b].qs) q = static_cast<uint8_t>(rng());
  }
  m.view = WeightMatrix{GgmlType::MXFP4, rows, cols, row_bytes, m.bytes.data()};
  return m;
}

// sum |w * a| in double, with the weights as level * 2^(e - 128) (no float
// overflow) and the activations as the Q8_0 reference quantizer stores them.
std::vector<double> exact_bounds(const OwnedMatrix& m, const std::vector<float>& x, int64_t tokens) {
  const int64_t cols = m.view.cols, blocks = cols / 32;
  std::vector<quant::BlockQ8_0> xq(static_cast<size_t>(blocks));
  std::vector<double> bounds(static_cast<size_t>(m.view.rows * tokens));
  for (int64_t t = 0; t < tokens; ++t) {
    quant::reference_ops(GgmlType::Q8_0)->quantize_row(x.data() + t * cols, xq.data(), cols);
    for (int64_t r = 0; r < m.view.rows; ++r) {
      const auto* w = reinterpret_cast<const BlockMXFP4*>(m.bytes.data() + r * m.view.row_bytes);
      double sum = 0;
      for (int64_t b = 0; b < blocks; ++b) {
        const double scale = std::ldexp(1.0, w[b].e - 128) * fp16_to_fp32(xq[b].d);
        for (int j = 0; j < 16; ++j) {
          sum += scale * std::abs(quant::kMxfp4Values[w[b].qs[j] & 0xF] * xq[b].qs[j]);
          sum += scale * std::abs(quant::kMxfp4Values[w[b].qs[j] >> 4] * xq[b].qs[j + 16]);
        }
      }
      bounds[static_cast<size_t>(t * m.view.rows + r)] = sum;
    }
  }
  return bounds;
}

TEST(KernelsMxfp4, HostileExponentsStayFiniteWhereTheReferenceDoes) {
  ThreadPool pool(2);
  Scratch scratch;
  const std::vector<uint8_t> exponents = {0, 1, 2, 100, 127, 128, 129, 200, 253, 254, 255};
  uint32_t seed = 4100;
  for (int64_t cols : {32, 256, 1056}) {
    const int64_t rows = 21;
    const OwnedMatrix m = matrix_with_exponents(rows, cols, exponents, ++seed);
    for (int64_t tokens : {1, 5, 17}) {
      SCOPED_TRACE(testing::Message() << "cols " << cols << " tokens " << tokens);
      // Activations around 1e-6 (Q8_0 scales near 2^-26) keep every row's
      // sum of |products| below 3e38 even where exponent 255 blocks pile up
      // (asserted below), so the reference stays finite.
      const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), ++seed, 4e-7f);
      std::vector<float> expected(static_cast<size_t>(rows * tokens));
      matmul_reference(m.view, x.data(), tokens, expected.data());
      const std::vector<double> bounds = exact_bounds(m, x, tokens);
      for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_LT(bounds[i], 3e38) << "test data must stay finite";
        ASSERT_TRUE(std::isfinite(expected[i])) << "reference output " << i;
      }
      for (KernelPath path : supported_kernel_paths()) {
        SCOPED_TRACE(test::path_label(path));
        std::vector<float> y(expected.size(), -1.0f);
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y.data(), pool, scratch));
        expect_near_reference(y, expected, bounds);
      }
    }
  }
}

TEST(KernelsMxfp4, OverflowingBlocksGiveInfinityOnEveryPathAsTheReferenceDoes) {
  ThreadPool pool(2);
  Scratch scratch;
  const int64_t rows = 2, cols = 64, tokens = 3;
  OwnedMatrix m;
  const uint64_t row_bytes = *ggml_row_bytes(GgmlType::MXFP4, cols);
  m.bytes.resize(rows * row_bytes);
  auto* blocks = reinterpret_cast<BlockMXFP4*>(m.bytes.data());
  for (int b = 0; b < 4; ++b) {
    blocks[b].e = 255;
    for (uint8_t& q : blocks[b].qs) q = b < 2 ? 0x77 : 0xFF;  // row 0: level 12 everywhere, row 1: -12
  }
  m.view = WeightMatrix{GgmlType::MXFP4, rows, cols, row_bytes, m.bytes.data()};
  const std::vector<float> x(static_cast<size_t>(cols * tokens), 1.0f);
  std::vector<float> expected(static_cast<size_t>(rows * tokens));
  matmul_reference(m.view, x.data(), tokens, expected.data());
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t t = 0; t < tokens; ++t) {
    ASSERT_EQ(expected[t * rows], inf);
    ASSERT_EQ(expected[t * rows + 1], -inf);
  }
  for (KernelPath path : supported_kernel_paths()) {
    SCOPED_TRACE(test::path_label(path));
    std::vector<float> y(expected.size(), 0.0f);
    ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y.data(), pool, scratch));
    for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], expected[i]) << "output " << i;
  }
}

}  // namespace
}  // namespace pg::kernels
