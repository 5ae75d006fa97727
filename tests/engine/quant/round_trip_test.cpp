// Quantize -> dequantize behaviour of every type's reference quantizer: error
// bounds on weight-like data, exact results for blocks whose outcome follows
// from GGML's formulas (roundf ties, scale choice, Q8_1 sums, Q8_K bsums), and
// no crash or undefined behaviour on hostile values (NaN, inf, huge, zero).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant.h"
#include "quant_test_util.h"

namespace {

using pg::GgmlType;
using namespace pg::quant;
using namespace pg::quant::test;

struct Bound {
  GgmlType type;
  double max_relative_rms;  // on weight_like_values, relative to the signal
};

// Bounds: about 1.25x what GGML's reference quantizers reach on this signal
// (measured: F16 0.00021, BF16 0.0018, Q8_0 0.0071, Q8_K 0.016, Q6_K 0.022,
// Q5_1 0.042, Q5_K 0.040, Q5_0 0.057, Q4_K 0.080, Q4_1 0.086, IQ4_XS 0.092,
// IQ4_NL 0.092, Q4_0 0.112, Q3_K 0.175, Q2_K 0.330).
constexpr Bound kBounds[] = {
    {GgmlType::F32, 0.0},      {GgmlType::F16, 0.0003},  {GgmlType::BF16, 0.0025}, {GgmlType::Q8_0, 0.009},
    {GgmlType::Q8_1, 0.009},   {GgmlType::Q8_K, 0.02},   {GgmlType::Q5_0, 0.07},   {GgmlType::Q5_1, 0.052},
    {GgmlType::Q4_0, 0.14},    {GgmlType::Q4_1, 0.107},  {GgmlType::Q6_K, 0.028},  {GgmlType::Q5_K, 0.05},
    {GgmlType::Q4_K, 0.10},    {GgmlType::Q3_K, 0.22},   {GgmlType::Q2_K, 0.41},   {GgmlType::IQ4_NL, 0.115},
    {GgmlType::IQ4_XS, 0.115},
};

TEST(QuantRoundTrip, ErrorWithinBoundForEveryType) {
  const int64_t n = 256 * 16;
  for (const auto& bound : kBounds) {
    for (float scale : {1.0f, 0.02f, 300.0f}) {
      const auto x = weight_like_values(n, 42, scale);
      const auto q = quantize(bound.type, x);
      const auto y = dequantize(bound.type, q.data(), n);
      const double err = relative_rms_error(y.data(), x.data(), n);
      EXPECT_LE(err, bound.max_relative_rms) << pg::ggml_type_name(bound.type) << " scale " << scale;
      // The model-file quantizer must be at least as good as the bound too.
      auto q_model = row_buffer(bound.type, n);
      reference_ops(bound.type)->quantize_row_model(x.data(), q_model.data(), n);
      const auto y_model = dequantize(bound.type, q_model.data(), n);
      EXPECT_LE(relative_rms_error(y_model.data(), x.data(), n), bound.max_relative_rms)
          << pg::ggml_type_name(bound.type) << " (model quantizer) scale " << scale;
    }
  }
}

TEST(QuantRoundTrip, ModelQuantizerDiffersFromRefOnlyForIq4Nl) {
  const int64_t n = 256 * 8;
  const auto x = weight_like_values(n, 7);
  for (const auto& bound : kBounds) {
    const auto* ops = reference_ops(bound.type);
    auto a = row_buffer(bound.type, n), b = row_buffer(bound.type, n);
    ops->quantize_row(x.data(), a.data(), n);
    ops->quantize_row_model(x.data(), b.data(), n);
    if (bound.type == GgmlType::IQ4_NL) {
      EXPECT_NE(a, b);
    } else {
      EXPECT_EQ(a, b) << pg::ggml_type_name(bound.type);
    }
  }
}

// One Q8_0 block with amax 127 (so d = 1 exactly) and values on rounding ties.
std::vector<float> q8_tie_block() {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.5f;
  x[4] = -0.5f;
  x[5] = 1.4999999f;
  x[6] = -127.0f;
  x[7] = 3.5f;
  return x;
}

TEST(QuantRoundTrip, Q8_0UsesAmaxOver127AndRoundfTiesInFiles) {
  // amax 127 -> d = 1 exactly, so q = roundf(x): ties go away from zero.
  // That is the file quantizer (quantize_row_q8_0_ref); activations tie to
  // even (QuantRoundTrip.Q8_0ActivationsTieToEven).
  const std::vector<float> x = q8_tie_block();
  std::vector<uint8_t> q(sizeof(BlockQ8_0));
  reference_ops(GgmlType::Q8_0)->quantize_row_model(x.data(), q.data(), 32);
  BlockQ8_0 block;
  std::memcpy(&block, q.data(), sizeof block);
  EXPECT_EQ(block.d, 0x3C00);
  const int8_t expected[8] = {127, 3, -3, 1, -1, 1, -127, 4};
  for (int j = 0; j < 8; ++j) EXPECT_EQ(block.qs[j], expected[j]) << j;
  for (int j = 8; j < 32; ++j) EXPECT_EQ(block.qs[j], 0);
}

// llama.cpp's x86 CPU backend quantizes activations as x · (127 / amax)
// rounded half to even (ggml-cpu quantize_row_q8_0 / _q8_1), not as the
// reference file quantizer: same scale, other ties.
TEST(QuantRoundTrip, Q8_0ActivationsTieToEven) {
  const std::vector<float> x = q8_tie_block();
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q8_1}) {
    std::vector<uint8_t> q(type == GgmlType::Q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ8_1));
    reference_ops(type)->quantize_row(x.data(), q.data(), 32);
    const int8_t* qs = reinterpret_cast<const int8_t*>(q.data() + (type == GgmlType::Q8_0 ? 2 : 4));
    const int8_t expected[8] = {127, 2, -2, 0, 0, 1, -127, 4};
    for (int j = 0; j < 8; ++j) EXPECT_EQ(qs[j], expected[j]) << ggml_type_name(type) << " " << j;
  }
}

