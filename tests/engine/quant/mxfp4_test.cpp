// The MXFP4 reference ops (engine/quant/mxfp4.cpp) on hand-worked blocks, with
// GGML's facts: the E8M0 half scale bit patterns, the doubled E2M1 table, the
// quantizer's exponent choice (floor(log2(amax)) - 2 + 127) and its first-wins
// nearest level, ties and NaN/infinity/zero blocks; vec_dot against Q8_0 is
// the dequantized dot (exact on integer data); hostile exponents never crash
// and give infinities only where GGML's formulas overflow; a row length that is
// not a multiple of 32 is refused by the matrix validation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/mxfp4_format.h"
#include "engine/quant/quant.h"
#include "quant_test_util.h"

namespace {

using pg::GgmlType;
using pg::quant::BlockMXFP4;
using pg::quant::BlockQ8_0;
using pg::quant::e8m0_to_fp32_half;
using pg::quant::kMxfp4Values;
using pg::quant::reference_ops;
using namespace pg::quant::test;

float from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

BlockMXFP4 quantize_block(const float (&x)[32]) {
  BlockMXFP4 block{};
  reference_ops(GgmlType::MXFP4)->quantize_row(x, &block, 32);
  return block;
}

int code_of(const BlockMXFP4& block, int j) { return j < 16 ? block.qs[j] & 0xF : block.qs[j - 16] >> 4; }

TEST(QuantMxfp4, E8m0HalfScaleHasGgmlsBitPatterns) {
  EXPECT_EQ(e8m0_to_fp32_half(0), from_bits(0x00200000));  // 2^-128, subnormal
  EXPECT_EQ(e8m0_to_fp32_half(1), from_bits(0x00400000));  // 2^-127, subnormal
  EXPECT_EQ(e8m0_to_fp32_half(2), std::ldexp(1.0f, -126));
  EXPECT_EQ(e8m0_to_fp32_half(127), 0.5f);
  EXPECT_EQ(e8m0_to_fp32_half(128), 1.0f);
  EXPECT_EQ(e8m0_to_fp32_half(254), std::ldexp(1.0f, 126));
  EXPECT_EQ(e8m0_to_fp32_half(255), std::ldexp(1.0f, 127));  // GGML does not read 255 as NaN
  for (int e = 0; e < 256; ++e) {
    const float d = e8m0_to_fp32_half(static_cast<uint8_t>(e));
    EXPECT_TRUE(std::isfinite(d) && d > 0) << e;
    EXPECT_EQ(static_cast<double>(d), std::ldexp(1.0, e - 128)) << e;
  }
}

TEST(QuantMxfp4, RegistryServesGgmlsOps) {
  const auto* ops = reference_ops(GgmlType::MXFP4);
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->vec_dot_type, GgmlType::Q8_0);
  EXPECT_EQ(ops->quantize_row_model, ops->quantize_row) << "quantize_mxfp4 ignores importance weights";
  EXPECT_TRUE(pg::quant::supports_compute(GgmlType::MXFP4));
  EXPECT_EQ(*pg::ggml_row_bytes(GgmlType::MXFP4, 64), 34u);
  EXPECT_EQ(sizeof(BlockMXFP4), 17u);
}

TEST(QuantMxfp4, DequantizesEveryCodeWithTheBlockScale) {
  std::vector<BlockMXFP4> blocks(2);
  blocks[0].e = 128;  // scale 1: the doubled E2M1 levels themselves
  blocks[1].e = 131;  // scale 8
  for (auto& block : blocks) {
    for (int j = 0; j < 16; ++j) block.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  }
  std::vector<float> got(64);
  reference_ops(GgmlType::MXFP4)->dequantize_row(blocks.data(), got.data(), 64);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(got[j], kMxfp4Values[j]) << j;
    EXPECT_EQ(got[16 + j], kMxfp4Values[15 - j]) << j;
    EXPECT_EQ(got[32 + j], 8.0f * kMxfp4Values[j]) << j;
    EXPECT_EQ(got[48 + j], 8.0f * kMxfp4Values[15 - j]) << j;
  }
  EXPECT_EQ(got[7], 12.0f);
  EXPECT_EQ(got[16 + 0], -12.0f);  // code 15
}

