// Internal to engine/kernels: the signature of a row dot-product kernel and the
// per-instruction-set tables. Call a table only after cpu_features() says the
// CPU has that instruction set: the functions behind it are built for it, and
// even the lookup may use its instructions.
#pragma once

#include <cstdint>

#include "engine/tensor/ggml_type.h"

namespace pg::kernels::detail {

// Same contract as quant::TypeOps::vec_dot: sum over n elements of
// weight_row[i] * activation_row[i], the activation row in the vec_dot_type.
using RowDotFn = float (*)(int64_t n, const void* weight_row, const void* activation_row);

// One weight row against kTileTokens activation rows (activation row k at
// activations + k * activation_stride), out[k] = its dot product. Each weight
// block is loaded/decoded once for all the tokens, but every out[k] is computed
// with exactly the instructions of the matching RowDotFn, so results are
// bit-identical to calling it per token (tiling never changes an output).
constexpr int kTileTokens = 4;
using RowDotTokensFn = void (*)(int64_t n, const void* weight_row, const void* activations,
                                uint64_t activation_stride, float* out);

// A weight type's kernels on one instruction-set path: the single-token dot
// and its token-tile twin (null when the type has none).
struct RowKernels {
  RowDotFn dot;
  RowDotTokensFn dot_tokens;
};

// kBlockRows weight rows (row_bytes apart) against kTileTokens activation rows:
// out[r * kTileTokens + k] = row r . token k, each computed with exactly the
// instructions of the matching RowDotFn (a register tile of the same sums, so
// blocking never changes an output).
constexpr int kBlockRows = 6;
using RowsDotTokensFn = void (*)(int64_t n, const void* weight_rows, uint64_t row_bytes, const void* activations,
                                 uint64_t activation_stride, float* out);

// Kernels that take activations in their own packed layout instead of the
// vec_dot_type row: matmul quantizes each token to the vec_dot_type with the
// reference quantizer, then `pack` rearranges it (packed_bytes(n) bytes per
// token). dot / dot_tokens / dot_block have the RowDotFn / RowDotTokensFn /
// RowsDotTokensFn contracts with packed rows in place of vec_dot_type rows
// (same bit-identity promise).
struct PackedKernel {
  uint64_t (*packed_bytes)(int64_t n);
  void (*pack)(int64_t n, const void* vec_dot_row, void* packed);
  RowDotFn dot;
  RowDotTokensFn dot_tokens;
  RowsDotTokensFn dot_block = nullptr;  // kBlockRows rows x kTileTokens tokens, or none
};

// Single-token kernels stream every weight byte once. Asking for the bytes
// this far ahead into L2 keeps the memory busy while the kernel computes;
// the hardware prefetcher alone stalls at each 4 KiB page (measured: +15% to
// +35% single-token speed at 2 KiB, less at 1 or 4 KiB).
constexpr uint64_t kStreamPrefetchDistance = 2048;
inline void prefetch_weights_ahead(const void* at, uint64_t bytes) {
  const char* p = static_cast<const char*>(at) + kStreamPrefetchDistance;
  for (uint64_t i = 0; i < bytes; i += 64) __builtin_prefetch(p + i, 0, 2);
}

// Quantizes n floats to an activation format, byte-identical to the reference
// quantize_row of engine/quant (Q8_0, Q8_1, Q8_K on AVX-512); nullptr for
// other formats, which keep the reference.
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);
QuantizeRowFn avx512_quantize_row(GgmlType activation_type);
QuantizeRowFn avx2_quantize_row(GgmlType activation_type);  // the same on AVX2

// nullptr when there is no kernel for weights of `type` on that path.
// avx_vnni selects the AVX-VNNI int8 products (the CPU must have AVX-VNNI).
RowDotFn avx2_row_dot(GgmlType type, bool avx_vnni);
RowDotFn avx512_row_dot(GgmlType type);
// The token-tile twins of the kernels above; nullptr when the type has none.
RowDotTokensFn avx2_row_dot_tokens(GgmlType type, bool avx_vnni);
RowDotTokensFn avx512_row_dot_tokens(GgmlType type);
// out[h * out_stride + j] = F16 row j . xs[h * n ..] (F16) for j in [0, n_rows)
// and h in [0, heads), rows row_stride values apart: the AVX-512 F16 row
// kernel's sums with each x widened once, 16 rows in flight and each row
// widened once for all heads (attention's key products; the same bits as
// avx512_row_dot(F16) for every row and head).
void f16_dots_avx512(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* xs, int64_t heads,
                     int64_t n, float* out, int64_t out_stride);
// The same on AVX2: the bits of avx2_row_dot(F16) for every row and head.
void f16_dots_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* xs, int64_t heads,
                   int64_t n, float* out, int64_t out_stride);
// Packed-activation kernels (preferred over the row kernels when present).
const PackedKernel* avx2_packed_kernel(GgmlType type, bool avx_vnni);  // Q4_0
const PackedKernel* avx512_packed_kernel(GgmlType type);    // Q4_0, Q5_0, Q8_0
const PackedKernel* avx512_packed_k_kernel(GgmlType type);  // Q4_K, Q6_K
const PackedKernel* avx512_packed_f16_kernel(GgmlType type);  // F16

}  // namespace pg::kernels::detail
