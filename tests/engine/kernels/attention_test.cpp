// The attention kernels over an F16 cache (attention.h) on every supported
// path against exact double-precision sums and against the scalar path: key
// dot products within a float-rounding bound, value sums bit-identical to the
// scalar reference (same order, one FMA per term), odd head sizes included;
// on AVX-512 the key products equal the F16 row kernel bit for bit, and the
// probabilities' rounding through F16 equals the scalar conversion everywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/kernels/attention.h"
#include "engine/kernels/row_dot.h"
#include "engine/quant/fp16.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

struct Cache {
  std::vector<uint16_t> values;
  int64_t stride;
};

// n_rows rows of n F16 values, `stride` apart (a KV cache with other heads between).
Cache random_cache(int64_t n_rows, int64_t n, int64_t stride, uint32_t seed) {
  const std::vector<float> v = test::random_floats(static_cast<size_t>(n_rows * stride), seed);
  Cache c{std::vector<uint16_t>(v.size()), stride};
  for (size_t i = 0; i < v.size(); ++i) c.values[i] = fp32_to_fp16(v[i]);
  return c;
}

TEST(KernelsAttention, KeyDotsMatchExactSumsOnEveryPath) {
  for (int64_t n : {64, 128, 80, 7}) {
    const int64_t rows = 37, stride = 3 * n + 5;
    const Cache k = random_cache(rows, n, stride, 11 + static_cast<uint32_t>(n));
    const std::vector<float> qf = test::random_floats(static_cast<size_t>(n), 5);
    std::vector<uint16_t> q(qf.size());
    for (size_t i = 0; i < q.size(); ++i) q[i] = fp32_to_fp16(qf[i]);
    for (KernelPath path : supported_kernel_paths()) {
      SCOPED_TRACE(test::path_label(path) + " n=" + std::to_string(n));
      std::vector<float> out(rows, NAN);
      f16_dots(path, k.values.data(), stride, rows, q.data(), 1, n, out.data(), rows);
      for (int64_t j = 0; j < rows; ++j) {
        double exact = 0, magnitude = 0;
        for (int64_t i = 0; i < n; ++i) {
          const double term = double(fp16_to_fp32(k.values[j * stride + i])) * fp16_to_fp32(q[i]);
          exact += term;
          magnitude += std::fabs(term);
        }
        EXPECT_NEAR(out[j], exact, 1e-6 * magnitude + 1e-6) << "row " << j;
      }
    }
  }
}

// Value sums in lane order: close to the exact sum, the same bits on every
// path, and the same bits when the rows come in two runs (a wrapping ring).
TEST(KernelsAttention, ValueSumsAreBitIdenticalToScalarOnEveryPath) {
  for (int64_t n : {64, 128, 80, 7, 130}) {
    for (int64_t rows : {1, 2, 33, 300}) {
      for (int64_t lane0 : {0, 5, 15}) {
        const int64_t stride = 2 * n + 3;
        const Cache v = random_cache(rows, n, stride, 23 + static_cast<uint32_t>(n + rows));
        std::vector<float> weights = test::random_floats(static_cast<size_t>(rows), 9);
        for (float& w : weights) w = std::fabs(w) / static_cast<float>(rows);
        const size_t lane_floats = static_cast<size_t>(kValueLanes * n);
        std::vector<float> lanes(lane_floats, 0.0f), expected(static_cast<size_t>(n));
        f16_weighted_sum_lanes(KernelPath::Scalar, v.values.data(), stride, rows, weights.data(), rows, 1, n, lane0,
                               lanes.data());
        reduce_value_lanes(lanes.data(), n, expected.data());
        for (int64_t i = 0; i < n; ++i) {
          double exact = 0;
          for (int64_t j = 0; j < rows; ++j) exact += double(weights[j]) * fp16_to_fp32(v.values[j * stride + i]);
          ASSERT_NEAR(expected[i], exact, 1e-5) << "n=" << n << " rows=" << rows << " i=" << i;
        }
        for (KernelPath path : supported_kernel_paths()) {
          SCOPED_TRACE(test::path_label(path) + " n=" + std::to_string(n) + " rows=" + std::to_string(rows) +
                       " lane0=" + std::to_string(lane0));
          std::vector<float> got_lanes(lane_floats + 1, 0.0f);
          got_lanes.back() = -7.0f;  // one guard value past the end
          f16_weighted_sum_lanes(path, v.values.data(), stride, rows, weights.data(), rows, 1, n, lane0, got_lanes.data());
          EXPECT_EQ(got_lanes.back(), -7.0f) << "wrote past the lanes";
          std::vector<float> out(static_cast<size_t>(n));
          reduce_value_lanes(got_lanes.data(), n, out.data());
          for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected[i]) << "i=" << i;
          const int64_t first = rows / 3;
          std::vector<float> split(lane_floats, 0.0f);
          f16_weighted_sum_lanes(path, v.values.data(), stride, first, weights.data(), rows, 1, n, lane0, split.data());
          f16_weighted_sum_lanes(path, v.values.data() + first * stride, stride, rows - first, weights.data() + first,
                                 rows, 1, n, lane0 + first, split.data());
          reduce_value_lanes(split.data(), n, out.data());
          for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected[i]) << "split at " << first << ", i=" << i;
        }
      }
    }
  }
}

