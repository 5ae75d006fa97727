// AVX-512 (F/BW/VL/DQ with VNNI and BF16) row dot products: Q4_0·Q8_0 and
// Q8_0·Q8_0 two blocks per 512-bit register with VPDPBUSD, F16·F16 and F32·F32
// with FMA (and the packed F16 kernel: F16 weights, activations widened to F32
// once), BF16·BF16 with VDPBF16PS, plus token-tile twins (one weight row,
// kTileTokens activation rows) for Q4_0, Q8_0, F16 and F32 that decode each
// weight block once and repeat the single-token arithmetic exactly. Integer block sums are exact, as in the
// reference; only the float accumulation order differs from it.
// Built with AVX-512 flags: nothing here may run before CPUID says all of
// F/BW/VL/DQ/VNNI/BF16 are present and the OS saves ZMM state.
#include "engine/kernels/row_dot.h"

#include <algorithm>

#include "engine/kernels/simd_basics.h"
#include "engine/quant/blocks.h"
#include "engine/tensor/type_table.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

inline float horizontal_sum(__m512 v) {
  return horizontal_sum(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

// Scale `low` for the first block's 8 int32 lanes, `high` for the second's.
inline __m512 two_scales(float low, float high) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_set1_ps(low)), _mm256_set1_ps(high), 1);
}

// Signed x signed int8 products summed by 4: |x| times y carrying x's sign.
inline __m256i dot_signed_signed(__m256i x, __m256i y) {
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

// ---- Q4_0 · Q8_0 and Q8_0 · Q8_0, two blocks per 512-bit register. Q4_0's
// (q - 8) * y is computed as q*y - 8*y, q the unsigned nibble.

template <typename Block>
inline __m256i unpack_nibbles(const Block& block) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block.qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
}

// Q4_0 and Q8_0 against Q8_0 for kTokens tokens: Weights::prepare_pair
// readies the weight side of a block pair once, then pair_sums and block_sums
// (the odd last block) take each token's activations.

inline const BlockQ8_0* tile_row(const void* activations, uint64_t stride, int k) {
  return reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(activations) + k * stride);
}

struct Q8_0Weights {  // x's magnitudes and where x is negative
  static float scale(const BlockQ8_0& x) { return half_to_float(x.d); }
  static __m512i prepare_pair(const BlockQ8_0* x, __mmask64* negative) {
    const __m512i w = join(load256(x[0].qs), load256(x[1].qs));
    *negative = _mm512_movepi8_mask(w);
    return _mm512_abs_epi8(w);
  }
  static __m512i pair_sums(__m512i w_abs, __mmask64 negative, __m512i a) {
    const __m512i a_signed = _mm512_mask_sub_epi8(a, negative, _mm512_setzero_si512(), a);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w_abs, a_signed);
  }
  static __m256i block_sums(const BlockQ8_0& x, __m256i a) { return dot_signed_signed(load256(x.qs), a); }
};

struct Q4_0Weights {  // the unsigned nibbles; (q - 8) * a = q*a - 8*a
  static float scale(const BlockQ4_0& x) { return half_to_float(x.d); }
  static __m512i prepare_pair(const BlockQ4_0* x, __mmask64*) { return join(unpack_nibbles(x[0]), unpack_nibbles(x[1])); }
  static __m512i pair_sums(__m512i codes, __mmask64, __m512i a) {
    const __m512i zero = _mm512_setzero_si512();
    return _mm512_sub_epi32(_mm512_dpbusd_epi32(zero, codes, a), _mm512_dpbusd_epi32(zero, _mm512_set1_epi8(8), a));
  }
  static __m256i block_sums(const BlockQ4_0& x, __m256i a) {
    const __m256i zero = _mm256_setzero_si256();
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, unpack_nibbles(x), a),
                            _mm256_dpbusd_epi32(zero, _mm256_set1_epi8(8), a));
  }
};

// MXFP4: each code's signed level from GGML's table (vpshufb in every 128-bit
// lane), then as Q8_0: magnitudes times activations carrying the level's sign.
// The block scale is the E8M0 half scale, a power of two.
template <typename Block, typename Weights, int kTokens>
inline void tile_pair(const Block* x, const BlockQ8_0* const* y, int64_t b, __m512* acc) {
  __mmask64 negative = 0;
  const __m512i w = Weights::prepare_pair(x + b, &negative);
  const float d0 = Weights::scale(x[b]), d1 = Weights::scale(x[b + 1]);
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) {
    const __m512i sums = Weights::pair_sums(w, negative, join(load256(y[k][b].qs), load256(y[k][b + 1].qs)));
    const __m512 scales = two_scales(d0 * half_to_float(y[k][b].d), d1 * half_to_float(y[k][b + 1].d));
    acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), scales, acc[k]);
  }
}

