// Internal to the decoded-tile kernels (tile_row_decoders.h, tile_weights_*.cpp,
// tile_matmul.h and its backends amx_matmul_amx.cpp, vnni_tiles_vbmi.cpp and
// avx2_tiles_avx2.cpp): how a weight row is decoded into the operands of tile
// products (AMX tiles, or VPDPBUSD / VPMADDUBSW with one weight dword
// broadcast against 16 tokens' activations). Weights are never
// repacked in memory: each 16-row group is decoded into a per-thread buffer just
// before its tile products, then the buffer is reused for the next group.
//
// INT8 family (every quantized type). A row is cut into scale blocks of `block`
// (16 or 32) values; block b holds small integers q[b][j] with one float scale
// dw[b] and, for types with an offset, one float min term mw[b], such that
//   row · activations = sum_b dw[b] * da[b] * (sum_j q[b][j] * a[b][j]) + mw[b] * sa[b]
// where a[b][j] are the activation block's int8 values, da[b] its scale and
// sa[b] = da[b] * sum_j a[b][j] (from the activation format's stored sums).
// The integer sums are exact (AMX TDPBSSD, or VPDPBUSD); the float steps are the same for
// every token count, so a token's output never depends on its batch.
//
// BF16 family (BF16 only). Rows are bf16 in blocks of 32 values, used as they
// are: one tile product per block. F16 weights have no decoder here; they keep
// the AVX-512 kernels (GGML's summation order, row_dot_avx512.cpp).
// Each table below is built for one instruction set and may run only where
// kernel_path_supported says that set is there.
#pragma once

#include <cstdint>

#include "engine/tensor/ggml_type.h"

namespace pg::kernels::detail::tiles {

constexpr int kGroupRows = 16;   // weight rows per tile group (rows of tiles A and C)
constexpr int kTokensPerTile = 16;  // tokens per token tile (columns of tiles B and C)
constexpr int kBf16Block = 32;   // values per BF16-family block (one 64-byte tile row)

// A decoded INT8 group is a sequence of packs: pack k holds, for each of the 16
// rows, one 64-byte line with the 64 / block scale blocks k * (64 / block) ...
// side by side. Block b of the group is the A tile at
//   q + (b / per_pack) * kPackBytes + (b % per_pack) * block, row stride 64.
// Scales dw and min terms mw are [block][16 rows] floats.
constexpr int kPackLine = 64;
constexpr int64_t kPackBytes = kGroupRows * kPackLine;
inline int64_t pack_offset(int64_t b, int block) {
  const int per_pack = kPackLine / block;
  return (b / per_pack) * kPackBytes + (b % per_pack) * block;
}

struct Int8Weights {
  int block;            // values per scale block: 16 or 32
  bool has_min;         // mw terms present
  GgmlType activation;  // GGML's vec_dot_type: Q8_0, Q8_1 or Q8_K
  int max_abs;          // the largest |q| the decoder can produce, whatever the row's bytes
  // Decodes one row of `cols` values into row r of a group: block b's values to
  // q_row + pack_offset(b, block) (q_row = q + r * kPackLine), its scale to
  // dw[b * kGroupRows] and min term to mw[b * kGroupRows] (dw, mw already
  // offset by r; mw untouched when !has_min). Reads only the row's own bytes.
  void (*decode_row)(const uint8_t* row, int64_t cols, int8_t* q_row, float* dw, float* mw);
  // The same results for a group with 512-bit operations: the values of rows
  // [r_begin, r_end) of the group starting at `rows` (row_bytes apart), and
  // the scales (and min terms) of rows [0, count), gathered 16 rows at a time
  // (rows from count on get 0). Both null when the type only has decode_row.
  void (*decode_rows)(const uint8_t* rows, uint64_t row_bytes, int r_begin, int r_end, int64_t cols, int8_t* q);
  void (*decode_scales)(const uint8_t* rows, uint64_t row_bytes, int count, int64_t cols, float* dw, float* mw);
};

struct Bf16Weights {
  // Decodes one row of `cols` values into blocks of 32 bf16 (the last block
  // zero-padded): block b to out + b * stride.
  void (*decode_row)(const uint8_t* row, int64_t cols, uint16_t* out, int64_t stride);
};

// nullptr when the type has no decoder of that family. The AVX-512 tables
// (tile_weights_vbmi.cpp: run them only after kernel_path_supported(Avx512Tiles)
// or (Amx)) and the AVX2 one (tile_weights_avx2.cpp, row decoders only: after
// kernel_path_supported(Avx2)).
const Int8Weights* int8_weights(GgmlType type);
const Bf16Weights* bf16_weights(GgmlType type);
const Int8Weights* int8_weights_avx2(GgmlType type);

}  // namespace pg::kernels::detail::tiles
