// The encoder ops (engine/model/bert_ops.h) against double-precision formulas:
// exp within a few ulp over its whole range, GELU, SwiGLU, softmax and
// LayerNorm within float rounding, and their edge values.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "engine/model/bert_ops.h"

namespace pg {
namespace {

TEST(BertOps, ExpIsWithinFourUlpOverItsRange) {
  double worst = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.000731f) {
    const double want = std::exp(static_cast<double>(x));
    const double got = ops::exp_approx(x);
    worst = std::max(worst, std::fabs(got - want) / want);
  }
  EXPECT_LT(worst, 4 * 0x1.0p-24) << worst;
  EXPECT_EQ(ops::exp_approx(0.0f), 1.0f);
  EXPECT_EQ(ops::exp_approx(-1000.0f), 0.0f);
  EXPECT_EQ(ops::exp_approx(-INFINITY), 0.0f);
  EXPECT_TRUE(std::isfinite(ops::exp_approx(1000.0f)));
  EXPECT_GT(ops::exp_approx(1000.0f), 1e38f);
}

TEST(BertOps, GeluAndSwigluMatchTheirFormulas) {
  std::vector<float> x, g, up;
  for (float v = -12.0f; v <= 12.0f; v += 0.01f) x.push_back(v);
  g = x;
  up.assign(x.size(), 0.75f);
  std::vector<float> gelu = x;
  ops::gelu(gelu.data(), static_cast<int64_t>(gelu.size()));
  ops::swiglu_approx(g.data(), up.data(), static_cast<int64_t>(g.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double want = 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
    EXPECT_NEAR(gelu[i], want, 1e-6 * std::max(1.0, std::fabs(want))) << v;
    const double silu = v / (1.0 + std::exp(-v)) * 0.75;
    EXPECT_NEAR(g[i], silu, 1e-6 * std::max(1.0, std::fabs(silu))) << v;
  }
  std::vector<float> huge = {-1e30f, 1e30f};
  ops::gelu(huge.data(), 2);
  EXPECT_NEAR(huge[0], 0.0f, 1e-8f);  // x / (1 + e^88)
  EXPECT_EQ(huge[1], 1e30f);
}

TEST(BertOps, SoftmaxAndLayerNormMatchDouble) {
  std::vector<float> s = {1.0f, -2.0f, 3.5f, 0.0f, 80.0f, 79.0f};
  const float scale = 0.5f;
  std::vector<double> want(s.size());
  double max = -INFINITY, sum = 0;
  for (float v : s) max = std::max(max, double(v) * scale);
  for (size_t i = 0; i < s.size(); ++i) sum += (want[i] = std::exp(double(s[i]) * scale - max));
  ops::softmax_approx(s.data(), static_cast<int64_t>(s.size()), scale);
  for (size_t i = 0; i < s.size(); ++i) EXPECT_NEAR(s[i], want[i] / sum, 1e-7);

  std::vector<float> x = {1.0f, 2.0f, 4.0f, 8.0f}, w = {1.0f, 0.5f, 2.0f, -1.0f}, b = {0.0f, 0.1f, -0.2f, 0.3f};
  std::vector<float> out(4);
  ops::layer_norm(x.data(), w.data(), b.data(), out.data(), 4, 1e-5f);
  const double mean = 3.75, var = (2.75 * 2.75 + 1.75 * 1.75 + 0.25 * 0.25 + 4.25 * 4.25) / 4;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out[i], (x[i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i], 1e-6);
  // In place gives the same.
  ops::layer_norm(x.data(), w.data(), b.data(), x.data(), 4, 1e-5f);
  EXPECT_EQ(x, out);
}

}  // namespace
}  // namespace pg
