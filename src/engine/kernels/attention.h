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

// out[i] += sum_j weights[j] * rows[j * row_stride + i], accumulated onto
// out[i] in j order (one float FMA per term) for i in [0, n): zero out first
// for a plain sum. Two calls over consecutive runs of rows give exactly what one
// call over both gives (a ring of cache rows that wraps).
void f16_weighted_sum(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows,
                      const float* weights, int64_t n, float* out);

}  // namespace pg::kernels
