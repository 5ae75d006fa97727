// Internal to engine/kernels: the AVX2 decoded-tile matrix product
// (avx2_tiles_avx2.cpp), which takes over kernels::matmul for the quantized
// types on the Avx2Tiles and Avx2VnniTiles paths. Call it only after
// kernel_path_supported of that path: it executes AVX2 (and, with avx_vnni,
// AVX-VNNI) instructions.
#pragma once

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace pg::kernels::detail {

// True when the AVX2 tiles multiply weights of `type`: every quantized type
// with an int8 decoder (tile_layout.h), with AVX-VNNI or without it.
bool avx2_tiles_have_kernel(GgmlType type);

// matmul's contract (kernels.h) for a matrix that validate_weight_matrix
// accepted and avx2_tiles_have_kernel(w.type). The same integer sums
// and float steps as the AVX-512 VNNI tiles (vnni_tiles.h), so the output
// equals theirs bit for bit, for any token count and thread count.
void avx2_tiles_matmul(bool avx_vnni, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                       ThreadPool& pool, Scratch& scratch);

}  // namespace pg::kernels::detail
