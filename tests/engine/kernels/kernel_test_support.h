// Helpers for the kernel tests: random weight matrices quantized with the
// reference quantizer, deterministic activations, and the error bound that
// matmul results are checked against. Test-only; never used by src/.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/quant/quant.h"

namespace pg::kernels::test {

// A weight matrix that owns its bytes.
struct OwnedMatrix {
  std::vector<uint8_t> bytes;
  WeightMatrix view;
};

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

// rows x cols random values stored in `type` via the reference quantizer, with
// `padding` extra bytes after each row (row_bytes > packed size).
inline OwnedMatrix random_matrix(GgmlType type, int64_t rows, int64_t cols, uint32_t seed, uint64_t padding = 0) {
  const quant::TypeOps* ops = quant::reference_ops(type);
  EXPECT_NE(ops, nullptr);
  const uint64_t packed = *ggml_row_bytes(type, static_cast<uint64_t>(cols));
  OwnedMatrix m;
  m.bytes.assign(static_cast<size_t>(rows * (packed + padding)), 0xA5);
  const std::vector<float> values = random_floats(static_cast<size_t>(rows * cols), seed, 0.5f);
  for (int64_t r = 0; r < rows; ++r) {
    ops->quantize_row(values.data() + r * cols, m.bytes.data() + r * (packed + padding), cols);
  }
  m.view = WeightMatrix{type, rows, cols, packed + padding, m.bytes.data()};
  return m;
}

// sum_c |W[r][c] * X[t][c]| with both sides as the dot product sees them
// (weights dequantized, activations converted to the vec_dot_type and back):
// the scale of the rounding error any summation order can make.
inline std::vector<double> magnitude_bounds(const WeightMatrix& w, const std::vector<float>& x, int64_t n_tokens) {
  const quant::TypeOps* ops = quant::reference_ops(w.type);
  const quant::TypeOps* act_ops = quant::reference_ops(ops->vec_dot_type);
  const uint64_t act_bytes = *ggml_row_bytes(ops->vec_dot_type, static_cast<uint64_t>(w.cols));
  std::vector<uint8_t> converted(act_bytes);
  std::vector<float> x_seen(static_cast<size_t>(w.cols)), w_row(static_cast<size_t>(w.cols));
  std::vector<double> bounds(static_cast<size_t>(w.rows * n_tokens));
  for (int64_t t = 0; t < n_tokens; ++t) {
    act_ops->quantize_row(x.data() + t * w.cols, converted.data(), w.cols);
    act_ops->dequantize_row(converted.data(), x_seen.data(), w.cols);
    for (int64_t r = 0; r < w.rows; ++r) {
      ops->dequantize_row(static_cast<const uint8_t*>(w.data) + r * w.row_bytes, w_row.data(), w.cols);
      double sum = 0;
      for (int64_t c = 0; c < w.cols; ++c) sum += std::fabs(static_cast<double>(w_row[c]) * x_seen[c]);
      bounds[static_cast<size_t>(t * w.rows + r)] = sum;
    }
  }
  return bounds;
}

// The tolerance every optimized path must meet against matmul_reference.
constexpr double kRelativeTolerance = 1e-5;
constexpr double kAbsoluteTolerance = 1e-6;

inline std::string path_label(KernelPath path) { return std::string(kernel_path_name(path)); }

// Every output within that tolerance of the reference (the first five misses
// reported, with their tolerance).
inline void expect_within_tolerance(const std::vector<float>& got, const std::vector<float>& expected,
                                    const std::vector<double>& bounds) {
  int failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    const double tolerance = kRelativeTolerance * bounds[i] + kAbsoluteTolerance;
    if (!(std::fabs(static_cast<double>(got[i]) - expected[i]) <= tolerance)) {
      ADD_FAILURE() << "output " << i << ": got " << got[i] << ", reference " << expected[i] << ", tolerance "
                    << tolerance;
      ++failures;
    }
  }
}

}  // namespace pg::kernels::test
