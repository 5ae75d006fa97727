// vec_dot of every weight type against the float dot product of the
// dequantized weight row and the dequantized activation row (the activation
// quantized to the type's vec_dot_type first, as GGML does), plus exact results
// on hand-built rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"
#include "quant_test_util.h"

namespace {

using pg::GgmlType;
using namespace pg::quant;
using namespace pg::quant::test;

// Q4_1/Q5_1 dot products use the activation block's stored s = fp16(d * sum q)
// instead of the exact d * sum q for the min term (as GGML does); that rounding
// is allowed on top of the float tolerance: sum over blocks of |m| * |s - d*sum q|.
double q8_1_sum_rounding(GgmlType weight_type, const std::vector<uint8_t>& weights,
                         const std::vector<uint8_t>& activations, int64_t n) {
  if (weight_type != GgmlType::Q4_1 && weight_type != GgmlType::Q5_1) return 0;
  double total = 0;
  const size_t weight_block = weight_type == GgmlType::Q4_1 ? sizeof(BlockQ4_1) : sizeof(BlockQ5_1);
  for (int64_t b = 0; b < n / 32; ++b) {
    BlockQ8_1 a;
    std::memcpy(&a, activations.data() + b * sizeof(BlockQ8_1), sizeof a);
    uint16_t m_bits;  // m is the second fp16 of both Q4_1 and Q5_1 blocks
    std::memcpy(&m_bits, weights.data() + b * weight_block + 2, 2);
    int sum = 0;
    for (int j = 0; j < 32; ++j) sum += a.qs[j];
    const double exact_s = static_cast<double>(pg::fp16_to_fp32(a.d)) * sum;
    total += std::fabs(pg::fp16_to_fp32(m_bits)) * std::fabs(pg::fp16_to_fp32(a.s) - exact_s);
  }
  return total;
}

TEST(QuantVecDot, MatchesDotOfDequantizedRows) {
  const GgmlType types[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0,   GgmlType::Q4_1,
                            GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,   GgmlType::Q3_K,
                            GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS};
  const int64_t n = 256 * 6;
  for (GgmlType type : types) {
    const auto* ops = reference_ops(type);
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      const auto w = weight_like_values(n, seed * 100, 0.05f);
      const auto x = weight_like_values(n, seed * 100 + 1, 2.0f);
      const auto wq = quantize(type, w);
      const auto xq = quantize(ops->vec_dot_type, x);
      const auto wd = dequantize(type, wq.data(), n);
      const auto xd = dequantize(ops->vec_dot_type, xq.data(), n);
      double want = 0, magnitude = 0;
      for (int64_t i = 0; i < n; ++i) {
        want += static_cast<double>(wd[i]) * xd[i];
        magnitude += std::fabs(static_cast<double>(wd[i]) * xd[i]);
      }
      const float got = ops->vec_dot(n, wq.data(), xq.data());
      // Float accumulation over ~n/32 block terms: 2e-6 of the magnitude is ample.
      const double tolerance = 2e-6 * magnitude + q8_1_sum_rounding(type, wq, xq, n);
      EXPECT_NEAR(got, want, tolerance) << pg::ggml_type_name(type) << " seed " << seed;
    }
  }
}

TEST(QuantVecDot, PlainTypesAccumulateInDouble) {
  // 1 + 1e-8 * k summed: float accumulation would lose the small terms.
  const int64_t n = 4096;
  std::vector<float> w(n, 1.0f), x(n, 1.0f);
  w[0] = 1e8f;
  const float got = reference_ops(GgmlType::F32)->vec_dot(n, w.data(), x.data());
  EXPECT_EQ(got, static_cast<float>(1e8 + 4095.0));
  std::vector<uint16_t> wh(n, pg::fp32_to_fp16(1.0f)), xh(n, pg::fp32_to_fp16(1.0f));
  wh[0] = pg::fp32_to_fp16(60000.0f);
  xh[0] = pg::fp32_to_fp16(1024.0f);
  EXPECT_EQ(reference_ops(GgmlType::F16)->vec_dot(n, wh.data(), xh.data()),
            static_cast<float>(60000.0 * 1024.0 + 4095.0));
}

TEST(QuantVecDot, HandBuiltQ8_0AndQ4_0Rows) {
  // Weights: Q8_0 blocks with d = 1, q = 1; activations: d = 0.5, q = 2 -> 1 per element.
  std::vector<BlockQ8_0> w(2), a(2);
  for (int b = 0; b < 2; ++b) {
    w[b].d = 0x3C00;
    a[b].d = 0x3800;
    for (int j = 0; j < 32; ++j) {
      w[b].qs[j] = 1;
      a[b].qs[j] = 2;
    }
  }
  a[1].qs[31] = -100;  // element 63: 1 * 0.5 * -100 = -50 instead of 1
  EXPECT_EQ(reference_ops(GgmlType::Q8_0)->vec_dot(64, w.data(), a.data()), 63.0f - 50.0f);

  // Q4_0 weight: d = 2, all nibbles 9 (value 2), against the same activations: 64 * 2 * 1, with the
  // last element -50 * 2 instead of 2.
  std::vector<BlockQ4_0> w4(2);
  for (auto& block : w4) {
    block.d = 0x4000;
    std::memset(block.qs, 0x99, sizeof block.qs);
  }
  EXPECT_EQ(reference_ops(GgmlType::Q4_0)->vec_dot(64, w4.data(), a.data()), 63.0f * 2 - 100.0f);
}

TEST(QuantVecDot, HandBuiltQ6_KRowUsesGroupScales) {
  // Q6_K block: d = 1, group g scale = g + 1, every level 33 (value +1); Q8_K
  // activation: d = 0.5, every q = 2 -> each element contributes (g + 1).
  BlockQ6_K w;
  std::memset(&w, 0, sizeof w);
  w.d = 0x3C00;
  for (int g = 0; g < 16; ++g) w.scales[g] = static_cast<int8_t>(g + 1);
  std::memset(w.ql, 0x11, sizeof w.ql);  // low 4 bits 1
  std::memset(w.qh, 0xAA, sizeof w.qh);  // high 2 bits 2 -> level 32 + 1
  BlockQ8_K a;
  std::memset(&a, 0, sizeof a);
  a.d = 0.5f;
  std::memset(a.qs, 2, sizeof a.qs);
  for (int g = 0; g < 16; ++g) a.bsums[g] = 32;
  // sum over groups of 16 * (g + 1) = 16 * 136
  EXPECT_EQ(reference_ops(GgmlType::Q6_K)->vec_dot(256, &w, &a), 2176.0f);
}

}  // namespace
