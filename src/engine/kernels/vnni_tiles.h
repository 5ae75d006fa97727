// Internal to engine/kernels: the AVX-512 VNNI decoded-tile matrix product
// (vnni_tiles_vbmi.cpp), which takes over kernels::matmul for prompt tokens on
// the Avx512Tiles path. Call it only after kernel_path_supported(Avx512Tiles):
// it executes AVX-512 VNNI and VBMI instructions.
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/kernels.h"

namespace pg::kernels::detail {

// True when the Avx512Tiles path multiplies weights of `type` with decoded
// tiles: every quantized type with an int8 decoder in tile_layout.h, and BF16.
bool vnni_tiles_have_kernel(GgmlType type);

// matmul's contract (kernels.h) for a matrix that validate_weight_matrix
// accepted and vnni_tiles_have_kernel(w.type). Activations are quantized by
// the reference quantizer, weights decoded 16 rows at a time into per-thread
// tiles (never repacked in memory); every output is computed with the same
// operations whatever the token count or thread count; for the int8 types it
// equals the AMX path's output bit for bit (same integer sums, same float steps).
void vnni_tiles_matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                       Scratch& scratch);

// The most tokens vnni_twin_matmul takes at once.
constexpr int kTwinMaxTokens = 8;

// True when vnni_twin_matmul multiplies weights of `type` (Q4_0, Q8_0).
bool vnni_twin_has_kernel(GgmlType type);

// The tiles' twin for a few tokens (vnni_twin_vbmi.cpp): matmul's contract
// for jobs of 1 to kTwinMaxTokens tokens each, whose matrices
// validate_weight_matrix accepted and whose types vnni_twin_has_kernel. Every
// output equals, bit for bit, that token's output in vnni_tiles_matmul with
// any number of tokens, so a token's result never depends on its batch (a
// decode batch of streams gives each stream its single-stream result). Reads
// each weight once for all of a job's tokens; the rows of all jobs are split
// across the pool in one dispatch.
void vnni_twin_matmul(std::span<const MatmulJob> jobs, ThreadPool& pool, Scratch& scratch);

}  // namespace pg::kernels::detail
