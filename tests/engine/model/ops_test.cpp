// Properties of the scalar forward-pass ops (RMSNorm, RoPE with YaRN, softmax,
// SwiGLU, GeGLU, soft-capping),
// checked against values worked out by hand and against each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "engine/model/ggml_math.h"
#include "engine/model/ops.h"

namespace pg {
namespace {

TEST(ModelOps, RmsNormOfKnownVector) {
  const float x[4] = {1, 2, 3, 4};
  const float w[4] = {1, 1, 2, 0.5f};
  float out[4];
  ops::rms_norm(x, w, out, 4, 0.0f);
  const float rms = std::sqrt((1 + 4 + 9 + 16) / 4.0f);  // sqrt(7.5)
  EXPECT_FLOAT_EQ(out[0], 1 / rms);
  EXPECT_FLOAT_EQ(out[1], 2 / rms);
  EXPECT_FLOAT_EQ(out[2], 6 / rms);
  EXPECT_FLOAT_EQ(out[3], 2 / rms);
}

TEST(ModelOps, SoftmaxSumsToOneAndKeepsOrder) {
  for (int64_t first_cell : {0, 3, 15, 16}) {
    std::vector<float> x = {1.0f, 3.0f, -2.0f, 0.5f, 3.0f};
    ops::ggml_softmax_cells(x.data(), static_cast<int64_t>(x.size()), 0.5f, first_cell);
    EXPECT_NEAR(std::accumulate(x.begin(), x.end(), 0.0), 1.0, 1e-6);
    EXPECT_FLOAT_EQ(x[1], x[4]);
    EXPECT_GT(x[1], x[0]);
    EXPECT_GT(x[0], x[3]);
    EXPECT_GT(x[3], x[2]);
    // exp(0.5*(1-3)) relative weight
    EXPECT_NEAR(x[0] / x[1], std::exp(-1.0), 1e-6);
  }
  // Many cells across several 16-cell runs, one masked far below.
  std::vector<float> y(100);
  for (size_t i = 0; i < y.size(); ++i) y[i] = std::sin(0.3 * static_cast<double>(i)) * 4;
  y[7] = -1e30f;
  ops::ggml_softmax_cells(y.data(), 100, 1.0f, 21);
  EXPECT_NEAR(std::accumulate(y.begin(), y.end(), 0.0), 1.0, 1e-6);
  EXPECT_EQ(y[7], 0.0f);
}

// GGML's exp: within a few ulp of e^x over the range softmax and SiLU use, 0
// and +inf beyond it.
TEST(ModelOps, GgmlExpIsCloseToExpAndSaturates) {
  for (float x = -80.0f; x <= 80.0f; x += 0.37f) {
    const double want = std::exp(static_cast<double>(x));
    EXPECT_NEAR(ops::ggml_exp(x), want, want * 4e-7) << x;
  }
  EXPECT_EQ(ops::ggml_exp(-INFINITY), 0.0f);
  EXPECT_EQ(ops::ggml_exp(-200.0f), 0.0f);
  EXPECT_EQ(ops::ggml_exp(200.0f), INFINITY);
  EXPECT_EQ(ops::ggml_exp(0.0f), 1.0f);
}

TEST(ModelOps, SwigluIsSiluTimesUp) {
  // 16 values through GGML's exp, 3 more through libm's.
  std::vector<float> gate(19), up(19), want(19);
  for (int i = 0; i < 19; ++i) {
    gate[i] = 0.5f * static_cast<float>(i) - 4.0f;
    up[i] = 1.0f + 0.25f * static_cast<float>(i % 5);
    want[i] = static_cast<float>(gate[i] / (1 + std::exp(-static_cast<double>(gate[i]))) * up[i]);
  }
  ops::ggml_swiglu(gate.data(), up.data(), 19);
  for (int i = 0; i < 19; ++i) EXPECT_NEAR(gate[i], want[i], 1e-6 * (1 + std::fabs(want[i]))) << i;
  EXPECT_EQ(gate[8], 0.0f);  // silu(0) = 0
}

ops::RopeParams rope_params(RopeStyle style, int64_t n_rot) {
  return ops::RopeParams{n_rot, 10000.0f, 1.0f, style, nullptr};
}

TEST(ModelOps, RopeAtPositionZeroIsIdentityAndPreservesNorm) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  std::vector<float> v(16);
  for (float& f : v) f = dist(rng);
  for (RopeStyle style : {RopeStyle::Normal, RopeStyle::NeoX}) {
    std::vector<float> a = v;
    ops::rope(a.data(), 0, rope_params(style, 16));
    for (size_t i = 0; i < v.size(); ++i) EXPECT_FLOAT_EQ(a[i], v[i]);
    std::vector<float> b = v;
    ops::rope(b.data(), 37, rope_params(style, 16));
    double n0 = 0, n1 = 0;
    for (size_t i = 0; i < v.size(); ++i) { n0 += v[i] * v[i]; n1 += b[i] * b[i]; }
    EXPECT_NEAR(n0, n1, 1e-4);
  }
}

TEST(ModelOps, RopeFirstPairRotatesByPosition) {
  // Pair 0 uses frequency base^0 = 1: angle = position.
  float v[4] = {1, 0, 0, 0};
  ops::rope(v, 2, rope_params(RopeStyle::Normal, 4));
  EXPECT_NEAR(v[0], std::cos(2.0), 1e-6);
  EXPECT_NEAR(v[1], std::sin(2.0), 1e-6);
  float n[4] = {1, 0, 0, 0};  // NeoX pairs element 0 with element 2
  ops::rope(n, 2, rope_params(RopeStyle::NeoX, 4));
  EXPECT_NEAR(n[0], std::cos(2.0), 1e-6);
  EXPECT_NEAR(n[2], std::sin(2.0), 1e-6);
  EXPECT_EQ(n[1], 0.0f);
}

TEST(ModelOps, NeoxEqualsNormalOnInterleavedLayout) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist;
  const int64_t d = 8;
  std::vector<float> halves(d);
  for (float& f : halves) f = dist(rng);
  std::vector<float> interleaved(d);
  for (int64_t i = 0; i < d / 2; ++i) {
    interleaved[2 * i] = halves[i];
    interleaved[2 * i + 1] = halves[i + d / 2];
  }
  ops::rope(halves.data(), 11, rope_params(RopeStyle::NeoX, d));
  ops::rope(interleaved.data(), 11, rope_params(RopeStyle::Normal, d));
  for (int64_t i = 0; i < d / 2; ++i) {
    EXPECT_FLOAT_EQ(halves[i], interleaved[2 * i]);
    EXPECT_FLOAT_EQ(halves[i + d / 2], interleaved[2 * i + 1]);
  }
}