TEST(QuantMxfp4, QuantizerPicksGgmlsExponentAndNearestLevelFirstOnTies) {
  float x[32] = {};
  // amax 6: floor(log2 6) = 2, e = 2 - 2 + 127 = 127, scale 0.5: levels 0 .5 1 1.5 2 3 4 6.
  const float values[] = {6.0f, 3.0f, -1.5f, 0.75f, 0.2f, -0.1f, 5.0f, -5.5f, 0.25f, -6.0f};
  const int codes[] = {7, 5, 11, 1, 0, 0, 6, 15, 0, 15};
  // 0.75 sits between 0.5 and 1, 5 between 4 and 6, 0.25 between 0 and 0.5: the lower index wins.
  for (int j = 0; j < 10; ++j) x[j] = values[j];
  x[20] = std::numeric_limits<float>::quiet_NaN();  // never the maximum; code 0
  const BlockMXFP4 block = quantize_block(x);
  EXPECT_EQ(block.e, 127);
  for (int j = 0; j < 10; ++j) EXPECT_EQ(code_of(block, j), codes[j]) << "value " << values[j];
  EXPECT_EQ(code_of(block, 20), 0);
  for (int j = 10; j < 32; ++j) {
    if (j != 20) {
      EXPECT_EQ(code_of(block, j), 0) << j;
    }
  }
}

TEST(QuantMxfp4, ExponentEdgesFollowGgml) {
  float x[32] = {};
  EXPECT_EQ(quantize_block(x).e, 0) << "an all-zero block has exponent 0";
  x[3] = 1.0f;  // floor(log2 1) = 0 -> 125
  EXPECT_EQ(quantize_block(x).e, 125);
  x[3] = -7.99f;  // floor(log2 7.99) = 2 -> 127
  EXPECT_EQ(quantize_block(x).e, 127);
  x[3] = 8.0f;  // 3 -> 128
  EXPECT_EQ(quantize_block(x).e, 128);
  x[3] = std::ldexp(1.0f, 127);  // 127 -> 252
  EXPECT_EQ(quantize_block(x).e, 252);
  x[3] = std::ldexp(1.0f, -140);  // -140 - 2 + 127 = -15: GGML's (uint8_t) cast keeps the low byte
  EXPECT_EQ(quantize_block(x).e, 241);
  x[3] = std::numeric_limits<float>::denorm_min();  // -149 -> -24 -> 232
  EXPECT_EQ(quantize_block(x).e, 232);
  // An infinite maximum: x86 code from GGML's C converts inf to 0x80000000, low byte 0.
  x[3] = std::numeric_limits<float>::infinity();
  x[4] = 1.0f;
  const BlockMXFP4 inf_block = quantize_block(x);
  EXPECT_EQ(inf_block.e, 0);
  EXPECT_EQ(code_of(inf_block, 3), 0) << "no level is nearer to inf than another: the first stays";
}

TEST(QuantMxfp4, RoundTripErrorIsBounded) {
  const int64_t n = 32 * 64;
  const auto x = weight_like_values(n, 11, 0.5f);
  const auto q = quantize(GgmlType::MXFP4, x);
  const auto y = dequantize(GgmlType::MXFP4, q.data(), n);
  // A power-of-two scale and 8 magnitudes: measured 0.137, coarser than IQ4_NL
  // (about 0.09 on this signal, round_trip_test.cpp).
  EXPECT_LT(relative_rms_error(y.data(), x.data(), n), 0.17);
  // Requantizing dequantized values is the identity (every value is a level).
  EXPECT_EQ(quantize(GgmlType::MXFP4, y), q);
}

TEST(QuantMxfp4, VecDotIsTheDequantizedDotAndExactOnIntegers) {
  const auto* ops = reference_ops(GgmlType::MXFP4);
  const int64_t n = 32 * 12;
  const auto w = weight_like_values(n, 5, 0.3f);
  const auto x = weight_like_values(n, 6, 1.0f);
  const auto wq = quantize(GgmlType::MXFP4, w);
  const auto xq = quantize(GgmlType::Q8_0, x);
  const auto wd = dequantize(GgmlType::MXFP4, wq.data(), n);
  const auto xd = dequantize(GgmlType::Q8_0, xq.data(), n);
  double want = 0, magnitude = 0;
  for (int64_t i = 0; i < n; ++i) {
    want += static_cast<double>(wd[i]) * xd[i];
    magnitude += std::fabs(static_cast<double>(wd[i]) * xd[i]);
  }
  EXPECT_NEAR(ops->vec_dot(n, wq.data(), xq.data()), want, 2e-6 * magnitude + 1e-6);

  // Scale 1 weights (e = 128) and Q8_0 blocks with scale 1 (a 127 in each): exact.
  std::vector<BlockMXFP4> wb(4);
  std::vector<BlockQ8_0> xb(4);
  double exact = 0;
  for (int b = 0; b < 4; ++b) {
    wb[b].e = 128;
    xb[b].d = pg::fp32_to_fp16(1.0f);
    for (int j = 0; j < 32; ++j) xb[b].qs[j] = static_cast<int8_t>(j == 0 ? 127 : (j * 7 + b) % 31 - 15);
    for (int j = 0; j < 16; ++j) wb[b].qs[j] = static_cast<uint8_t>(((j * 5 + b) & 0xF) | (((j * 3 + 2 * b) & 0xF) << 4));
    for (int j = 0; j < 16; ++j) {
      exact += kMxfp4Values[wb[b].qs[j] & 0xF] * xb[b].qs[j];
      exact += kMxfp4Values[wb[b].qs[j] >> 4] * xb[b].qs[j + 16];
    }
  }
  EXPECT_EQ(static_cast<double>(ops->vec_dot(128, wb.data(), xb.data())), exact);
}