template <typename Block, typename Weights, int kTokens = kTileTokens>
void dot_tokens_x_q8_0(int64_t n, const void* weight_row, const void* activations, uint64_t stride, float* out) {
  const auto* x = static_cast<const Block*>(weight_row);
  const BlockQ8_0* y[kTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) y[k] = tile_row(activations, stride, k);
  const int64_t blocks = n / 32;
  __m512 acc0[kTokens], acc1[kTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) acc0[k] = acc1[k] = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 4 <= blocks; b += 4) {
    tile_pair<Block, Weights, kTokens>(x, y, b, acc0);
    tile_pair<Block, Weights, kTokens>(x, y, b + 2, acc1);
  }
  if (b + 2 <= blocks) {
    tile_pair<Block, Weights, kTokens>(x, y, b, acc0);
    b += 2;
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) {
    float sum = horizontal_sum(_mm512_add_ps(acc0[k], acc1[k]));
    if (b < blocks) {
      const __m256i sums = Weights::block_sums(x[b], load256(y[k][b].qs));
      const __m256 scale = _mm256_set1_ps(Weights::scale(x[b]) * half_to_float(y[k][b].d));
      sum += horizontal_sum(_mm256_mul_ps(_mm256_cvtepi32_ps(sums), scale));
    }
    out[k] = sum;
  }
}

// The single-token kernel is the tile with one token.
template <typename Block, typename Weights>
float dot_x_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  float out;
  dot_tokens_x_q8_0<Block, Weights, 1>(n, weight_row, activation_row, 0, &out);
  return out;
}

// ---- F32 · F32 and F16 · F16 in GGML's order: one accumulator of 16 lanes,
// lane l summing the products of values l, l + 16, l + 32, ... with one FMA
// each (a masked FMA for the tail), then the lanes added as
// _mm512_reduce_add_ps adds them. This is the order of GGML's tinyBLAS
// (llamafile sgemm), which llama.cpp uses for these products: the same sums
// keep F16 models within rounding noise of llama.cpp instead of flipping F16
// roundings downstream (Gemma 2's logits moved by up to 3e-3 with four chains).

// Full vectors (mask a constant 0xFFFF once inlined) take plain loads: a
// masked load costs an extra uop.
inline __m512 load_f32x16(const void* p, __mmask16 mask) {
  return mask == 0xFFFF ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(mask, p);
}

inline __m512 load_f16x16(const void* p, __mmask16 mask) {
  return _mm512_cvtph_ps(mask == 0xFFFF ? _mm256_loadu_si256(static_cast<const __m256i*>(p))
                                        : _mm256_maskz_loadu_epi16(mask, p));
}

// Weights of kWBytes per element read by kLoadW, activations of kABytes by
// kLoadA (the same for F32·F32 and F16·F16; F16 weights with F32 activations
// for the packed F16 kernel below).
template <size_t kWBytes, __m512 (*kLoadW)(const void*, __mmask16), size_t kABytes,
          __m512 (*kLoadA)(const void*, __mmask16), bool kPrefetch = false>
float dot_sixteen_lanes(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint8_t*>(weight_row);
  const auto* a = static_cast<const uint8_t*>(activation_row);
  constexpr __mmask16 kAll = 0xFFFF;
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    if (kPrefetch) prefetch_weights_ahead(w + i * kWBytes, 64 * kWBytes);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
      acc = _mm512_fmadd_ps(kLoadW(w + (i + 16 * k) * kWBytes, kAll), kLoadA(a + (i + 16 * k) * kABytes, kAll), acc);
  }
  for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(kLoadW(w + i * kWBytes, kAll), kLoadA(a + i * kABytes, kAll), acc);
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    acc = _mm512_fmadd_ps(kLoadW(w + i * kWBytes, mask), kLoadA(a + i * kABytes, mask), acc);
  }
  return horizontal_sum(acc);
}

// Token tile of dot_sixteen_lanes: each weight vector loaded once for all
// tokens, one accumulator per token (the same sums as the single-token kernel).
template <size_t kWBytes, __m512 (*kLoadW)(const void*, __mmask16), size_t kABytes,
          __m512 (*kLoadA)(const void*, __mmask16)>
