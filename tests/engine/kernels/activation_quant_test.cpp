// The SIMD activation quantizers produce exactly the reference's bytes (Q8_0,
// Q8_1, Q8_K), on rows with every kind of value the forward pass can hand
// them: normal activations, tiny and huge magnitudes, exact halves (rounding
// ties), zero blocks and repeated maxima.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/kernels/row_dot.h"
#include "engine/quant/quant.h"

namespace pg::kernels {
namespace {

std::vector<std::vector<float>> test_rows(int64_t n) {
  std::vector<std::vector<float>> rows;
  std::mt19937 rng(11);
  for (float scale : {1.0f, 1e-3f, 1e-6f, 40.0f, 3e4f}) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> r(static_cast<size_t>(n));
    for (float& v : r) v = normal(rng);
    rows.push_back(r);
  }
  std::vector<float> ties(static_cast<size_t>(n));  // x * id lands on .5 often
  for (int64_t i = 0; i < n; ++i) ties[static_cast<size_t>(i)] = static_cast<float>((i % 255) - 127) * 0.5f;
  rows.push_back(ties);
  std::vector<float> zeros(static_cast<size_t>(n), 0.0f);
  for (int64_t i = n / 2; i < n; ++i) zeros[static_cast<size_t>(i)] = (i % 3 == 0) ? -2.0f : 2.0f;  // zero blocks + repeated max
  rows.push_back(zeros);
  std::vector<float> small_ints(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) small_ints[static_cast<size_t>(i)] = static_cast<float>(static_cast<int>(i * 37 % 19) - 9);
  rows.push_back(small_ints);
  return rows;
}

void expect_byte_identical(detail::QuantizeRowFn (*table)(GgmlType)) {
  const int64_t n = 2048;
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K}) {
    SCOPED_TRACE(ggml_type_name(type));
    detail::QuantizeRowFn simd = table(type);
    ASSERT_NE(simd, nullptr);
    const quant::TypeOps* reference = quant::reference_ops(type);
    const uint64_t bytes = *ggml_row_bytes(type, n);
    int row_index = 0;
    for (const std::vector<float>& row : test_rows(n)) {
      std::vector<uint8_t> expected(bytes, 0xCD), got(bytes, 0xAB);
      reference->quantize_row(row.data(), expected.data(), n);
      simd(row.data(), got.data(), n);
      EXPECT_EQ(0, std::memcmp(expected.data(), got.data(), bytes)) << "row " << row_index;
      ++row_index;
    }
  }
  EXPECT_EQ(table(GgmlType::F16), nullptr);
}

TEST(KernelsActivationQuant, Avx512QuantizersAreByteIdenticalToTheReference) {
  if (!kernel_path_supported(KernelPath::Avx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  expect_byte_identical(detail::avx512_quantize_row);
}

TEST(KernelsActivationQuant, Avx2QuantizersAreByteIdenticalToTheReference) {
  if (!kernel_path_supported(KernelPath::Avx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  expect_byte_identical(detail::avx2_quantize_row);
}

}  // namespace
}  // namespace pg::kernels
