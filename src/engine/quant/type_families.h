// Lookup hooks of the type families of engine/quant, one per source file, so the
// registry can assemble reference_ops() without one giant file. Internal to
// engine/quant: other modules use quant.h only.
#pragma once

#include "engine/quant/quant.h"

namespace pg::quant::detail {

// Each returns the ops of `type` when that family implements it, else nullptr.
const TypeOps* plain_type_ops(GgmlType type);    // F32, F16, BF16
const TypeOps* legacy_quant_ops(GgmlType type);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1
const TypeOps* k_quant_ops(GgmlType type);       // Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K
const TypeOps* iq4_ops(GgmlType type);           // IQ4_NL, IQ4_XS
const TypeOps* mxfp4_ops(GgmlType type);         // MXFP4

// Reference quantizers of the K types (k_quantizers.cpp), used by k_quants.cpp.
void quantize_row_q2_k(const float* src, void* dst, int64_t n);
void quantize_row_q3_k(const float* src, void* dst, int64_t n);
void quantize_row_q4_k(const float* src, void* dst, int64_t n);
void quantize_row_q5_k(const float* src, void* dst, int64_t n);
void quantize_row_q6_k(const float* src, void* dst, int64_t n);

}  // namespace pg::quant::detail