void dot_tokens_sixteen_lanes(int64_t n, const void* weight_row, const void* activations, uint64_t stride,
                              float* out) {
  const auto* w = static_cast<const uint8_t*>(weight_row);
  const uint8_t* a[kTileTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) a[k] = static_cast<const uint8_t*>(activations) + k * stride;
  constexpr __mmask16 kAll = 0xFFFF;
  __m512 acc[kTileTokens];
#pragma GCC unroll 4
  for (__m512& v : acc) v = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 weights = kLoadW(w + i * kWBytes, kAll);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) acc[k] = _mm512_fmadd_ps(weights, kLoadA(a[k] + i * kABytes, kAll), acc[k]);
  }
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 weights = kLoadW(w + i * kWBytes, mask);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) acc[k] = _mm512_fmadd_ps(weights, kLoadA(a[k] + i * kABytes, mask), acc[k]);
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) out[k] = horizontal_sum(acc[k]);
}

// ---- BF16 · BF16: VDPBF16PS takes 32 pairs per instruction (bf16 denormals
// count as zero, as in GGML's kernel).

inline __m512bh load_bf16x32(const uint16_t* p, __mmask32 mask) {
  return (__m512bh)_mm512_maskz_loadu_epi16(mask, p);
}

float dot_bf16(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const uint16_t*>(weight_row);
  const auto* a = static_cast<const uint16_t*>(activation_row);
  constexpr __mmask32 kAll = 0xFFFFFFFFu;
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_dpbf16_ps(acc0, load_bf16x32(w + i, kAll), load_bf16x32(a + i, kAll));
    acc1 = _mm512_dpbf16_ps(acc1, load_bf16x32(w + i + 32, kAll), load_bf16x32(a + i + 32, kAll));
  }
  for (; i + 32 <= n; i += 32) acc0 = _mm512_dpbf16_ps(acc0, load_bf16x32(w + i, kAll), load_bf16x32(a + i, kAll));
  if (i < n) {
    const auto mask = static_cast<__mmask32>((1u << (n - i)) - 1);
    acc1 = _mm512_dpbf16_ps(acc1, load_bf16x32(w + i, mask), load_bf16x32(a + i, mask));
  }
  return horizontal_sum(_mm512_add_ps(acc0, acc1));
}

// Register tile of dot_sixteen_lanes: kBlockRows weight rows x kTileTokens
// tokens, one accumulator per pair (24 of the 32 registers), so each weight
// vector is converted once for 4 tokens and each activation vector loaded once
// for 6 rows. Every pair gets dot_sixteen_lanes's FMAs in its order and the
// same lane sum: the same bits as the single-token kernel.
template <size_t kWBytes, __m512 (*kLoadW)(const void*, __mmask16), size_t kABytes,
          __m512 (*kLoadA)(const void*, __mmask16)>
void dot_block_sixteen_lanes(int64_t n, const void* weight_rows, uint64_t row_bytes, const void* activations,
                             uint64_t stride, float* out) {
  const uint8_t* w[kBlockRows];
  const uint8_t* a[kTileTokens];
#pragma GCC unroll 6
  for (int r = 0; r < kBlockRows; ++r) w[r] = static_cast<const uint8_t*>(weight_rows) + r * row_bytes;
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) a[k] = static_cast<const uint8_t*>(activations) + k * stride;
  __m512 acc[kBlockRows][kTileTokens];
#pragma GCC unroll 6
  for (auto& row : acc)
#pragma GCC unroll 4
    for (__m512& v : row) v = _mm512_setzero_ps();
  auto step = [&](int64_t i, __mmask16 mask) __attribute__((always_inline)) {
    __m512 weights[kBlockRows];
#pragma GCC unroll 6
    for (int r = 0; r < kBlockRows; ++r) weights[r] = kLoadW(w[r] + i * kWBytes, mask);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) {
      const __m512 x = kLoadA(a[k] + i * kABytes, mask);
#pragma GCC unroll 6
      for (int r = 0; r < kBlockRows; ++r) acc[r][k] = _mm512_fmadd_ps(weights[r], x, acc[r][k]);
    }
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) step(i, 0xFFFF);
  if (i < n) step(i, static_cast<__mmask16>((1u << (n - i)) - 1));
