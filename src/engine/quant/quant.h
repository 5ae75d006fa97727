// Scalar reference implementations of every tensor type: dequantize, quantize and
// the dot product of a weight row with an activation row, bit-exact with GGML's
// block layouts. These are the ground truth that every optimized kernel in
// engine/kernels is tested against. Plain C++ only: no intrinsics, no threads.
#pragma once

#include <cstdint>

#include "engine/tensor/ggml_type.h"

namespace pg::quant {

// Per-type reference operations. A null function pointer means "not supported".
struct TypeOps {
  // dst[0..n) = dequantized src; n is a multiple of the block size.
  void (*dequantize_row)(const void* src, float* dst, int64_t n) = nullptr;
  // Quantizes n floats (a multiple of the block size) into dst, as llama.cpp's
  // x86 CPU backend quantizes activations (for Q8_0/Q8_1: x · 127/amax rounded
  // half to even; for every other type the same as quantize_row_model).
  void (*quantize_row)(const float* src, void* dst, int64_t n) = nullptr;
  // The activation format the dot product expects (GGML's vec_dot_type):
  // Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL/MXFP4, Q8_1 for Q4_1/Q5_1, Q8_K for K/IQ4_XS quants,
  // F16 for F16, BF16 for BF16, F32 for F32.
  GgmlType vec_dot_type = GgmlType::F32;
  // Sum over n elements of weight_row[i] * activation_row[i], where the
  // activation row is stored in vec_dot_type.
  float (*vec_dot)(int64_t n, const void* weight_row, const void* activation_row) = nullptr;
  // Quantizes n floats the way llama-quantize fills a model file when it has no
  // importance matrix (GGML's quantize_<type>(..., quant_weights = NULL)). Equal
  // to quantize_row for every type except IQ4_NL, whose file quantizer tries 15
  // block scales where quantize_row_iq4_nl_ref tries one, and Q8_0/Q8_1 (above).
  void (*quantize_row_model)(const float* src, void* dst, int64_t n) = nullptr;
};

// Reference ops for a type; nullptr when the engine cannot compute with it.
// Q8_1 and Q8_K (activation-only formats) have ops without a vec_dot, like GGML.
const TypeOps* reference_ops(GgmlType type);

// Convenience wrappers over reference_ops; they abort on unsupported types, so
// callers check supports_compute() first (the model loader does, with a clear error).
// supports_compute: weights of this type can be dequantized and multiplied
// (dequantize_row and vec_dot exist, and the vec_dot_type can be quantized).
bool supports_compute(GgmlType type);
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

}  // namespace pg::quant
