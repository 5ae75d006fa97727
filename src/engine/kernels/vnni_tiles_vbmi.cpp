// The AVX-512 VNNI decoded-tile product (vnni_tiles.h): the shared tile driver
// (tile_matmul.h) with VPDPBUSD products as its backend. For each scale block
// the 16 tokens' activations (value + 128, as unsigned bytes) sit in block/4
// registers, one 4-byte group per token lane; each weight row's 4-byte group
// is broadcast against them, so one VPDPBUSD adds 64 products into the row's
// 16 token lanes. The sign flip is undone exactly by starting each block's
// integer sum at -128 x the sum of the row's block values. The float steps
// are the AMX backend's, in the same order, so both paths give the same bits.
// BF16 weights take VDPBF16PS products the same way (one bf16 pair per token
// lane), summed over the row in one register per row. F16 weights stay on the
// row kernels (GGML's summation order, register-tiled for prompts).
// Built with AVX-512 + VBMI flags: nothing here may run before
// kernel_path_supported(Avx512Tiles).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "engine/kernels/tile_matmul.h"
#include "engine/kernels/vnni_tiles.h"

namespace pg::kernels::detail {
namespace {

inline __m512i broadcast_dword(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return _mm512_set1_epi32(v);
}

// One decoded 16-row group with one token tile: out[r][t] for row r, token t.
template <int kBlock, bool kMin>
void int8_tokens(const Int8Group& g, const uint8_t* tile, const Int8TileLayout& l, float (*out)[16],
                 NextGroupPrefetch& prefetch) {
  constexpr int kLines = kBlock / 4;
  const auto* da = reinterpret_cast<const float*>(tile + l.da_offset);
  const auto* sa = reinterpret_cast<const float*>(tile + l.sa_offset);
  __m512 acc[16];
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t b = 0; b < l.blocks; ++b) {
    prefetch.step();
    const uint8_t* lines = tile + b * 16 * kBlock;
    __m512i a[kLines];
#pragma GCC unroll 8
    for (int i = 0; i < kLines; ++i) a[i] = _mm512_load_si512(lines + 64 * i);
    const int8_t* q = g.q + pack_offset(b, kBlock);
    const float* dw = g.dw + 16 * b;
    const float* mw = g.mw + 16 * b;
    const int32_t* terms = g.flip_terms + 16 * b;
    const __m512 da_v = _mm512_load_ps(da + 16 * b);
    const __m512 sa_v = kMin ? _mm512_load_ps(sa + 16 * b) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int r = 0; r < 16; ++r) {
      const int8_t* row = q + r * kPackLine;
      __m512i c = _mm512_set1_epi32(terms[r]);
#pragma GCC unroll 8
      for (int i = 0; i < kLines; ++i) c = _mm512_dpbusd_epi32(c, a[i], broadcast_dword(row + 4 * i));
      // The AMX backend's float steps (tokens_step), in its order.
      const __m512 s = _mm512_mul_ps(da_v, _mm512_set1_ps(dw[r]));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(c), s, acc[r]);
      if (kMin) acc[r] = _mm512_fmadd_ps(sa_v, _mm512_set1_ps(mw[r]), acc[r]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) _mm512_storeu_ps(out[r], acc[r]);
}

// BF16 weights: per 32-value block, 16 lines of bf16 pairs (one per token
// lane); each row's pair is broadcast against them (VDPBF16PS), accumulated in
// one register per row over the whole row.
void bf16_tokens(const uint16_t* w, const uint8_t* tile, int64_t blocks, float (*out)[16],
                 NextGroupPrefetch& prefetch) {
  constexpr int64_t kRowsBlock = kGroupRows * kBf16Block;  // bf16 values per decoded block
  __m512 acc[16];
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    prefetch.step();
    const uint16_t* wb = w + b * kRowsBlock;
    const uint8_t* lines = tile + b * kBf16TileBytes;
    for (int i = 0; i < kBf16Block / 2; ++i) {
      const __m512bh a = (__m512bh)_mm512_load_si512(lines + 64 * i);
#pragma GCC unroll 16
      for (int r = 0; r < 16; ++r) {
        uint32_t pair;
        std::memcpy(&pair, wb + r * kBf16Block + 2 * i, sizeof pair);
        acc[r] = _mm512_dpbf16_ps(acc[r], a, (__m512bh)_mm512_set1_epi32(static_cast<int>(pair)));
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < 16; ++r) _mm512_storeu_ps(out[r], acc[r]);
}

struct VnniBackend {
  static constexpr bool kFlipActivationSigns = true;
  static constexpr bool kBf16 = true;
  static const Int8Weights* int8_weights(GgmlType type) { return tiles::int8_weights(type); }
  struct ThreadState {
    void configure(int, int) {}
  };
  static void int8_products(ThreadState&, const Int8Group& g, bool has_min, const uint8_t* tile,
                            const Int8TileLayout& l, float (*out)[16], NextGroupPrefetch& prefetch) {
    if (l.block == 32) {
      if (has_min) int8_tokens<32, true>(g, tile, l, out, prefetch);
      else int8_tokens<32, false>(g, tile, l, out, prefetch);
    } else {
      if (has_min) int8_tokens<16, true>(g, tile, l, out, prefetch);
      else int8_tokens<16, false>(g, tile, l, out, prefetch);
    }
  }
  static void bf16_products(ThreadState&, const uint16_t* w, const uint8_t* tile, int64_t blocks, float (*out)[16],
                            NextGroupPrefetch& prefetch) {
    bf16_tokens(w, tile, blocks, out, prefetch);
  }
};

}  // namespace

bool vnni_tiles_have_kernel(GgmlType type) {
  return tiles::int8_weights(type) != nullptr || tiles::bf16_weights(type) != nullptr;
}

void vnni_tiles_matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                       Scratch& scratch) {
  tile_matmul<VnniBackend>(w, x, n_tokens, y, pool, scratch);
}

}  // namespace pg::kernels::detail
