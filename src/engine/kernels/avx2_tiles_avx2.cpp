// The AVX2 decoded-tile product (avx2_tiles.h): the shared tile driver
// (tile_matmul.h) with 256-bit products as its backend. A token tile's
// activations (value + 128, unsigned bytes) sit as 4-byte groups per token
// lane, tokens 0-7 in the low register of a line and 8-15 in the high one;
// each weight row's 4-byte group is broadcast against both. With AVX-VNNI one
// VPDPBUSD adds 32 products into 8 token lanes; without it VPMADDUBSW gives
// 16-bit pair sums, added over as many lines as the decoder's bound on |q|
// keeps exact, then widened by VPMADDWD. Codes of 8 bits would overflow a
// pair sum against flipped activations: against Q8_0 activations (|a| <= 127:
// Q8_0, IQ4_NL weights) the block's activations are flipped back once and
// each product is formed as |q| * (a with q's sign), which cannot saturate;
// against Q8_K ones (IQ4_XS, where a can be -128) each code is split as
// q = 16 * high + low (low in [0, 15], high in [-8, 7]) and each half
// multiplied on its own. Either way each block's integer sum
// starts at -128 x the sum of the row's block values (undoing the sign flip)
// and is exact, and the float steps are the AVX-512 VNNI backend's, in its
// order: every output equals that path's bit for bit. Accumulators live in
// the 16x16 output block (L1) between scale blocks: 16 rows x 2 registers do
// not fit AVX2's 16 registers. Built with AVX2 flags: nothing here may run
// before kernel_path_supported(Avx2Tiles) (AVX-VNNI instructions only in the
// kVnni instances, after (Avx2VnniTiles)).
#include <immintrin.h>

#include "engine/kernels/avx2_tiles.h"
#include "engine/kernels/tile_matmul.h"

namespace pg::kernels::detail {
namespace {

// Sums of |pair sums| stay below 2^15 for this many lines of products by
// VPMADDUBSW: each pair is at most 2 x 255 x max_abs.
constexpr int kMaxPairSum = 2 * 255;
inline int exact_lines_per_widening(int max_abs, int lines) {
  int n = 1;
  while (n * 2 <= lines && n * 2 * kMaxPairSum * max_abs <= 32767) n *= 2;
  return n;
}
inline bool maddubs_is_exact(int max_abs) { return kMaxPairSum * max_abs <= 32767; }
// Lines of split products (|low| <= 15, |high| <= 8) summed in 16 bits.
constexpr int kSplitLinesPerWidening = 4;
static_assert(kSplitLinesPerWidening * kMaxPairSum * 15 <= 32767);

inline __m256i broadcast_dword(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return _mm256_set1_epi32(v);
}
inline __m256i load_line(const uint8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// The signed products of 8-bit codes against a block's activations with
// their signs restored (signed_lines[i][half]); |q| <= 128 and |a| <= 127 keep
// each pair below 2^15. c starts at 0: nothing is flipped.
template <int kLines>
inline void row_block_signed(const int8_t* row, const __m256i (*signed_lines)[2], __m256i& c_low, __m256i& c_high) {
  const __m256i ones = _mm256_set1_epi16(1);
#pragma GCC unroll 8
  for (int i = 0; i < kLines; ++i) {
    const __m256i w = broadcast_dword(row + 4 * i);
    const __m256i magnitude = _mm256_sign_epi8(w, w);
    c_low = _mm256_add_epi32(c_low, _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(signed_lines[i][0], w)), ones));
    c_high = _mm256_add_epi32(c_high, _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(signed_lines[i][1], w)), ones));
  }
}

