// The AMX matrix product (amx.h): the shared tile driver (tile_matmul.h) with
// tile products as its backend: TDPBSSD for quantized types (one int32 tile per
// scale block, then scaled in float) and TDPBF16PS for BF16 (one product per
// block, accumulated in the tile over the whole row). F16 and F32 weights never
// come here (amx_has_kernel is false for them).
// Every output is computed by one thread with a fixed sequence of operations
// that does not depend on how many tokens share its tile or how many threads
// run, so results are bit-identical for any batch and thread count.
// Built with AMX flags: nothing here may run before kernel_path_supported(Amx).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "engine/kernels/amx.h"
#include "engine/kernels/tile_matmul.h"

namespace pg::kernels::detail {
namespace {

// ---- Tile configuration. Tiles 0/1 hold results (C), 2/3 weights (A), 4/5
// activations (B); the pairs let consecutive blocks overlap.

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

class TileState {
 public:
  ~TileState() { _tile_release(); }
  // block: int8 values per scale block (16/32), or 0 for the BF16 family.
  void configure(int block, int tokens) {
    if (block == block_ && tokens == tokens_) return;
    TileConfig c;
    const int a_bytes = block == 0 ? 2 * kBf16Block : block;
    const int b_rows = block == 0 ? kBf16Block / 2 : block / 4;
    for (int i : {0, 1}) c.rows[i] = kGroupRows, c.colsb[i] = static_cast<uint16_t>(4 * tokens);
    for (int i : {2, 3}) c.rows[i] = kGroupRows, c.colsb[i] = static_cast<uint16_t>(a_bytes);
    for (int i : {4, 5}) c.rows[i] = static_cast<uint8_t>(b_rows), c.colsb[i] = static_cast<uint16_t>(4 * tokens);
    _tile_loadconfig(&c);
    block_ = block;
    tokens_ = tokens;
  }

 private:
  int block_ = -1, tokens_ = -1;
};

// ---- INT8 tile products of one decoded 16-row group with one token tile.
// C is 16 rows x `tokens` columns; acc[r] holds row r's tokens. Each output
// gets the same operations whatever the number of tokens in its tile.
template <bool kMin>
inline void tokens_step(__m512 (&acc)[16], const int32_t (*c)[16], const float* dw, const float* mw, const float* da,
                        const float* sa) {
  const __m512 da_v = _mm512_load_ps(da);
  const __m512 sa_v = kMin ? _mm512_load_ps(sa) : _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) {
    const __m512 s = _mm512_mul_ps(da_v, _mm512_set1_ps(dw[r]));
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c[r])), s, acc[r]);
    if (kMin) acc[r] = _mm512_fmadd_ps(sa_v, _mm512_set1_ps(mw[r]), acc[r]);
  }
}

template <bool kMin>
void int8_tokens(const int8_t* q, const float* dw, const float* mw, const uint8_t* tile, const Int8TileLayout& l,
                 float (*out)[16], NextGroupPrefetch& prefetch) {
  const auto* da = reinterpret_cast<const float*>(tile + l.da_offset);
  const auto* sa = reinterpret_cast<const float*>(tile + l.sa_offset);
  const int64_t step = 16 * l.block;
  alignas(64) int32_t c0[16][16], c1[16][16];
  __m512 acc[16];
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) acc[r] = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= l.blocks; b += 2) {
    prefetch.step();
    prefetch.step();
    _tile_loadd(2, q + pack_offset(b, l.block), kPackLine);
    _tile_loadd(4, tile + b * step, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 2, 4);
    _tile_loadd(3, q + pack_offset(b + 1, l.block), kPackLine);
    _tile_loadd(5, tile + (b + 1) * step, 64);
    _tile_zero(1);
    _tile_dpbssd(1, 3, 5);
    _tile_stored(0, c0, 64);
    _tile_stored(1, c1, 64);
    tokens_step<kMin>(acc, c0, dw + 16 * b, mw + 16 * b, da + 16 * b, sa + 16 * b);
    tokens_step<kMin>(acc, c1, dw + 16 * (b + 1), mw + 16 * (b + 1), da + 16 * (b + 1), sa + 16 * (b + 1));
  }
  if (b < l.blocks) {
    _tile_loadd(2, q + pack_offset(b, l.block), kPackLine);
    _tile_loadd(4, tile + b * step, 64);
    _tile_zero(0);
    _tile_dpbssd(0, 2, 4);
    _tile_stored(0, c0, 64);
    tokens_step<kMin>(acc, c0, dw + 16 * b, mw + 16 * b, da + 16 * b, sa + 16 * b);
  }
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) _mm512_storeu_ps(out[r], acc[r]);
}

// ---- BF16 tile products: C accumulates one TDPBF16PS per block across the
// whole row.

void bf16_tile_products(const uint16_t* w, const uint8_t* tile, int64_t blocks, float (*out)[16],
                   NextGroupPrefetch& prefetch) {
  constexpr int64_t kRowsBlock = kGroupRows * kBf16Block;  // bf16 values per decoded block
  _tile_zero(0);
  for (int64_t b = 0; b < blocks; ++b) {
    prefetch.step();
    _tile_loadd(2, w + b * kRowsBlock, 64);
    _tile_loadd(4, tile + b * kBf16TileBytes, 64);
    _tile_dpbf16ps(0, 2, 4);
  }
  _tile_stored(0, out, 64);
}

struct AmxBackend {
  static constexpr bool kFlipActivationSigns = false;
  static constexpr bool kBf16 = true;
  static const Int8Weights* int8_weights(GgmlType type) { return tiles::int8_weights(type); }
  using ThreadState = TileState;
  static void int8_products(ThreadState&, const Int8Group& g, bool has_min, const uint8_t* tile,
                            const Int8TileLayout& l, float (*out)[16], NextGroupPrefetch& prefetch) {
    if (has_min) int8_tokens<true>(g.q, g.dw, g.mw, tile, l, out, prefetch);
    else int8_tokens<false>(g.q, g.dw, g.mw, tile, l, out, prefetch);
  }
  static void bf16_products(ThreadState&, const uint16_t* w, const uint8_t* tile, int64_t blocks, float (*out)[16],
                            NextGroupPrefetch& prefetch) {
    bf16_tile_products(w, tile, blocks, out, prefetch);
  }
};

}  // namespace

bool amx_has_kernel(GgmlType type) { return tiles::int8_weights(type) != nullptr || tiles::bf16_weights(type) != nullptr; }

void amx_matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                Scratch& scratch) {
  tile_matmul<AmxBackend>(w, x, n_tokens, y, pool, scratch);
}

}  // namespace pg::kernels::detail
