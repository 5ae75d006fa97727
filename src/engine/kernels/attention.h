// Kernels of attention over a KV cache of F16 or block-quantized (Q8_0, Q4_0)
// rows: the dot products of a query with many cached keys, and the
// probability-weighted sum of cached values. Rows are head_dim values at a
// fixed stride (one cache position apart). Each entry point runs on a chosen
// KernelPath; the scalar path is the reference the SIMD paths are tested
// against. Never allocates, never reads outside the rows.
#pragma once

#include <cstdint>

#include "engine/kernels/kernels.h"

namespace pg::kernels {

// Grouped-query attention: `heads` query heads share one KV head, so each
// kernel takes all of them and reads each cached row once for the group. The
// results are the same bits as one call per head.

// out[h * out_stride + j] = sum_i rows[j * row_stride + i] * queries[h * n + i],
// for j in [0, n_rows), i in [0, n), h in [0, heads). Uses the F16 row dot
// product of `path` (F32 accumulation).
void f16_dots(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* queries,
              int64_t heads, int64_t n, float* out, int64_t out_stride);

// The probability-weighted sum of value rows in GGML's order (the tinyBLAS
// product of llama.cpp's transposed V cache with the probabilities): the term
// of row j goes to lane (lane0 + j) % kValueLanes and each lane adds its terms
// in row order with one FMA each, for every output i in [0, n); then
// reduce_value_lanes adds each output's lanes in _mm512_reduce_add_ps's tree.
// Head h's weights are weights[h * weight_stride + j] and its lanes
// kValueLanes * n floats at lanes + h * kValueLanes * n (lane l's outputs at
// l * n), zeroed before the first call; lane0 is the cache position of the
// first row (mod 16), so several runs of rows (a ring that wraps) accumulate
// exactly as one run.
constexpr int kValueLanes = 16;
void f16_weighted_sum_lanes(KernelPath path, const uint16_t* rows, int64_t row_stride, int64_t n_rows,
                            const float* weights, int64_t weight_stride, int64_t heads, int64_t n, int64_t lane0,
                            float* lanes);
void reduce_value_lanes(const float* lanes, int64_t n, float* out);

// x[i] rounded to F16 and widened back, in place, for i in [0, n): GGML rounds
// the probabilities so before they weight F16 values. Round to nearest even,
// bit-exact with fp32_to_fp16 for every finite value (F16C on the SIMD paths).
void round_through_f16(KernelPath path, float* x, int64_t n);

// Keys cached as Q8_0 or Q4_0 (`type`; rows of n values, row_stride bytes
// apart): out[j] = key j . query, with the query already quantized to Q8_0,
// as GGML's flash attention converts it for such keys (integer block products
// times the two block scales). Uses the row dot product of `path` for `type`.
void quant_dots(KernelPath path, GgmlType type, const uint8_t* rows, int64_t row_stride, int64_t n_rows,
                const void* q8_query, int64_t n, float* out);

// Values cached as Q8_0 or Q4_0: acc[i] += weights[j] * value j's i-th value
// (dequantized exactly, one row at a time into row_scratch[0..n)), row after
// row in order, as GGML's flash attention adds a quantized value row.
void quant_weighted_sum(GgmlType type, const uint8_t* rows, int64_t row_stride, int64_t n_rows, const float* weights,
                        int64_t n, float* row_scratch, float* acc);

}  // namespace pg::kernels