TEST(QuantRoundTrip, Q8_0ScaleIsFp16OfAmaxOver127) {
  std::vector<float> x = weight_like_values(64, 3);
  x[5] = -3.0f;  // the block's amax
  for (int j = 0; j < 32; ++j) {
    if (j != 5) x[j] = std::fmod(x[j], 2.0f);
  }
  const auto q = quantize(GgmlType::Q8_0, x);
  BlockQ8_0 block;
  std::memcpy(&block, q.data(), sizeof block);
  const float d = 3.0f / 127;
  EXPECT_EQ(block.d, pg::fp32_to_fp16(d));
  for (int j = 0; j < 32; ++j) EXPECT_EQ(block.qs[j], static_cast<int8_t>(std::roundf(x[j] * (1.0f / d)))) << j;
  EXPECT_EQ(block.qs[5], -127);
}

TEST(QuantRoundTrip, Q8_1StoresScaledSum) {
  std::vector<float> x = weight_like_values(32, 11);
  const auto q = quantize(GgmlType::Q8_1, x);
  BlockQ8_1 block;
  std::memcpy(&block, q.data(), sizeof block);
  int sum = 0;
  for (int j = 0; j < 32; ++j) sum += block.qs[j];
  float amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  const float d = amax / 127;
  EXPECT_EQ(block.d, pg::fp32_to_fp16(d));
  EXPECT_EQ(block.s, pg::fp32_to_fp16(sum * d));
  // Q8_1 values are exactly those of Q8_0.
  const auto q0 = quantize(GgmlType::Q8_0, x);
  EXPECT_EQ(std::memcmp(q0.data() + 2, q.data() + 4, 32), 0);
}

