// Scalar forward-pass ops; see ops.h.
#include "engine/model/ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "engine/quant/fp16.h"

namespace pg::ops {

void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps) {
  double sum = 0.0;
  // The square is rounded to float before the double sum, as GGML does; it
  // keeps our logits within 1e-5 of llama.cpp's on the reference models.
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

void yarn_corr_dims(int64_t n_rot, int64_t n_ctx_orig, float freq_base, float beta_fast, float beta_slow,
                    float dims[2]) {
  const float pi = 3.14159265358979323846f;
  auto corr_dim = [&](float beta) {
    return static_cast<float>(n_rot) * std::log(static_cast<float>(n_ctx_orig) / (beta * 2 * pi)) /
           (2 * std::log(freq_base));
  };
  dims[0] = std::max(0.0f, std::floor(corr_dim(beta_fast)));
  dims[1] = std::min(static_cast<float>(n_rot - 1), std::ceil(corr_dim(beta_slow)));
}

void rope_angles(int64_t position, const RopeParams& p, float* cos_sin) {
  // Angles advance by repeated multiplication, as GGML computes them, so the
  // rounding matches llama.cpp's.
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
  float theta_base = static_cast<float>(position);
  const int64_t half = p.n_rot / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float factor = p.freq_factors ? p.freq_factors[i] : 1.0f;
    const float extrap = theta_base / factor;
    float theta = p.freq_scale * extrap;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
      const float y = (static_cast<float>(i) - p.corr_dims[0]) / std::max(0.001f, p.corr_dims[1] - p.corr_dims[0]);
      const float ramp = (1 - std::min(1.0f, std::max(0.0f, y))) * p.ext_factor;
      theta = theta * (1 - ramp) + extrap * ramp;
      mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
    }
    cos_sin[2 * i] = std::cos(theta) * mscale;
    cos_sin[2 * i + 1] = std::sin(theta) * mscale;
    theta_base *= theta_scale;
  }
}

void rope_apply(float* head, const float* cos_sin, int64_t n_rot, RopeStyle style) {
  const int64_t half = n_rot / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
    float* a = style == RopeStyle::Normal ? &head[2 * i] : &head[i];
    float* b = style == RopeStyle::Normal ? &head[2 * i + 1] : &head[i + half];
    const float x0 = *a, x1 = *b;
    *a = x0 * c - x1 * s;
    *b = x0 * s + x1 * c;
  }
}

void rope(float* head, int64_t position, const RopeParams& p) {
  float cos_sin[2048];
  if (p.n_rot <= 2048) {
    rope_angles(position, p, cos_sin);
    rope_apply(head, cos_sin, p.n_rot, p.style);
    return;
  }
  std::vector<float> big(static_cast<size_t>(p.n_rot));
  rope_angles(position, p, big.data());
  rope_apply(head, big.data(), p.n_rot, p.style);
}

namespace {
// GGML's ggml_table_gelu_f16: for every F16 value, its tanh-GELU computed in
// float and rounded to F16. Built once, immutable afterwards.
const std::array<uint16_t, 65536>& gelu_f16_table() {
  static const std::array<uint16_t, 65536> table = [] {
    std::array<uint16_t, 65536> t{};
    const float sqrt_2_over_pi = 0.79788456080286535587989211986876f;
    for (uint32_t i = 0; i < 65536; ++i) {
      const float x = fp16_to_fp32(static_cast<uint16_t>(i));
      t[i] = fp32_to_fp16(0.5f * x * (1.0f + std::tanh(sqrt_2_over_pi * x * (1.0f + 0.044715f * x * x))));
    }
    return t;
  }();
  return table;
}
}  // namespace

float gelu_table(float x) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return fp16_to_fp32(gelu_f16_table()[fp32_to_fp16(x)]);
}

void geglu(float* gate, const float* up, int64_t n) {
  const auto& table = gelu_f16_table();
  for (int64_t i = 0; i < n; ++i) {
    const float x = gate[i];
    const float g = x <= -10.0f ? 0.0f : x >= 10.0f ? x : fp16_to_fp32(table[fp32_to_fp16(x)]);
    gate[i] = g * up[i];
  }
}

void softcap(float* x, int64_t n, float cap) {
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i] * inv) * cap;
}

}  // namespace pg::ops
