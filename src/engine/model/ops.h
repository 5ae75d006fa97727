// Element-wise and per-row operations of the decoder forward pass (RMSNorm,
// RoPE with YaRN, GeGLU, soft-capping; GGML's exp, SwiGLU and softmax are in
// ggml_math.h). Plain scalar code written to compute the same values as
// GGML's CPU ops (double accumulation where GGML uses it); these are the
// reference that vectorized versions will be compared against. No allocation.
#pragma once

#include <cstdint>

#include "engine/model/model_config.h"

namespace pg::ops {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]
void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps);

// Rotary position embedding, in place, on one head vector of head_dim values,
// as GGML's rope_yarn computes it. freq_factors (n_rot/2 values, may be null)
// divide the base frequencies (Llama 3.1, LongRoPE). With ext_factor != 0
// (YaRN) each pair's angle mixes the interpolated and extrapolated angles over
// the ramp between corr_dims, and cos/sin gain YaRN's magnitude factor;
// attn_factor always multiplies cos and sin.
struct RopeParams {
  int64_t n_rot;
  float freq_base;
  float freq_scale;
  RopeStyle style;
  const float* freq_factors;
  float ext_factor = 0.0f;
  float attn_factor = 1.0f;
  float corr_dims[2] = {0.0f, 0.0f};
};
void rope(float* head, int64_t position, const RopeParams& p);

// The same rotation in two steps, for many heads at one position: the n_rot
// values cos0, sin0, cos1, sin1, ... of `position`, then their application.
void rope_angles(int64_t position, const RopeParams& p, float* cos_sin);
void rope_apply(float* head, const float* cos_sin, int64_t n_rot, RopeStyle style);

// YaRN's correction range [start, end] of pair indices for a head of n_rot
// rotated values trained on n_ctx_orig positions (GGML's rope_yarn_corr_dims).
void yarn_corr_dims(int64_t n_rot, int64_t n_ctx_orig, float freq_base, float beta_fast, float beta_slow,
                    float dims[2]);

// gate[i] = gelu(gate[i]) * up[i] with GGML's CPU GELU: the input rounded to
// F16 and looked up in a table of F16 tanh-GELU values (0 below -10, x above 10).
void geglu(float* gate, const float* up, int64_t n);
// GGML's tanh-GELU of one value, through the same table.
float gelu_table(float x);

// In place: x = cap * tanh(x / cap), as GGML scales by 1/cap, tanh, scales by cap.
void softcap(float* x, int64_t n, float cap);

}  // namespace pg::ops