TEST(ModelOps, RopePartialRotationLeavesTailAndLinearScalingSlowsAngles) {
  float v[6] = {1, 0, 1, 0, 5, 6};
  ops::rope(v, 3, rope_params(RopeStyle::Normal, 4));
  EXPECT_EQ(v[4], 5.0f);
  EXPECT_EQ(v[5], 6.0f);
  float a[2] = {1, 0}, b[2] = {1, 0};
  ops::rope(a, 4, ops::RopeParams{2, 10000.0f, 0.5f, RopeStyle::Normal, nullptr});
  ops::rope(b, 2, rope_params(RopeStyle::Normal, 2));
  EXPECT_FLOAT_EQ(a[0], b[0]);
  EXPECT_FLOAT_EQ(a[1], b[1]);
}

// YaRN's correction dims as ../shared/testdata/arch/README.md works them out
// for its files (head dim 64): lo = max(0, floor(d·ln(n0/(2π·32))/(2 ln b))),
// hi = min(d−1, ceil(d·ln(n0/(2π))/(2 ln b))).
TEST(ModelOps, YarnCorrectionDimsMatchTheWorkedValues) {
  struct Case { int64_t n_ctx_orig; float base, beta_fast, beta_slow; float lo, hi; };
  for (const Case& c : {Case{512, 500000.0f, 32, 1, 2, 11}, Case{512, 150000.0f, 32, 1, 2, 12},
                        Case{32, 1000000.0f, 32, 1, 0, 4}}) {
    float dims[2];
    ops::yarn_corr_dims(64, c.n_ctx_orig, c.base, c.beta_fast, c.beta_slow, dims);
    EXPECT_EQ(dims[0], c.lo) << c.n_ctx_orig << " " << c.base;
    EXPECT_EQ(dims[1], c.hi) << c.n_ctx_orig << " " << c.base;
  }
}

