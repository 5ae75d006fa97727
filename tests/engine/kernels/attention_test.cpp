// The attention kernels over an F16 cache (attention.h) on every supported
// path against exact double-precision sums and against the scalar path: key
// dot products within a float-rounding bound, value sums bit-identical to the
// scalar reference (same order, one FMA per term), odd head sizes included.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/kernels/attention.h"
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
      f16_dots(path, k.values.data(), stride, rows, q.data(), n, out.data());
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

TEST(KernelsAttention, ValueSumsAreBitIdenticalToScalarOnEveryPath) {
  for (int64_t n : {64, 128, 80, 7, 130}) {
    for (int64_t rows : {1, 2, 33, 300}) {
      const int64_t stride = 2 * n + 3;
      const Cache v = random_cache(rows, n, stride, 23 + static_cast<uint32_t>(n + rows));
      std::vector<float> weights = test::random_floats(static_cast<size_t>(rows), 9);
      for (float& w : weights) w = std::fabs(w) / static_cast<float>(rows);
      std::vector<float> expected(static_cast<size_t>(n), 0.0f);
      f16_weighted_sum(KernelPath::Scalar, v.values.data(), stride, rows, weights.data(), n, expected.data());
      for (int64_t i = 0; i < n; ++i) {
        double exact = 0;
        for (int64_t j = 0; j < rows; ++j) exact += double(weights[j]) * fp16_to_fp32(v.values[j * stride + i]);
        ASSERT_NEAR(expected[i], exact, 1e-5) << "n=" << n << " rows=" << rows << " i=" << i;
      }
      for (KernelPath path : supported_kernel_paths()) {
        SCOPED_TRACE(test::path_label(path) + " n=" + std::to_string(n) + " rows=" + std::to_string(rows));
        std::vector<float> out(static_cast<size_t>(n) + 1, -7.0f);  // one guard value past the end
        std::fill(out.begin(), out.begin() + n, 0.0f);
        f16_weighted_sum(path, v.values.data(), stride, rows, weights.data(), n, out.data());
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected[i]) << "i=" << i;
        EXPECT_EQ(out[n], -7.0f) << "wrote past the output";
        // Two runs of rows (a wrapping ring) accumulate to exactly the one-call sum.
        const int64_t first = rows / 3;
        std::vector<float> split(static_cast<size_t>(n), 0.0f);
        f16_weighted_sum(path, v.values.data(), stride, first, weights.data(), n, split.data());
        f16_weighted_sum(path, v.values.data() + first * stride, stride, rows - first, weights.data() + first, n,
                         split.data());
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(split[i], expected[i]) << "split at " << first << ", i=" << i;
      }
    }
  }
}

}  // namespace
}  // namespace pg::kernels