#pragma GCC unroll 6
  for (int r = 0; r < kBlockRows; ++r)
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) out[r * kTileTokens + k] = horizontal_sum(acc[r][k]);
}

// horizontal_sum of 16 vectors at once, lane j of the result = horizontal_sum(v[j]):
// the same additions in the same pairs (a[i] + a[i + 8], then t[i] + t[i + 4],
// then (s0 + s2) + (s1 + s3)), done on transposed halves so 16 sums cost 31
// shuffles and 15 adds instead of 16 separate reductions.
inline __m512 horizontal_sums16(const __m512 (&v)[16]) {
  // t: lanes 0-7 = v[2p] lo256 + hi256, lanes 8-15 = the same for v[2p + 1].
  __m512 t[8];
#pragma GCC unroll 8
  for (int p = 0; p < 8; ++p) {
    const __m512 lo = _mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0x44);  // [a.q0 a.q1 b.q0 b.q1]
    const __m512 hi = _mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0xEE);  // [a.q2 a.q3 b.q2 b.q3]
    t[p] = _mm512_add_ps(lo, hi);
  }
  // s: 128-bit lane m = t[i] + t[i + 4] of vector 4p + m.
  __m512 s[4];
#pragma GCC unroll 4
  for (int p = 0; p < 4; ++p) {
    const __m512 lo = _mm512_shuffle_f32x4(t[2 * p], t[2 * p + 1], 0x88);  // quarters 0, 2 of each
    const __m512 hi = _mm512_shuffle_f32x4(t[2 * p], t[2 * p + 1], 0xDD);  // quarters 1, 3 of each
    s[p] = _mm512_add_ps(lo, hi);
  }
  // u: per 128-bit lane m, [u0, u1] of vector 8p + m, then of vector 8p + 4 + m.
  __m512 u[2];
#pragma GCC unroll 2
  for (int p = 0; p < 2; ++p) {
    const __m512 lo = _mm512_shuffle_ps(s[2 * p], s[2 * p + 1], 0x44);  // s0 s1 | s0 s1
    const __m512 hi = _mm512_shuffle_ps(s[2 * p], s[2 * p + 1], 0xEE);  // s2 s3 | s2 s3
    u[p] = _mm512_add_ps(lo, hi);
  }
  // Per 128-bit lane m: the sums of vectors m, 4 + m, 8 + m, 12 + m.
  const __m512 sums = _mm512_add_ps(_mm512_shuffle_ps(u[0], u[1], 0x88), _mm512_shuffle_ps(u[0], u[1], 0xDD));
  return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), sums);
}

}  // namespace

// Many F16 rows against several F16 vectors (row_dot.h): dot_sixteen_lanes's
// FMAs per row and vector in its order, the vectors widened once, 16 rows at
// a time on separate accumulators (enough in flight to hide the FMA latency),
// their lane sums taken together by horizontal_sums16. With several vectors
// (the query heads of one KV head) each block of 16 rows is widened once into
// a tile that every vector's FMAs read from L1.
void f16_dots_avx512(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* xs, int64_t heads,
                     int64_t n, float* out, int64_t out_stride) {
  constexpr int64_t kMaxChunks = 16;
  const int64_t chunks = (n + 15) / 16;
  if (chunks > kMaxChunks || chunks == 0) {
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t j = 0; j < n_rows; ++j)
        out[h * out_stride + j] = dot_sixteen_lanes<2, load_f16x16, 2, load_f16x16>(n, rows + j * row_stride, xs + h * n);
    return;
  }
  const auto tail = static_cast<__mmask16>(n % 16 == 0 ? 0xFFFF : (1u << (n % 16)) - 1);
  auto mask_of = [&](int64_t c) { return c + 1 < chunks ? static_cast<__mmask16>(0xFFFF) : tail; };
  constexpr int64_t kHeadsAtOnce = 8;  // widened vectors kept on the stack
  __m512 x[kHeadsAtOnce][kMaxChunks];
  __m512 tile[16][kMaxChunks];  // a block of 16 rows, widened (several heads only)
  for (int64_t h0 = 0; h0 < heads; h0 += kHeadsAtOnce) {
    const int64_t hn = std::min(kHeadsAtOnce, heads - h0);
    for (int64_t h = 0; h < hn; ++h)
      for (int64_t c = 0; c < chunks; ++c) x[h][c] = load_f16x16(xs + (h0 + h) * n + 16 * c, mask_of(c));
    int64_t j = 0;
    for (; j + 16 <= n_rows; j += 16) {
      const uint16_t* r = rows + j * row_stride;
      __m512 acc[16];
      if (hn == 1) {
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) acc[k] = _mm512_setzero_ps();
        for (int64_t c = 0; c < chunks; ++c) {
#pragma GCC unroll 16
          for (int k = 0; k < 16; ++k)
            acc[k] = _mm512_fmadd_ps(load_f16x16(r + k * row_stride + 16 * c, mask_of(c)), x[0][c], acc[k]);
        }
        _mm512_storeu_ps(out + h0 * out_stride + j, horizontal_sums16(acc));
        continue;
      }
      for (int64_t c = 0; c < chunks; ++c)
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) tile[k][c] = load_f16x16(r + k * row_stride + 16 * c, mask_of(c));
      for (int64_t h = 0; h < hn; ++h) {
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) acc[k] = _mm512_setzero_ps();
        for (int64_t c = 0; c < chunks; ++c) {
#pragma GCC unroll 16
          for (int k = 0; k < 16; ++k) acc[k] = _mm512_fmadd_ps(tile[k][c], x[h][c], acc[k]);
        }
        _mm512_storeu_ps(out + (h0 + h) * out_stride + j, horizontal_sums16(acc));
      }
    }
    for (; j < n_rows; ++j) {
      const uint16_t* r = rows + j * row_stride;
      for (int64_t h = 0; h < hn; ++h) {
        __m512 acc = _mm512_setzero_ps();
        for (int64_t c = 0; c < chunks; ++c) acc = _mm512_fmadd_ps(load_f16x16(r + 16 * c, mask_of(c)), x[h][c], acc);
        out[(h0 + h) * out_stride + j] = horizontal_sum(acc);
      }
    }
  }
}