// Adds one weight row's products with a scale block's kLines activation lines
// to c_low (tokens 0-7) and c_high (tokens 8-15). kLinesPerWidening 0: the
// split products of 8-bit codes.
template <bool kVnni, int kLines, int kLinesPerWidening>
inline void row_block(const int8_t* row, const uint8_t* lines, __m256i& c_low, __m256i& c_high) {
  if constexpr (!kVnni && kLinesPerWidening == 0) {
    const __m256i ones = _mm256_set1_epi16(1), sixteens = _mm256_set1_epi16(16);
    const __m256i low4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
#pragma GCC unroll 8
    for (int first = 0; first < kLines; first += kSplitLinesPerWidening) {
      __m256i low_pairs[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
      __m256i high_pairs[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
#pragma GCC unroll 8
      for (int i = first; i < first + kSplitLinesPerWidening && i < kLines; ++i) {
        const __m256i w = broadcast_dword(row + 4 * i);
        const __m256i low = _mm256_and_si256(w, low4);
        const __m256i high = _mm256_sub_epi8(_mm256_xor_si256(_mm256_and_si256(_mm256_srli_epi16(w, 4), low4), eight), eight);
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
          const __m256i a = load_line(lines + 64 * i + 32 * h);
          low_pairs[h] = _mm256_add_epi16(low_pairs[h], _mm256_maddubs_epi16(a, low));
          high_pairs[h] = _mm256_add_epi16(high_pairs[h], _mm256_maddubs_epi16(a, high));
        }
      }
      c_low = _mm256_add_epi32(c_low, _mm256_add_epi32(_mm256_madd_epi16(low_pairs[0], ones),
                                                       _mm256_madd_epi16(high_pairs[0], sixteens)));
      c_high = _mm256_add_epi32(c_high, _mm256_add_epi32(_mm256_madd_epi16(low_pairs[1], ones),
                                                         _mm256_madd_epi16(high_pairs[1], sixteens)));
    }
  } else if constexpr (kVnni) {
#pragma GCC unroll 8
    for (int i = 0; i < kLines; ++i) {
      const __m256i w = broadcast_dword(row + 4 * i);
      c_low = _mm256_dpbusd_avx_epi32(c_low, load_line(lines + 64 * i), w);
      c_high = _mm256_dpbusd_avx_epi32(c_high, load_line(lines + 64 * i + 32), w);
    }
  } else {
    const __m256i ones = _mm256_set1_epi16(1);
#pragma GCC unroll 8
    for (int first = 0; first < kLines; first += kLinesPerWidening) {
      __m256i pairs_low = _mm256_setzero_si256(), pairs_high = _mm256_setzero_si256();
#pragma GCC unroll 8
      for (int i = first; i < first + kLinesPerWidening; ++i) {
        const __m256i w = broadcast_dword(row + 4 * i);
        pairs_low = _mm256_add_epi16(pairs_low, _mm256_maddubs_epi16(load_line(lines + 64 * i), w));
        pairs_high = _mm256_add_epi16(pairs_high, _mm256_maddubs_epi16(load_line(lines + 64 * i + 32), w));
      }
      c_low = _mm256_add_epi32(c_low, _mm256_madd_epi16(pairs_low, ones));
      c_high = _mm256_add_epi32(c_high, _mm256_madd_epi16(pairs_high, ones));
    }
  }
}

// One decoded 16-row group with one token tile: out[r][t] for row r, token t.
template <bool kVnni, int kBlock, bool kMin, int kLinesPerWidening>
void int8_tokens(const Int8Group& g, const uint8_t* tile, const Int8TileLayout& l, float (*out)[16],
                 NextGroupPrefetch& prefetch) {
  constexpr int kLines = kBlock / 4;
  const auto* da = reinterpret_cast<const float*>(tile + l.da_offset);
  const auto* sa = reinterpret_cast<const float*>(tile + l.sa_offset);
  for (int r = 0; r < 16; ++r) {
    _mm256_store_ps(out[r], _mm256_setzero_ps());
    _mm256_store_ps(out[r] + 8, _mm256_setzero_ps());
  }
  for (int64_t b = 0; b < l.blocks; ++b) {
    prefetch.step();
    const uint8_t* lines = tile + b * 16 * kBlock;
    const int8_t* q = g.q + pack_offset(b, kBlock);
    const float* dw = g.dw + 16 * b;
    const float* mw = g.mw + 16 * b;
    const int32_t* terms = g.flip_terms + 16 * b;
    const __m256 da_low = _mm256_load_ps(da + 16 * b), da_high = _mm256_load_ps(da + 16 * b + 8);
    [[maybe_unused]] __m256i signed_lines[kLines][2];
    if constexpr (kLinesPerWidening < 0) {
      for (int i = 0; i < kLines; ++i)
        for (int h = 0; h < 2; ++h)
          signed_lines[i][h] = _mm256_xor_si256(load_line(lines + 64 * i + 32 * h), _mm256_set1_epi8(static_cast<char>(0x80)));
    }
    for (int r = 0; r < 16; ++r) {
      __m256i c_low, c_high;
      if constexpr (kLinesPerWidening < 0) {
        c_low = c_high = _mm256_setzero_si256();
        row_block_signed<kLines>(q + r * kPackLine, signed_lines, c_low, c_high);
      } else {
        c_low = c_high = _mm256_set1_epi32(terms[r]);
        row_block<kVnni, kLines, kLinesPerWidening>(q + r * kPackLine, lines, c_low, c_high);
      }
      // The AVX-512 VNNI backend's float steps, in its order.
      const __m256 weight_scale = _mm256_set1_ps(dw[r]);
      __m256 acc_low = _mm256_load_ps(out[r]), acc_high = _mm256_load_ps(out[r] + 8);
      acc_low = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c_low), _mm256_mul_ps(da_low, weight_scale), acc_low);
      acc_high = _mm256_fmadd_ps(_mm256_cvtepi32_ps(c_high), _mm256_mul_ps(da_high, weight_scale), acc_high);
      if constexpr (kMin) {
        const __m256 min_term = _mm256_set1_ps(mw[r]);
        acc_low = _mm256_fmadd_ps(_mm256_load_ps(sa + 16 * b), min_term, acc_low);
        acc_high = _mm256_fmadd_ps(_mm256_load_ps(sa + 16 * b + 8), min_term, acc_high);
      }
      _mm256_store_ps(out[r], acc_low);
      _mm256_store_ps(out[r] + 8, acc_high);
    }
  }
}

