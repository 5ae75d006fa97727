// Element-wise and per-row operations of the Llama forward pass (RMSNorm, RoPE,
// softmax, SwiGLU). Plain scalar code written to compute the same values as
// GGML's CPU ops (double accumulation where GGML uses it); these are the
// reference that vectorized versions will be compared against. No allocation.
#pragma once

#include <cstdint>

#include "engine/model/model_config.h"

namespace pg::ops {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]
void rms_norm(const float* x, const float* weight, float* out, int64_t n, float eps);

// Rotary position embedding, in place, on one head vector of head_dim values.
// freq_factors (n_rot/2 values, may be null) divide the base frequencies (Llama 3.1).
struct RopeParams {
  int64_t n_rot;
  float freq_base;
  float freq_scale;
  RopeStyle style;
  const float* freq_factors;
};
void rope(float* head, int64_t position, const RopeParams& p);

// In place: x = softmax(x * scale) over n values.
void softmax(float* x, int64_t n, float scale);

// gate[i] = silu(gate[i]) * up[i]
void swiglu(float* gate, const float* up, int64_t n);

}  // namespace pg::ops
