// The AVX2 packed-activation Q4_0 kernel (packed_q4_avx2.cpp) against the AVX2
// row kernel it replaces on the avx2 paths: the same exact integer lanes and
// float steps, so every output must be the same bits, with and without
// AVX-VNNI, for random rows and for rows at the extreme codes (constant rows
// quantize to nibble 0, i.e. -8, constant activations to +-127), and its
// token-tile twin must equal it per token.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/kernels/row_dot.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

std::vector<float> patterned(int64_t rows, int64_t cols, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(rows * cols));
  const std::vector<float> noise = test::random_floats(v.size(), seed);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r * cols + c);
      v[i] = r % 4 == 0 ? 1.0f : r % 4 == 1 ? -1.0f : r % 4 == 2 ? (c % 2 == 0 ? 1.0f : -0.875f) : noise[i];
    }
  }
  return v;
}

std::vector<uint8_t> quantized(GgmlType type, const std::vector<float>& values, int64_t rows, int64_t cols) {
  const uint64_t row_bytes = *ggml_row_bytes(type, static_cast<uint64_t>(cols));
  std::vector<uint8_t> out(static_cast<size_t>(rows * row_bytes));
  for (int64_t r = 0; r < rows; ++r) {
    quant::reference_ops(type)->quantize_row(values.data() + r * cols, out.data() + r * row_bytes, cols);
  }
  return out;
}

void expect_packed_equals_row_kernel(GgmlType type, const detail::PackedKernel* packed, detail::RowDotFn row,
                                     std::vector<int64_t> col_counts) {
  ASSERT_NE(packed, nullptr);
  ASSERT_NE(row, nullptr);
  const GgmlType activation = quant::reference_ops(type)->vec_dot_type;
  for (int64_t cols : col_counts) {
    SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " cols " << cols);
    const int64_t rows = 8, tokens = detail::kTileTokens;
    const std::vector<uint8_t> w = quantized(type, patterned(rows, cols, 11), rows, cols);
    const std::vector<uint8_t> a = quantized(activation, patterned(tokens, cols, 12), tokens, cols);
    const uint64_t w_bytes = *ggml_row_bytes(type, static_cast<uint64_t>(cols));
    const uint64_t a_bytes = *ggml_row_bytes(activation, static_cast<uint64_t>(cols));
    {  // every row against every token, alone and as a tile
      const uint64_t stride = packed->packed_bytes(cols);
      std::vector<uint8_t> p(static_cast<size_t>(tokens * stride));
      for (int64_t t = 0; t < tokens; ++t) packed->pack(cols, a.data() + t * a_bytes, p.data() + t * stride);
      for (int64_t r = 0; r < rows; ++r) {
        float tile[detail::kTileTokens];
        packed->dot_tokens(cols, w.data() + r * w_bytes, p.data(), stride, tile);
        for (int64_t t = 0; t < tokens; ++t) {
          const float expected = row(cols, w.data() + r * w_bytes, a.data() + t * a_bytes);
          const float got = packed->dot(cols, w.data() + r * w_bytes, p.data() + t * stride);
          EXPECT_EQ(0, std::memcmp(&expected, &got, sizeof got)) << "row " << r << " token " << t;
          EXPECT_EQ(0, std::memcmp(&expected, &tile[t], sizeof got)) << "row " << r << " token " << t;
        }
      }
    }
  }
}

TEST(KernelsPackedAvx2, Q4_0EqualsTheRowKernelBitForBit) {
  if (!kernel_path_supported(KernelPath::Avx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  EXPECT_EQ(detail::avx2_packed_kernel(GgmlType::Q8_0, false), nullptr);
  for (bool vnni : {false, true}) {
    if (vnni && !kernel_path_supported(KernelPath::Avx2Vnni)) continue;
    SCOPED_TRACE(testing::Message() << "vnni " << vnni);
    expect_packed_equals_row_kernel(GgmlType::Q4_0, detail::avx2_packed_kernel(GgmlType::Q4_0, vnni),
                                    detail::avx2_row_dot(GgmlType::Q4_0, vnni), {32, 96, 2048});
  }
}

}  // namespace
}  // namespace pg::kernels
