// GGML's CPU element-wise math, reproduced operation for operation so the
// decoder rounds as llama.cpp does: its vectorized exp (ggml_v_expf: a degree-5
// polynomial after an exact range reduction), SwiGLU on top of it, and the
// attention softmax over cache cells (exp per cell, each aligned run of 16
// cells summed as _mm512_reduce_add_ps sums it, the runs in double). Plain
// float code (std::fma where GGML fuses); no allocation, no state.
#pragma once

#include <cstdint>

namespace pg::ops {

// ggml_v_expf's e^x: 0 far below, +inf far above.
float ggml_exp(float x);

// gate[i] = silu(gate[i]) * up[i] as ggml_vec_swiglu_f32: SiLU through
// ggml_exp for each full run of 16 values, libm's expf for the rest.
void ggml_swiglu(float* gate, const float* up, int64_t n);

// Softmax of the scores of cache cells [first_cell, first_cell + n) as GGML's
// soft_max computes a row of K·Q: x·scale, the max, ggml_exp(x − max), the sum
// of each 16-cell run (cells outside the range count as 0) added in double,
// then every value × (float)(1 / sum).
// A non-null sink (gpt-oss's per-head logit) joins the max and adds
// expf(sink − max) to the sum, as GGML's soft_max with sinks.
void ggml_softmax_cells(float* x, int64_t n, float scale, int64_t first_cell, const float* sink = nullptr);

// Softmax of a plain row of n values (a MoE router's logits) as GGML's
// soft_max computes it: ggml_exp over each full run of 16 values from the
// start (each run summed as _mm512_reduce_add_ps), libm's expf for the rest,
// everything added in double, then every value × (float)(1 / sum).
void ggml_softmax_row(float* x, int64_t n);

// gpt-oss's clamped SwiGLU as GGML's swiglu_oai: x = min(gate, limit),
// y = clamp(up, −limit, limit), gate = x / (1 + expf(−alpha·x)) · (y + 1).
void ggml_swiglu_oai(float* gate, const float* up, int64_t n, float alpha, float limit);

// Sixteen values added as _mm512_reduce_add_ps adds them: upper 8 + lower 8,
// upper 4 + lower 4, then (v0 + v2) + (v1 + v3).
inline float reduce_add_16(const float* v) {
  float h8[8], h4[4];
  for (int k = 0; k < 8; ++k) h8[k] = v[k + 8] + v[k];
  for (int k = 0; k < 4; ++k) h4[k] = h8[k + 4] + h8[k];
  return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

}  // namespace pg::ops
