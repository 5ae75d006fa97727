// Per-row operations of the BERT-family forward pass that the Llama ops
// (engine/model/ops.h) lack: LayerNorm with weight and bias, GELU (the tanh
// approximation GGML's ggml_gelu uses), SwiGLU and softmax built on an exp the
// compiler vectorizes (no libm call per value), and the attention of one head
// over one input. Plain scalar code that the compiler vectorizes, built for
// AVX-512, AVX2 and baseline x86-64 and picked at load time (GCC
// target_clones); the scalar double-precision reference (bert_reference.h)
// and the ops tests check them. No allocation.
#pragma once

#include <cstdint>

namespace pg::ops {

// out[i] = (x[i] - mean) / sqrt(var + eps) * weight[i] + bias[i], mean and
// variance over the n values (accumulated in double, as GGML's ggml_norm).
// out may equal x.
void layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t n, float eps);

// e^x within 2 ulp for x in [-87, 88]; 0 below, e^88 above. Branch-free so
// loops over it vectorize.
float exp_approx(float x);

// In place: x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as
// x / (1 + e^(-2u)), the same function.
void gelu(float* x, int64_t n);

// gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + e^(-gate[i])) * up[i]
void swiglu_approx(float* gate, const float* up, int64_t n);

// In place: x = softmax(x * scale) over n values (sum in double).
void softmax_approx(float* x, int64_t n, float scale);

// Bidirectional attention of one head over one input of L tokens:
// out_i = sum_j softmax_j(scale * q_i . k_j) v_j. Row i of q/k/v/out starts at
// i * its stride; heads are hd values. scratch holds (hd + 1) * L floats.
struct HeadView {
  const float* q;
  const float* k;
  const float* v;
  float* out;
  int64_t q_stride, k_stride, v_stride, out_stride;
};
void attention_head(const HeadView& h, int64_t L, int64_t hd, float scale, float* scratch);

// y[i] += b[i] for n values (b may be null: nothing to add).
void add_bias(float* y, const float* b, int64_t n);

}  // namespace pg::ops
