// get_row (embedding lookup): equals the reference dequantize_row of that row
// for every computable type, honours row_bytes, and rejects bad rows with NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

TEST(KernelsGetRow, EqualsDequantizeRowForEveryType) {
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,
                        GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q6_K, GgmlType::Q4_K, GgmlType::Q2_K}) {
    if (!quant::supports_compute(type)) continue;
    SCOPED_TRACE(ggml_type_name(type));
    const int64_t rows = 5, cols = 512;
    const test::OwnedMatrix m = test::random_matrix(type, rows, cols, 42, /*padding=*/8);
    std::vector<float> got(cols), expected(cols);
    for (int64_t r = 0; r < rows; ++r) {
      kernels::get_row(m.view, r, got.data());
      quant::dequantize_row(type, m.bytes.data() + r * m.view.row_bytes, expected.data(), cols);
      ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), cols * sizeof(float))) << "row " << r;
    }
    // Different rows really differ, so the stride was used.
    std::vector<float> first(cols);
    kernels::get_row(m.view, 0, first.data());
    EXPECT_NE(0, std::memcmp(first.data(), got.data(), cols * sizeof(float)));
  }
}

TEST(KernelsGetRow, OutOfRangeRowOrBadMatrixGivesNan) {
  const test::OwnedMatrix m = test::random_matrix(GgmlType::Q8_0, 3, 64, 1);
  std::vector<float> out(64, 0.0f);
  for (int64_t row : {int64_t{-1}, int64_t{3}, int64_t{1} << 40}) {
    std::fill(out.begin(), out.end(), 0.0f);
    kernels::get_row(m.view, row, out.data());
    for (float v : out) ASSERT_TRUE(std::isnan(v)) << "row " << row;
  }
  WeightMatrix short_rows = m.view;
  short_rows.row_bytes = 10;
  std::fill(out.begin(), out.end(), 0.0f);
  kernels::get_row(short_rows, 0, out.data());
  for (float v : out) ASSERT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace pg::kernels