// Below the ramp YaRN keeps the extrapolated (unscaled) angle, above it the
// interpolated one; cos/sin carry the magnitude factor 1 + 0.1·ln(s) times attn_factor.
TEST(ModelOps, YarnMixesAnglesAcrossTheRampAndScalesMagnitude) {
  ops::RopeParams p{16, 10000.0f, 0.25f, RopeStyle::NeoX, nullptr};
  p.ext_factor = 1.0f;
  p.attn_factor = 0.5f;
  p.corr_dims[0] = 2;
  p.corr_dims[1] = 5;
  std::vector<float> cs(16);
  const int64_t pos = 7;
  ops::rope_angles(pos, p, cs.data());
  const float m = 0.5f * (1.0f + 0.1f * std::log(4.0f));
  for (int i = 0; i < 8; ++i) {
    const double theta = pos * std::pow(10000.0, -2.0 * i / 16);
    const double ramp = 1 - std::clamp((i - 2.0) / 3.0, 0.0, 1.0);
    const double mixed = theta * 0.25 * (1 - ramp) + theta * ramp;
    EXPECT_NEAR(cs[2 * i], std::cos(mixed) * m, 2e-5) << i;
    EXPECT_NEAR(cs[2 * i + 1], std::sin(mixed) * m, 2e-5) << i;
  }
  // rope() is rope_angles + rope_apply.
  std::vector<float> a(16), b(16);
  for (int i = 0; i < 16; ++i) a[i] = b[i] = 0.1f * static_cast<float>(i) - 0.7f;
  ops::rope(a.data(), pos, p);
  ops::rope_apply(b.data(), cs.data(), 16, RopeStyle::NeoX);
  EXPECT_EQ(a, b);
}

// GGML's GELU table: F16 input, F16 output of tanh-GELU; 0 below -10, x above 10.
TEST(ModelOps, GeluThroughTheF16TableAndGeglu) {
  auto exact = [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); };
  for (float x : {-3.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.5f, 9.9f}) EXPECT_NEAR(ops::gelu_table(x), exact(x), 2e-3 * (1 + std::fabs(x)));
  EXPECT_EQ(ops::gelu_table(-11.0f), 0.0f);
  EXPECT_EQ(ops::gelu_table(12.5f), 12.5f);
  // 1.0 is an F16 value: the table entry is gelu(1) rounded to F16.
  EXPECT_NE(ops::gelu_table(1.0f), static_cast<float>(exact(1.0)));
  std::vector<float> gate = {1.0f, -2.0f, 3.0f}, up = {2.0f, 0.5f, -1.0f};
  ops::geglu(gate.data(), up.data(), 3);
  EXPECT_EQ(gate[0], ops::gelu_table(1.0f) * 2.0f);
  EXPECT_EQ(gate[1], ops::gelu_table(-2.0f) * 0.5f);
  EXPECT_EQ(gate[2], ops::gelu_table(3.0f) * -1.0f);
}

TEST(ModelOps, SoftcapBoundsAndKeepsSmallValues) {
  std::vector<float> x = {0.0f, 1.0f, -1.0f, 100.0f, -1000.0f};
  ops::softcap(x.data(), 5, 30.0f);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_NEAR(x[1], 30 * std::tanh(1.0 / 30), 1e-6);
  EXPECT_NEAR(x[2], -x[1], 1e-7);
  EXPECT_LT(x[3], 30.0f);
  EXPECT_GT(x[3], 29.0f);
  EXPECT_GE(x[4], -30.0f);
}

}  // namespace
}  // namespace pg