namespace {

// ---- F16 weights against activations widened once to F32: the F16-rounded
// activation row (GGML's vec_dot_type) is converted back to F32 per token,
// exactly, so the row loop converts only the weights (one VCVTPH2PS per 16
// weights instead of two) with the same sums as the F16·F16 kernel.

uint64_t f16_packed_bytes(int64_t n) { return static_cast<uint64_t>(n) * sizeof(float); }

void f16_pack(int64_t n, const void* f16_row, void* packed) {
  const auto* src = static_cast<const uint16_t*>(f16_row);
  auto* dst = static_cast<float*>(packed);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, load_f16x16(src + i, 0xFFFF));
  if (i < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, mask, load_f16x16(src + i, mask));
  }
}

constexpr PackedKernel kF16Packed = {f16_packed_bytes, f16_pack,
                                     dot_sixteen_lanes<2, load_f16x16, 4, load_f32x16, true>,
                                     dot_tokens_sixteen_lanes<2, load_f16x16, 4, load_f32x16>,
                                     dot_block_sixteen_lanes<2, load_f16x16, 4, load_f32x16>};

constexpr TypeEntry<RowKernels> kKernels[] = {
    {GgmlType::Q4_0, {dot_x_q8_0<BlockQ4_0, Q4_0Weights>, dot_tokens_x_q8_0<BlockQ4_0, Q4_0Weights>}},
    {GgmlType::Q8_0, {dot_x_q8_0<BlockQ8_0, Q8_0Weights>, dot_tokens_x_q8_0<BlockQ8_0, Q8_0Weights>}},
    {GgmlType::F16, {dot_sixteen_lanes<2, load_f16x16, 2, load_f16x16>, dot_tokens_sixteen_lanes<2, load_f16x16, 2, load_f16x16>}},
    {GgmlType::F32, {dot_sixteen_lanes<4, load_f32x16, 4, load_f32x16>, dot_tokens_sixteen_lanes<4, load_f32x16, 4, load_f32x16>}},
    {GgmlType::BF16, {dot_bf16, nullptr}},
};

}  // namespace

const PackedKernel* avx512_packed_f16_kernel(GgmlType type) { return type == GgmlType::F16 ? &kF16Packed : nullptr; }

RowDotFn avx512_row_dot(GgmlType type) {
  const RowKernels* kernels = find_type_entry(kKernels, type);
  return kernels != nullptr ? kernels->dot : nullptr;
}

RowDotTokensFn avx512_row_dot_tokens(GgmlType type) {
  const RowKernels* kernels = find_type_entry(kKernels, type);
  return kernels != nullptr ? kernels->dot_tokens : nullptr;
}

}  // namespace pg::kernels::detail
