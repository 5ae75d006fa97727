// LayerNorm, exp, GELU, SwiGLU, softmax, one head's attention and bias
// addition; see bert_ops.h.

// The clamps and selects of exp_approx are float comparisons, which GCC does
// not if-convert (and so does not vectorize) while it must assume they can
// trap. Nothing here reads floating-point exception flags, so that assumption
// buys nothing; dropping it changes no result. (Before the header: the
// setting sticks to functions when they are first declared.)
#pragma GCC optimize("no-trapping-math")

#include "engine/model/bert_ops.h"

#include <bit>
#include <cmath>

// The hot loops below, compiled three times; the dynamic loader picks the
// widest this CPU runs. (Contraction into FMA may differ between the clones:
// results agree within float rounding, and one machine always runs one clone.)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PG_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PG_VECTOR_CLONES
#endif

namespace pg::ops {

void layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t n, float eps) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  double sum2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float d = x[i] - mean;
    sum2 += static_cast<double>(d * d);
  }
  const float variance = static_cast<float>(sum2 / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(variance + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = (x[i] - mean) * scale * weight[i] + bias[i];
}

inline float exp_inline(float x) {
  // e^x = 2^k * e^r with k = round(x / ln 2), |r| <= ln 2 / 2; e^r by its
  // Taylor series to r^7 (truncation below 3e-8 relative).
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;  // ln 2 split so k * kLn2Hi is exact
  constexpr float kLn2Lo = 1.42860682030941723e-6f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float lo = -87.0f, hi = 88.0f;
  const bool under = x < lo;
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const float k = (x * kLog2e + kRound) - kRound;
  const float r = (x - k * kLn2Hi) - k * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = std::bit_cast<float>((static_cast<int32_t>(k) + 127) << 23);
  return under ? 0.0f : p * scale;
}

float exp_approx(float x) { return exp_inline(x); }

PG_VECTOR_CLONES void gelu(float* x, int64_t n) {
  constexpr float kTwoSqrt2OverPi = 1.5957691216057307f;  // 2 sqrt(2/pi)
  constexpr float kCoef = 0.044715f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    x[i] = v / (1.0f + exp_inline(-kTwoSqrt2OverPi * v * (1.0f + kCoef * v * v)));
  }
}

PG_VECTOR_CLONES void swiglu_approx(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + exp_inline(-g)) * up[i];
  }
}

PG_VECTOR_CLONES void softmax_approx(float* x, int64_t n, float scale) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = x[i] * scale > max ? x[i] * scale : max;
  for (int64_t i = 0; i < n; ++i) x[i] = exp_inline(x[i] * scale - max);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

PG_VECTOR_CLONES void attention_head(const HeadView& h, int64_t L, int64_t hd, float scale, float* scratch) {
  // Keys transposed (hd x L), so a query's scores are L-long multiply-adds
  // over contiguous rows, which vectorize; then the same for the values.
  float* keys_t = scratch;
  float* scores = scratch + hd * L;
  for (int64_t j = 0; j < L; ++j)
    for (int64_t d = 0; d < hd; ++d) keys_t[d * L + j] = h.k[j * h.k_stride + d];
  for (int64_t i = 0; i < L; ++i) {
    const float* q = h.q + i * h.q_stride;
    for (int64_t j = 0; j < L; ++j) scores[j] = 0.0f;
    for (int64_t d = 0; d < hd; ++d) {
      const float qd = q[d];
      const float* kd = keys_t + d * L;
      for (int64_t j = 0; j < L; ++j) scores[j] += qd * kd[j];
    }
    float max = -INFINITY;
    for (int64_t j = 0; j < L; ++j) max = scores[j] * scale > max ? scores[j] * scale : max;
    for (int64_t j = 0; j < L; ++j) scores[j] = exp_inline(scores[j] * scale - max);
    double sum = 0.0;  // in order, as the reference; a separate loop keeps the one above vectorized
    for (int64_t j = 0; j < L; ++j) sum += scores[j];
    const float inv = static_cast<float>(1.0 / sum);
    float* out = h.out + i * h.out_stride;
    for (int64_t d = 0; d < hd; ++d) out[d] = 0.0f;
    for (int64_t j = 0; j < L; ++j) {
      const float p = scores[j] * inv;
      const float* value = h.v + j * h.v_stride;
      for (int64_t d = 0; d < hd; ++d) out[d] += p * value[d];
    }
  }
}

void add_bias(float* y, const float* b, int64_t n) {
  if (b == nullptr) return;
  for (int64_t i = 0; i < n; ++i) y[i] += b[i];
}

}  // namespace pg::ops