template <bool kVnni, int kBlock, bool kMin>
void int8_tokens_for_bound(const Int8Group& g, const uint8_t* tile, const Int8TileLayout& l, float (*out)[16],
                           NextGroupPrefetch& prefetch) {
  if constexpr (kVnni) {
    int8_tokens<true, kBlock, kMin, 1>(g, tile, l, out, prefetch);
  } else if (!maddubs_is_exact(g.max_abs)) {
    // Q8_0 activations stay within +-127; Q8_K ones reach -128, whose sign cannot be moved.
    if (g.activation == GgmlType::Q8_0) int8_tokens<false, kBlock, kMin, -1>(g, tile, l, out, prefetch);
    else int8_tokens<false, kBlock, kMin, 0>(g, tile, l, out, prefetch);
  } else {
    switch (exact_lines_per_widening(g.max_abs, kBlock / 4)) {
      case 1: int8_tokens<false, kBlock, kMin, 1>(g, tile, l, out, prefetch); break;
      case 2: int8_tokens<false, kBlock, kMin, 2>(g, tile, l, out, prefetch); break;
      case 4: int8_tokens<false, kBlock, kMin, 4>(g, tile, l, out, prefetch); break;
      default:
        if constexpr (kBlock / 4 >= 8) int8_tokens<false, kBlock, kMin, 8>(g, tile, l, out, prefetch);
        break;
    }
  }
}

template <bool kVnni>
struct Avx2Backend {
  static constexpr bool kFlipActivationSigns = true;
  static constexpr bool kBf16 = false;
  static const Int8Weights* int8_weights(GgmlType type) { return tiles::int8_weights_avx2(type); }
  struct ThreadState {
    void configure(int, int) {}
  };
  static void int8_products(ThreadState&, const Int8Group& g, bool has_min, const uint8_t* tile,
                            const Int8TileLayout& l, float (*out)[16], NextGroupPrefetch& prefetch) {
    if (l.block == 32) {
      if (has_min) int8_tokens_for_bound<kVnni, 32, true>(g, tile, l, out, prefetch);
      else int8_tokens_for_bound<kVnni, 32, false>(g, tile, l, out, prefetch);
    } else {
      if (has_min) int8_tokens_for_bound<kVnni, 16, true>(g, tile, l, out, prefetch);
      else int8_tokens_for_bound<kVnni, 16, false>(g, tile, l, out, prefetch);
    }
  }
  static void bf16_products(ThreadState&, const uint16_t*, const uint8_t*, int64_t, float (*)[16],
                            NextGroupPrefetch&) {}
};

}  // namespace

bool avx2_tiles_have_kernel(GgmlType type) {
  // Without AVX-VNNI, codes past maddubs_is_exact take the signed or split
  // products, which are exact for any int8 code.
  return tiles::int8_weights_avx2(type) != nullptr;
}

void avx2_tiles_matmul(bool avx_vnni, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                       ThreadPool& pool, Scratch& scratch) {
  if (avx_vnni) tile_matmul<Avx2Backend<true>>(w, x, n_tokens, y, pool, scratch);
  else tile_matmul<Avx2Backend<false>>(w, x, n_tokens, y, pool, scratch);
}

}  // namespace pg::kernels::detail
