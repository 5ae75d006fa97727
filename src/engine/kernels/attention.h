// Kernels of attention over an F16 KV cache: the dot products of a query with
// many cached keys, and the probability-weighted sum of cached values. Rows are
// head_dim F16 values at a fixed stride (one cache position apart). Each entry
// point runs on a chosen KernelPath; the scalar path is the reference the SIMD
// paths are tested against. Never allocates, never reads outside the rows.
#pragma once

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace pg::kernels {

// out[j] = sum_i rows[j * row_stride + i] * x[i], for j in [0, n_rows), i in [0, n).
// Uses the F16 row dot product of `path` (F32 accumulation).
void f16_dots(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* x,
              int64_t n, float* out);

// The probability-weighted sum of value rows in GGML's order (the tinyBLAS
// product of llama.cpp's transposed V cache with the probabilities): the term
// of row j goes to lane (lane0 + j) % kValueLanes and each lane adds its terms
// in row order with one FMA each, for every output i in [0, n); then
// reduce_value_lanes adds each output's lanes in _mm512_reduce_add_ps's tree.
// lanes holds kValueLanes * n floats (lane l's outputs at l * n), zeroed before
// the first call; lane0 is the cache position of the first row (mod 16), so
// several runs of rows (a ring that wraps) accumulate exactly as one run.
constexpr int kValueLanes = 16;
void f16_weighted_sum_lanes(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows,
                            const float* weights, int64_t n, int64_t lane0, float* lanes);
void reduce_value_lanes(const float* lanes, int64_t n, float* out);

}  // namespace pg::kernels