// The key products of a SIMD path equal that path's F16 row kernel bit for
// bit (prefill and decode see the same scores), for head sizes with and
// without a whole number of vectors and row counts around the 8- and 16-row
// blocks, with several heads at once.
void expect_key_dots_equal_row_kernel(KernelPath path, detail::RowDotFn row_dot) {
  for (int64_t n : {64, 128, 80, 7, 256, 300, 40}) {
    for (int64_t rows : {0, 1, 3, 4, 8, 9, 16, 17, 35}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " rows=" + std::to_string(rows));
      const int64_t stride = n + 3, heads = 3;
      const Cache k = random_cache(rows, n, stride, 71 + static_cast<uint32_t>(n + rows));
      const std::vector<float> qf = test::random_floats(static_cast<size_t>(n * heads), 9);
      std::vector<uint16_t> q(qf.size());
      for (size_t i = 0; i < q.size(); ++i) q[i] = fp32_to_fp16(qf[i]);
      const int64_t out_stride = rows + 1;
      std::vector<float> out(static_cast<size_t>(out_stride * heads), NAN);
      f16_dots(path, k.values.data(), stride, rows, q.data(), heads, n, out.data(), out_stride);
      for (int64_t h = 0; h < heads; ++h) {
        for (int64_t j = 0; j < rows; ++j) {
          const float expected = row_dot(n, k.values.data() + j * stride, q.data() + h * n);
          EXPECT_EQ(std::memcmp(&out[static_cast<size_t>(h * out_stride + j)], &expected, sizeof expected), 0)
              << "head " << h << " row " << j;
        }
        EXPECT_TRUE(std::isnan(out[static_cast<size_t>(h * out_stride + rows)])) << "wrote past the rows";
      }
    }
  }
}