// Every exponent byte, every code: dequantization is level * 2^(e - 128)
// rounded to float (infinite only where that overflows), vec_dot with a
// small activation scale is finite and close to the dequantized dot.
TEST(QuantMxfp4, HostileExponentsNeverCrashAndOverflowOnlyWhereGgmlDoes) {
  const auto* ops = reference_ops(GgmlType::MXFP4);
  std::vector<BlockMXFP4> blocks(256);
  for (int e = 0; e < 256; ++e) {
    blocks[e].e = static_cast<uint8_t>(e);
    for (int j = 0; j < 16; ++j) blocks[e].qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  }
  std::vector<float> got(256 * 32);
  ops->dequantize_row(blocks.data(), got.data(), 256 * 32);
  for (int e = 0; e < 256; ++e) {
    for (int j = 0; j < 32; ++j) {
      const int code = j < 16 ? j : 31 - j;
      const double exact = kMxfp4Values[code] * std::ldexp(1.0, e - 128);
      const float want = std::fabs(exact) > std::numeric_limits<float>::max()
                             ? std::copysign(std::numeric_limits<float>::infinity(), static_cast<float>(exact))
                             : static_cast<float>(exact);
      ASSERT_EQ(got[e * 32 + j], want) << "e " << e << " code " << code;
    }
  }
  EXPECT_TRUE(std::isinf(got[255 * 32 + 7])) << "12 * 2^127 overflows in GGML too";
  EXPECT_TRUE(std::isfinite(got[255 * 32 + 1])) << "1 * 2^127 does not";

  // One block per exponent against activations with scale 2^-20: every
  // product stays below 12 * 127 * 32 * 2^107, finite.
  std::vector<BlockQ8_0> xb(256);
  for (auto& b : xb) {
    b.d = pg::fp32_to_fp16(std::ldexp(1.0f, -20));
    for (int j = 0; j < 32; ++j) b.qs[j] = static_cast<int8_t>((j * 37) % 255 - 127);
  }
  for (int e = 0; e < 256; ++e) {
    const float dot = ops->vec_dot(32, &blocks[e], &xb[e]);
    double exact = 0;
    for (int j = 0; j < 16; ++j) {
      exact += kMxfp4Values[j] * xb[e].qs[j] + kMxfp4Values[15 - j] * xb[e].qs[j + 16];
    }
    exact *= std::ldexp(1.0, e - 148);
    ASSERT_TRUE(std::isfinite(dot)) << e;
    // Exponents near 0 give subnormal products: an absolute slack of 2^-130.
    EXPECT_NEAR(dot, exact, std::fabs(exact) * 1e-6 + 1e-39) << e;
  }
  // Activations with scale 1 and exponent 255: the block sum overflows, as in GGML.
  xb[0].d = pg::fp32_to_fp16(1.0f);
  for (int j = 0; j < 32; ++j) xb[0].qs[j] = 100;
  BlockMXFP4 big{};
  big.e = 255;
  for (int j = 0; j < 16; ++j) big.qs[j] = 0x77;  // level 12 everywhere
  EXPECT_EQ(ops->vec_dot(32, &big, xb.data()), std::numeric_limits<float>::infinity());
}

TEST(QuantMxfp4, RowLengthNotAMultipleOf32IsRefused) {
  EXPECT_FALSE(pg::ggml_row_bytes(GgmlType::MXFP4, 48).has_value());
  std::vector<uint8_t> bytes(64);
  const pg::kernels::WeightMatrix w{GgmlType::MXFP4, 1, 48, 34, bytes.data()};
  const pg::Status status = pg::kernels::validate_weight_matrix(w);
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("MXFP4 matrix 1x48: cols is not a multiple of the block size"), std::string::npos)
      << status.message();
}

}  // namespace
