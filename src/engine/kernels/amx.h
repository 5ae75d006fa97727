// Internal to engine/kernels: the AMX matrix product (amx_matmul_amx.cpp). It
// takes over kernels::matmul on the Amx path for every quantized type and for
// BF16 weights; F32 and F16 weights keep the AVX-512 kernels. Call it only after
// kernel_path_supported(KernelPath::Amx): it executes AMX instructions.
#pragma once

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace pg::kernels::detail {

// True when the AMX path multiplies weights of `type` with tile products.
bool amx_has_kernel(GgmlType type);

// matmul's contract (kernels.h) for a matrix that validate_weight_matrix
// accepted and amx_has_kernel(w.type): activations are converted to the
// weight type's vec_dot_type by the reference quantizer, weights are decoded
// 16 rows at a time into per-thread tiles (never repacked in memory), and each
// output is computed with the same operations whatever the token count or
// thread count, so a token's result never depends on its batch.
void amx_matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                Scratch& scratch);

}  // namespace pg::kernels::detail