TEST(KernelsAttention, KeyDotsEqualTheF16RowKernelBitForBitOnAvx512) {
  if (!kernel_path_supported(KernelPath::Avx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  expect_key_dots_equal_row_kernel(KernelPath::Avx512, detail::avx512_row_dot(GgmlType::F16));
}

TEST(KernelsAttention, KeyDotsEqualTheF16RowKernelBitForBitOnAvx2) {
  if (!kernel_path_supported(KernelPath::Avx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  for (KernelPath path : {KernelPath::Avx2, KernelPath::Avx2Tiles}) {
    SCOPED_TRACE(test::path_label(path));
    expect_key_dots_equal_row_kernel(path, detail::avx2_row_dot(GgmlType::F16, false));
  }
}

// Grouped-query attention: several query heads against one KV head give, on
// every path, the same bits as one call per head (key products and value
// lanes), for group sizes that take every head block (7 = 4 + 2 + 1, 9 = 8 + 1),
// odd head sizes, runs that do not start at lane 0, and a ring split in two.
TEST(KernelsAttention, SeveralHeadsAtOnceEqualOneHeadAtATimeBitForBit) {
  for (int64_t heads : {2, 3, 4, 7, 8, 9, 16}) {
    for (int64_t n : {64, 128, 80, 7}) {
      for (int64_t rows : {1, 15, 16, 40, 300}) {
        const int64_t stride = n + 5, lane0 = (heads + rows) % kValueLanes;
        const uint32_t seed = static_cast<uint32_t>(heads * 1000 + n * 10 + rows);
        const Cache kv = random_cache(rows, n, stride, seed);
        const std::vector<float> qf = test::random_floats(static_cast<size_t>(heads * n), seed + 1);
        std::vector<uint16_t> q(qf.size());
        for (size_t i = 0; i < q.size(); ++i) q[i] = fp32_to_fp16(qf[i]);
        const int64_t weight_stride = rows + 3;
        std::vector<float> weights = test::random_floats(static_cast<size_t>(heads * weight_stride), seed + 2);
        for (float& w : weights) w = std::fabs(w) / static_cast<float>(rows);
        const size_t lane_floats = static_cast<size_t>(kValueLanes * n);
        for (KernelPath path : supported_kernel_paths()) {
          SCOPED_TRACE(test::path_label(path) + " heads=" + std::to_string(heads) + " n=" + std::to_string(n) +
                       " rows=" + std::to_string(rows));
          std::vector<float> dots(static_cast<size_t>(heads * weight_stride) + 1, NAN);
          f16_dots(path, kv.values.data(), stride, rows, q.data(), heads, n, dots.data(), weight_stride);
          EXPECT_TRUE(std::isnan(dots.back())) << "wrote past the scores";
          std::vector<float> lanes(static_cast<size_t>(heads) * lane_floats + 1, 0.0f);
          lanes.back() = -7.0f;
          const int64_t first = rows / 3;  // two runs, as a ring that wraps
          f16_weighted_sum_lanes(path, kv.values.data(), stride, first, weights.data(), weight_stride, heads, n, lane0,
                                 lanes.data());
          f16_weighted_sum_lanes(path, kv.values.data() + first * stride, stride, rows - first, weights.data() + first,
                                 weight_stride, heads, n, lane0 + first, lanes.data());
          EXPECT_EQ(lanes.back(), -7.0f) << "wrote past the lanes";
          for (int64_t h = 0; h < heads; ++h) {
            std::vector<float> one(static_cast<size_t>(rows));
            f16_dots(path, kv.values.data(), stride, rows, q.data() + h * n, 1, n, one.data(), rows);
            ASSERT_EQ(std::memcmp(one.data(), dots.data() + h * weight_stride, one.size() * sizeof(float)), 0)
                << "key products of head " << h;
            std::vector<float> one_lanes(lane_floats, 0.0f);
            f16_weighted_sum_lanes(path, kv.values.data(), stride, rows, weights.data() + h * weight_stride, rows, 1, n,
                                   lane0, one_lanes.data());
            ASSERT_EQ(std::memcmp(one_lanes.data(), lanes.data() + h * lane_floats, lane_floats * sizeof(float)), 0)
                << "value lanes of head " << h;
          }
        }
      }
    }
  }
}

TEST(KernelsAttention, RoundingThroughF16EqualsTheScalarConversionOnEveryPath) {
  std::vector<float> x = test::random_floats(1000, 17);
  for (size_t i = 0; i < x.size(); i += 3) x[i] *= 1e-5f;  // F16 subnormals
  for (size_t i = 1; i < x.size(); i += 7) x[i] *= 1e5f;   // beyond F16's range: infinities
  x.insert(x.end(), {0.0f, -0.0f, 1.0f, 65504.0f, 65520.0f, 1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 5.96e-8f,
                     2.98e-8f, -INFINITY, INFINITY});  // ties round to even
  std::vector<float> expected = x;
  for (float& v : expected) v = fp16_to_fp32(fp32_to_fp16(v));
  for (KernelPath path : supported_kernel_paths()) {
    for (int64_t n : {int64_t{0}, int64_t{5}, int64_t{16}, static_cast<int64_t>(x.size())}) {
      SCOPED_TRACE(test::path_label(path) + " n=" + std::to_string(n));
      std::vector<float> y = x;
      round_through_f16(path, y.data(), n);
      for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
        const float want = i < n ? expected[static_cast<size_t>(i)] : x[static_cast<size_t>(i)];
        ASSERT_EQ(std::memcmp(&y[static_cast<size_t>(i)], &want, sizeof want), 0)
            << "value " << i << ": " << x[static_cast<size_t>(i)] << " -> " << y[static_cast<size_t>(i)] << ", want " << want;
      }
    }
  }
}

}  // namespace
}  // namespace pg::kernels
