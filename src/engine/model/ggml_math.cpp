// GGML's exp, SwiGLU and attention softmax; see ggml_math.h. The constants and
// steps of the exp are those of GGML's ggml_v_expf (a public algorithm: round
// x·log2(e) to n, reduce b = x − n·ln2 in two parts, a degree-5 polynomial in
// b, scale by 2^n), written here in scalar form.
#include "engine/model/ggml_math.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pg::ops {
namespace {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PG_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PG_VECTOR_CLONES
#endif

inline float pow2(int k) { return std::bit_cast<float>(static_cast<int32_t>((k + 127) << 23)); }

inline float exp_inline(float x) {
  const float round = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, round);
  const float n = z - round;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                    std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                           u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  // j·2^n in two exact power-of-two factors (each a normal float), so only
  // the last product rounds, as VSCALEFPS does.
  const bool out_of_range = !(std::fabs(n) <= 192.0f);
  const int k = static_cast<int>(std::clamp(n, -192.0f, 192.0f));
  const float scaled = j * pow2(k / 2) * pow2(k - k / 2);
  return out_of_range ? (n <= 0.0f ? 0.0f : INFINITY) : scaled;
}
}  // namespace

float ggml_exp(float x) { return exp_inline(x); }

PG_VECTOR_CLONES void ggml_swiglu(float* gate, const float* up, int64_t n) {
  const int64_t full = n / 16 * 16;
  for (int64_t i = 0; i < full; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + exp_inline(0.0f - g)) * up[i];
  }
  for (int64_t i = full; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

PG_VECTOR_CLONES void ggml_softmax_cells(float* x, int64_t n, float scale, int64_t first_cell, const float* sink) {
  // The max in 16 independent lanes (one vector max per 16 cells instead of a
  // chain of scalar ones); the max of a set does not depend on the order.
  float lane_max[16];
  std::fill(lane_max, lane_max + 16, -INFINITY);
  const int64_t full = n / 16 * 16;
  for (int64_t i = 0; i < full; i += 16)
    for (int k = 0; k < 16; ++k) {
      x[i + k] *= scale;
      lane_max[k] = std::max(lane_max[k], x[i + k]);
    }
  for (int64_t i = full; i < n; ++i) {
    x[i] *= scale;
    lane_max[0] = std::max(lane_max[0], x[i]);
  }
  float max = *std::max_element(lane_max, lane_max + 16);
  if (sink) max = std::max(max, *sink);
  for (int64_t i = 0; i < n; ++i) x[i] = exp_inline(x[i] - max);
  double sum = 0.0;
  const int64_t lead = first_cell % 16;  // cells of the first run before the range
  for (int64_t start = -lead; start < n; start += 16) {
    float run[16];
    for (int k = 0; k < 16; ++k) {
      const int64_t i = start + k;
      run[k] = i >= 0 && i < n ? x[i] : 0.0f;
    }
    sum += static_cast<double>(reduce_add_16(run));
  }
  if (sink) sum += static_cast<double>(std::exp(*sink - max));
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void ggml_softmax_row(float* x, int64_t n) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0.0;
  const int64_t full = n / 16 * 16;
  for (int64_t start = 0; start < full; start += 16) {
    for (int64_t i = start; i < start + 16; ++i) x[i] = exp_inline(x[i] - max);
    sum += static_cast<double>(reduce_add_16(x + start));
  }
  for (int64_t i = full; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += static_cast<double>(x[i]);
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void ggml_swiglu_oai(float* gate, const float* up, int64_t n, float alpha, float limit) {
  for (int64_t i = 0; i < n; ++i) {
    const float x = std::min(gate[i], limit);
    const float y = std::clamp(up[i], -limit, limit);
    gate[i] = x / (1.0f + std::exp(alpha * (-x))) * (y + 1.0f);
  }
}

}  // namespace pg::ops