TEST(QuantRoundTrip, Q8_KScaleFromSignedMaxAndBlockSums) {
  std::vector<float> x = weight_like_values(256, 5);
  for (auto& v : x) v = std::fmod(v, 1.0f);
  x[100] = -2.0f;  // largest magnitude, negative: iscale = -127 / -2 = 63.5
  const auto q = quantize(GgmlType::Q8_K, x);
  BlockQ8_K block;
  std::memcpy(&block, q.data(), sizeof block);
  EXPECT_EQ(block.d, 1 / 63.5f);
  EXPECT_EQ(block.qs[100], -127);
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int l = 0; l < 16; ++l) sum += block.qs[16 * g + l];
    EXPECT_EQ(block.bsums[g], sum) << g;
  }
  for (int j = 0; j < 256; ++j) {
    // nearest_int rounds half to even; no value here sits exactly on a tie.
    EXPECT_EQ(block.qs[j], static_cast<int8_t>(std::nearbyint(63.5f * x[j]))) << j;
  }
}

TEST(QuantRoundTrip, Q4_0ScaleFromSignedMax) {
  // max (by magnitude) -8 -> d = 1, q = min(15, trunc(x + 8.5)).
  std::vector<float> x(32, 0.0f);
  x[0] = -8.0f;
  x[1] = 7.0f;
  x[2] = 0.4f;
  x[3] = -0.6f;
  x[16] = 7.6f;
  const auto q = quantize(GgmlType::Q4_0, x);
  BlockQ4_0 block;
  std::memcpy(&block, q.data(), sizeof block);
  EXPECT_EQ(block.d, 0x3C00);
  EXPECT_EQ(block.qs[0] & 0xF, 0);
  EXPECT_EQ(block.qs[1] & 0xF, 15);
  EXPECT_EQ(block.qs[2] & 0xF, 8);
  EXPECT_EQ(block.qs[3] & 0xF, 7);
  EXPECT_EQ(block.qs[0] >> 4, 15);  // 7.6 + 8.5 = 16.1 -> clamped to 15
  EXPECT_EQ(block.qs[4] & 0xF, 8);
}

TEST(QuantRoundTrip, ExactlyRepresentableValuesSurvive) {
  // Values on each type's grid come back unchanged.
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i) x[i] = static_cast<float>((i * 37) % 255 - 127) / 4;  // multiples of 0.25, amax 31.75
  x[0] = 31.75f;
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q8_K}) {
    std::vector<float> grid = x;
    if (type == GgmlType::Q8_0 || type == GgmlType::Q8_K) {
      for (int b = 0; b < 256; b += 32) grid[b] = 31.75f;  // each block: d = 31.75/127 = 0.25
    }
    const auto q = quantize(type, grid);
    const auto y = dequantize(type, q.data(), 256);
    for (int i = 0; i < 256; ++i) EXPECT_EQ(y[i], grid[i]) << pg::ggml_type_name(type) << " element " << i;
  }
}

TEST(QuantRoundTrip, ZeroBlocksStayZero) {
  const std::vector<float> zeros(512, 0.0f);
  for (const auto& bound : kBounds) {
    const auto q = quantize(bound.type, zeros);
    const auto y = dequantize(bound.type, q.data(), 512);
    for (int i = 0; i < 512; ++i) ASSERT_EQ(y[i], 0.0f) << pg::ggml_type_name(bound.type) << " element " << i;
  }
}

TEST(QuantRoundTrip, HostileValuesDoNotCrash) {
  // NaN, infinities and huge values must not crash or hit undefined behaviour
  // (the sanitizer build runs this). Finite blocks next to them stay accurate.
  std::vector<float> x = weight_like_values(512, 9);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[40] = std::numeric_limits<float>::infinity();
  x[77] = -std::numeric_limits<float>::infinity();
  x[100] = 3e38f;
  x[101] = -3e38f;
  x[102] = 1e-40f;  // float subnormal
  for (const auto& bound : kBounds) {
    const auto q = quantize(bound.type, x);
    auto q_model = row_buffer(bound.type, 512);
    reference_ops(bound.type)->quantize_row_model(x.data(), q_model.data(), 512);
    const auto y = dequantize(bound.type, q.data(), 512);
    // Elements 256..511 share no block with the bad values in any layout.
    for (int i = 256; i < 512; ++i) {
      EXPECT_TRUE(std::isfinite(y[i])) << pg::ggml_type_name(bound.type) << " element " << i;
    }
  }
}

}  // namespace
