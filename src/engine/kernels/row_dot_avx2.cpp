// AVX2 (+FMA, F16C, optionally AVX-VNNI) row dot products: Q4_0·Q8_0, Q8_0·Q8_0,
// Q4_K·Q8_K, Q5_K·Q8_K, Q6_K·Q8_K, F16·F16, BF16·BF16 and F32·F32, plus
// token-tile twins (one weight row, kTileTokens activation rows) for Q4_0, Q8_0
// and the plain types that repeat the single-token arithmetic exactly. Integer block sums are exact, as in
// the reference; only the float accumulation order differs from it.
// Built with AVX2 flags: nothing here may run before CPUID says AVX2 is present,
// and AVX-VNNI instructions run only in the kernels selected with avx_vnni.
#include <algorithm>

#include "engine/kernels/int8_dot_avx2.h"
#include "engine/kernels/row_dot.h"
#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/tensor/type_table.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockQ4_0;
using quant::BlockQ4_K;
using quant::BlockQ5_K;
using quant::BlockQ6_K;
using quant::BlockQ8_0;
using quant::BlockQ8_K;

// The 32 values of a Q4_0 block as signed bytes in [-8, 7], in element order.
inline __m256i unpack_q4_0(const BlockQ4_0& block) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block.qs));
  const __m256i nibbles = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed),
                                           _mm256_set1_epi8(0x0F));
  return _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8));
}


inline __m256i unpack_q8_0(const BlockQ8_0& block) { return load256(block.qs); }

// Activation row k of a token tile.
template <typename Block>
inline const Block* tile_row(const void* activations, uint64_t stride, int k) {
  return reinterpret_cast<const Block*>(static_cast<const uint8_t*>(activations) + k * stride);
}

// Q4_0 and Q8_0 weights against Q8_0 activations for kTokens tokens: kUnpack
// gives a weight block's 32 signed values, unpacked once for all the tokens;
// two accumulators per token take alternate blocks. The single-token kernel is
// this one with kTokens = 1, so a tile's outputs equal it by construction.
template <bool kVnni>
inline __m256 tile_block(__m256i weights_abs, __m256i weights, float weight_scale, const BlockQ8_0& y, __m256 acc) {
  const __m256i sums = dot_unsigned_signed<kVnni>(weights_abs, _mm256_sign_epi8(load256(y.qs), weights));
  const __m256 scale = _mm256_set1_ps(weight_scale * half_to_float(y.d));
  return _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(sums), acc);
}

template <bool kVnni, typename WeightBlock, __m256i (*kUnpack)(const WeightBlock&), int kTokens = kTileTokens>
void dot_tokens_x_q8_0(int64_t n, const void* weight_row, const void* activations, uint64_t stride, float* out) {
  const auto* x = static_cast<const WeightBlock*>(weight_row);
  const BlockQ8_0* y[kTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) y[k] = tile_row<BlockQ8_0>(activations, stride, k);
  const int64_t blocks = n / 32;
  __m256 acc0[kTokens], acc1[kTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) acc0[k] = acc1[k] = _mm256_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    const __m256i w0 = kUnpack(x[b]), w1 = kUnpack(x[b + 1]);
    const __m256i abs0 = _mm256_sign_epi8(w0, w0), abs1 = _mm256_sign_epi8(w1, w1);
    const float d0 = half_to_float(x[b].d), d1 = half_to_float(x[b + 1].d);
#pragma GCC unroll 4
    for (int k = 0; k < kTokens; ++k) {
      acc0[k] = tile_block<kVnni>(abs0, w0, d0, y[k][b], acc0[k]);
      acc1[k] = tile_block<kVnni>(abs1, w1, d1, y[k][b + 1], acc1[k]);
    }
  }
  if (b < blocks) {
    const __m256i w0 = kUnpack(x[b]);
    const __m256i abs0 = _mm256_sign_epi8(w0, w0);
    const float d0 = half_to_float(x[b].d);
#pragma GCC unroll 4
    for (int k = 0; k < kTokens; ++k) acc0[k] = tile_block<kVnni>(abs0, w0, d0, y[k][b], acc0[k]);
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) out[k] = horizontal_sum(_mm256_add_ps(acc0[k], acc1[k]));
}

template <bool kVnni, typename WeightBlock, __m256i (*kUnpack)(const WeightBlock&)>
float dot_x_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  float out;
  dot_tokens_x_q8_0<kVnni, WeightBlock, kUnpack, 1>(n, weight_row, activation_row, 0, &out);
  return out;
}

// Q4_K / Q5_K: value = d*scale[g]*q - dmin*min[g], 8 groups of 32, q 4 bits
// (plus a 5th from qh for Q5_K). The q*a products are exact int32 block sums
// (maddubs cannot saturate: q <= 31, |a| <= 128); the min part uses Q8_K's
// 16-value sums, as the reference does.

// The 8 scales and 8 mins of a Q4_K/Q5_K super-block (12 packed bytes, 6 bits
// each) as 16 int16: scales in elements 0..7, mins in 8..15. The same values
// as scales_and_mins, unpacked on 32-bit words.
inline __m256i scales_and_mins16(const uint8_t* packed) {
  uint32_t w[3];
  std::memcpy(w, packed, 12);
  constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  const uint32_t scales0 = w[0] & kLow6;                                       // scales 0..3
  const uint32_t mins0 = w[1] & kLow6;                                         // mins 0..3
  const uint32_t scales1 = (w[2] & kLow4) | (((w[0] >> 6) & kTop2) << 4);      // scales 4..7
  const uint32_t mins1 = ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kTop2) << 4);  // mins 4..7
  return _mm256_cvtepu8_epi16(_mm_setr_epi32(static_cast<int>(scales0), static_cast<int>(scales1),
                                             static_cast<int>(mins0), static_cast<int>(mins1)));
}

// kTokens activation rows at once (the token tile, or 1): each super-block's
// codes are unpacked once and every token repeats the single-token steps.
template <typename Block, bool kHasHighBit, int kTokens>
void dot_tokens_qx_k_q8_k(int64_t n, const void* weight_row, const void* activations, uint64_t stride, float* out) {
  const auto* x = static_cast<const Block*>(weight_row);
  const BlockQ8_K* y[kTokens];
  for (int k = 0; k < kTokens; ++k) y[k] = tile_row<BlockQ8_K>(activations, stride, k);
  const int64_t blocks = n / quant::kQK_K;
  const __m256i low4 = _mm256_set1_epi8(0x0F), sixteen = _mm256_set1_epi8(16);
  __m256 acc[kTokens];
  float min_part[kTokens];
  for (int k = 0; k < kTokens; ++k) {
    acc[k] = _mm256_setzero_ps();
    min_part[k] = 0;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    if constexpr (kTokens == 1) prefetch_weights_ahead(x + b, sizeof(Block));
    const __m256i scales_mins = scales_and_mins16(x[b].scales);
    // Each scale as a pair of int16 in every lane: scale g at bytes 2g, 2g + 1.
    const __m256i scales = _mm256_permute2x128_si256(scales_mins, scales_mins, 0x00);
    // Each min twice (its two 16-value sums), for one madd with Q8_K's bsums.
    const __m256i mins = _mm256_permute2x128_si256(scales_mins, scales_mins, 0x11);
    const __m256i mins_twice = _mm256_unpacklo_epi16(_mm256_permute4x64_epi64(mins, 0x10), _mm256_permute4x64_epi64(mins, 0x10));
    __m256i high = _mm256_setzero_si256();
    if constexpr (kHasHighBit) high = load256(x[b].qh);
    __m256i block_sum[kTokens];
    for (int k = 0; k < kTokens; ++k) block_sum[k] = _mm256_setzero_si256();
    for (int pair = 0; pair < 4; ++pair) {
      const __m256i packed = load256(x[b].qs + 32 * pair);
      __m256i low = _mm256_and_si256(packed, low4);
      __m256i upper = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low4);
      if constexpr (kHasHighBit) {
        const __m256i bit_low = _mm256_set1_epi8(static_cast<char>(1u << (2 * pair)));
        const __m256i bit_high = _mm256_set1_epi8(static_cast<char>(2u << (2 * pair)));
        low = _mm256_or_si256(low, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(high, bit_low), bit_low), sixteen));
        upper = _mm256_or_si256(upper,
                                _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(high, bit_high), bit_high), sixteen));
      }
      const char lo_byte = static_cast<char>(4 * pair), up_byte = static_cast<char>(4 * pair + 2);
      const __m256i scale_low = _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<short>((lo_byte + 1) << 8 | lo_byte)));
      const __m256i scale_upper = _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<short>((up_byte + 1) << 8 | up_byte)));
#pragma GCC unroll 4
      for (int k = 0; k < kTokens; ++k) {
        const int8_t* q8 = y[k][b].qs;
        const __m256i products_low = _mm256_maddubs_epi16(low, load256(q8 + 64 * pair));
        const __m256i products_upper = _mm256_maddubs_epi16(upper, load256(q8 + 64 * pair + 32));
        block_sum[k] = _mm256_add_epi32(block_sum[k], _mm256_madd_epi16(products_low, scale_low));
        block_sum[k] = _mm256_add_epi32(block_sum[k], _mm256_madd_epi16(products_upper, scale_upper));
      }
    }
    for (int k = 0; k < kTokens; ++k) {
      // sum over the 16 bsums of bsum[g] * min[g / 2], exact in int32.
      const __m256i weighted = _mm256_madd_epi16(load256(y[k][b].bsums), mins_twice);
      __m128i sum4 = _mm_add_epi32(_mm256_castsi256_si128(weighted), _mm256_extracti128_si256(weighted, 1));
      sum4 = _mm_add_epi32(sum4, _mm_unpackhi_epi64(sum4, sum4));
      const int32_t sum_mins = _mm_cvtsi128_si32(_mm_add_epi32(sum4, _mm_shuffle_epi32(sum4, 1)));
      const __m256 d = _mm256_set1_ps(half_to_float(x[b].d) * y[k][b].d);
      acc[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(block_sum[k]), acc[k]);
      min_part[k] += half_to_float(x[b].dmin) * y[k][b].d * static_cast<float>(sum_mins);
    }
  }
  for (int k = 0; k < kTokens; ++k) out[k] = horizontal_sum(acc[k]) - min_part[k];
}

template <typename Block, bool kHasHighBit>
float dot_qx_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  float out;
  dot_tokens_qx_k_q8_k<Block, kHasHighBit, 1>(n, weight_row, activation_row, 0, &out);
  return out;
}

// Q6_K: value = scale[group] * (q - 32), q the 6-bit code; 16 groups of 16.
// (q - 32) * a is formed as q*a - 32*a with maddubs (no saturation: q <= 63,
// |a| <= 128), then each 16-value group is weighted by its scale with madd.
template <int kTokens>
void dot_tokens_q6_k_q8_k(int64_t n, const void* weight_row, const void* activations, uint64_t stride, float* out) {
  const auto* x = static_cast<const BlockQ6_K*>(weight_row);
  const BlockQ8_K* y[kTokens];
  for (int k = 0; k < kTokens; ++k) y[k] = tile_row<BlockQ8_K>(activations, stride, k);
  const int64_t blocks = n / quant::kQK_K;
  const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3), offset = _mm256_set1_epi8(32);
  __m256 acc[kTokens];
  for (int k = 0; k < kTokens; ++k) acc[k] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* ql = x[b].ql;
    const uint8_t* qh = x[b].qh;
    const int8_t* scales = x[b].scales;
    __m256i block_sum[kTokens];
    for (int k = 0; k < kTokens; ++k) block_sum[k] = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      // This half's 8 group scales as int16 in both 128-bit lanes.
      const __m256i scales16 = _mm256_broadcastsi128_si256(
          _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(scales))));
      const __m256i ql0 = load256(ql), ql1 = load256(ql + 32), high = load256(qh);
      __m256i codes[4];
      codes[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(high, low2), 4));
      codes[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                 _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2), low2), 4));
      codes[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                 _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 4), low2), 4));
      codes[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                 _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 6), low2), 4));
      for (int c = 0; c < 4; ++c) {
        // Scale 2c in every int16 of the low lane, 2c + 1 in the high lane.
        const char lo = static_cast<char>(4 * c), hi = static_cast<char>(4 * c + 2);
        const __m256i group_scales = _mm256_shuffle_epi8(
            scales16, _mm256_setr_epi8(lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1,
                                       lo, lo + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1,
                                       hi, hi + 1, hi, hi + 1));
#pragma GCC unroll 4
        for (int k = 0; k < kTokens; ++k) {
          const __m256i a = load256(y[k][b].qs + 128 * half + 32 * c);
          const __m256i pairs = _mm256_sub_epi16(_mm256_maddubs_epi16(codes[c], a), _mm256_maddubs_epi16(offset, a));
          block_sum[k] = _mm256_add_epi32(block_sum[k], _mm256_madd_epi16(pairs, group_scales));
        }
      }
      ql += 64;
      qh += 32;
      scales += 8;
    }
    for (int k = 0; k < kTokens; ++k) {
      const __m256 d = _mm256_set1_ps(half_to_float(x[b].d) * y[k][b].d);
      acc[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(block_sum[k]), acc[k]);
    }
  }
  for (int k = 0; k < kTokens; ++k) out[k] = horizontal_sum(acc[k]);
}

float dot_q6_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  float out;
  dot_tokens_q6_k_q8_k<1>(n, weight_row, activation_row, 0, &out);
  return out;
}

inline __m256 load_f16x8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

inline __m256 load_bf16x8(const uint16_t* p) {
  const __m256i widened = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(widened, 16));
}

inline __m256 load_f32x8(const float* p) { return _mm256_loadu_ps(p); }

// Plain element types: 4 independent accumulators of 8 lanes, then 8 at a time,
// then the last n % 8 elements in scalar code.
template <typename Element, __m256 (*kLoad)(const Element*), float (*kToFloat)(Element)>
float dot_plain(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* w = static_cast<const Element*>(weight_row);
  const auto* a = static_cast<const Element*>(activation_row);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) acc[k] = _mm256_fmadd_ps(kLoad(w + i + 8 * k), kLoad(a + i + 8 * k), acc[k]);
  }
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(kLoad(w + i), kLoad(a + i), acc[0]);
  float sum = horizontal_sum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += kToFloat(w[i]) * kToFloat(a[i]);
  return sum;
}

float identity(float f) { return f; }

// Token tile of dot_plain: the weight vector is loaded once per step for all
// tokens; each token's accumulators see dot_plain's operations in its order.
template <typename Element, __m256 (*kLoad)(const Element*), float (*kToFloat)(Element)>
void dot_tokens_plain(int64_t n, const void* weight_row, const void* activations, uint64_t stride, float* out) {
  const auto* w = static_cast<const Element*>(weight_row);
  const Element* a[kTileTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) a[k] = tile_row<Element>(activations, stride, k);
  __m256 acc[kTileTokens][4];
  for (auto& token_acc : acc) {
    for (__m256& v : token_acc) v = _mm256_setzero_ps();
  }
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m256 weights = kLoad(w + i + 8 * j);
#pragma GCC unroll 4
      for (int k = 0; k < kTileTokens; ++k) acc[k][j] = _mm256_fmadd_ps(weights, kLoad(a[k] + i + 8 * j), acc[k][j]);
    }
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 weights = kLoad(w + i);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) acc[k][0] = _mm256_fmadd_ps(weights, kLoad(a[k] + i), acc[k][0]);
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) {
    float sum = horizontal_sum(_mm256_add_ps(_mm256_add_ps(acc[k][0], acc[k][1]), _mm256_add_ps(acc[k][2], acc[k][3])));
    for (int64_t tail = i; tail < n; ++tail) sum += kToFloat(w[tail]) * kToFloat(a[k][tail]);
    out[k] = sum;
  }
}

// r[k] = horizontal_sum(v[k]) for 8 vectors at once, in horizontal_sum's
// order for every lane: s = low half + high half, then (s0 + s2) + (s1 + s3).
inline __m256 horizontal_sums8(const __m256 v[8]) {
  __m256 s[4];  // s[k] = [s of v[k] | s of v[k + 4]]
  for (int k = 0; k < 4; ++k) {
    s[k] = _mm256_add_ps(_mm256_permute2f128_ps(v[k], v[k + 4], 0x20), _mm256_permute2f128_ps(v[k], v[k + 4], 0x31));
  }
  auto pair_sums = [](__m256 x, __m256 y) {  // [x0 + x2, x1 + x3, y0 + y2, y1 + y3] per half
    const __m256d xd = _mm256_castps_pd(x), yd = _mm256_castps_pd(y);
    return _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(xd, yd)), _mm256_castpd_ps(_mm256_unpackhi_pd(xd, yd)));
  };
  const __m256 t01 = pair_sums(s[0], s[1]), t23 = pair_sums(s[2], s[3]);
  return _mm256_add_ps(_mm256_shuffle_ps(t01, t23, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm256_shuffle_ps(t01, t23, _MM_SHUFFLE(3, 1, 3, 1)));
}

// dot_plain's accumulators for widened rows whose length is a multiple of 8
// (no scalar tail), before the horizontal sum.
inline __m256 plain_lanes(int64_t n, const float* w, const float* a) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int k = 0; k < 4; ++k) acc[k] = _mm256_fmadd_ps(_mm256_load_ps(w + i + 8 * k), _mm256_load_ps(a + i + 8 * k), acc[k]);
  }
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(_mm256_load_ps(w + i), _mm256_load_ps(a + i), acc[0]);
  return _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
}

}  // namespace

// Many F16 rows against several F16 vectors (row_dot.h): each vector and each
// row widened to F32 once (exactly), then dot_plain's steps on the widened
// values, so every result has dot_plain<F16>'s bits while a row is converted
// once for all the vectors (the query heads of one KV head). Rows go 8 at a
// time where the length is a multiple of 8: their 8 horizontal sums are done
// together (horizontal_sums8, the same additions in the same order).
void f16_dots_avx2(const uint16_t* rows, int64_t row_stride, int64_t n_rows, const uint16_t* xs, int64_t heads,
                   int64_t n, float* out, int64_t out_stride) {
  constexpr int64_t kMaxN = 256, kHeadsAtOnce = 8, kRowsAtOnce = 8;
  if (n > kMaxN) {
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t j = 0; j < n_rows; ++j)
        out[h * out_stride + j] = dot_plain<uint16_t, load_f16x8, fp16_to_fp32>(n, rows + j * row_stride, xs + h * n);
    return;
  }
  alignas(32) float x[kHeadsAtOnce][kMaxN];
  alignas(32) float row[kRowsAtOnce][kMaxN];
  auto widen = [n](const uint16_t* from, float* to) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_store_ps(to + i, load_f16x8(from + i));
    for (; i < n; ++i) to[i] = fp16_to_fp32(from[i]);
  };
  const bool whole_vectors = n % 8 == 0;
  for (int64_t h0 = 0; h0 < heads; h0 += kHeadsAtOnce) {
    const int64_t hn = std::min(kHeadsAtOnce, heads - h0);
    for (int64_t h = 0; h < hn; ++h) widen(xs + (h0 + h) * n, x[h]);
    int64_t j = 0;
    if (whole_vectors) {
      for (; j + kRowsAtOnce <= n_rows; j += kRowsAtOnce) {
        for (int64_t k = 0; k < kRowsAtOnce; ++k) widen(rows + (j + k) * row_stride, row[k]);
        for (int64_t h = 0; h < hn; ++h) {
          __m256 lanes[kRowsAtOnce];
          for (int64_t k = 0; k < kRowsAtOnce; ++k) lanes[k] = plain_lanes(n, row[k], x[h]);
          _mm256_storeu_ps(out + (h0 + h) * out_stride + j, horizontal_sums8(lanes));
        }
      }
    }
    for (; j < n_rows; ++j) {
      widen(rows + j * row_stride, row[0]);
      for (int64_t h = 0; h < hn; ++h)
        out[(h0 + h) * out_stride + j] = dot_plain<float, load_f32x8, identity>(n, row[0], x[h]);
    }
  }
}

namespace {

// The kernels of each weight type; dot_tokens is null where a type has no tile.
template <bool kVnni>
constexpr TypeEntry<RowKernels> kKernels[] = {
    {GgmlType::Q4_0, {dot_x_q8_0<kVnni, BlockQ4_0, unpack_q4_0>, dot_tokens_x_q8_0<kVnni, BlockQ4_0, unpack_q4_0>}},
    {GgmlType::Q8_0, {dot_x_q8_0<kVnni, BlockQ8_0, unpack_q8_0>, dot_tokens_x_q8_0<kVnni, BlockQ8_0, unpack_q8_0>}},
    {GgmlType::Q4_K, {dot_qx_k_q8_k<BlockQ4_K, false>, dot_tokens_qx_k_q8_k<BlockQ4_K, false, kTileTokens>}},
    {GgmlType::Q5_K, {dot_qx_k_q8_k<BlockQ5_K, true>, dot_tokens_qx_k_q8_k<BlockQ5_K, true, kTileTokens>}},
    {GgmlType::Q6_K, {dot_q6_k_q8_k, dot_tokens_q6_k_q8_k<kTileTokens>}},
    {GgmlType::F16, {dot_plain<uint16_t, load_f16x8, fp16_to_fp32>, dot_tokens_plain<uint16_t, load_f16x8, fp16_to_fp32>}},
    {GgmlType::BF16, {dot_plain<uint16_t, load_bf16x8, bf16_to_fp32>, dot_tokens_plain<uint16_t, load_bf16x8, bf16_to_fp32>}},
    {GgmlType::F32, {dot_plain<float, load_f32x8, identity>, dot_tokens_plain<float, load_f32x8, identity>}},
};

const RowKernels* kernels_for(GgmlType type, bool avx_vnni) {
  return avx_vnni ? find_type_entry(kKernels<true>, type) : find_type_entry(kKernels<false>, type);
}

}  // namespace

RowDotFn avx2_row_dot(GgmlType type, bool avx_vnni) {
  const RowKernels* kernels = kernels_for(type, avx_vnni);
  return kernels != nullptr ? kernels->dot : nullptr;
}

RowDotTokensFn avx2_row_dot_tokens(GgmlType type, bool avx_vnni) {
  const RowKernels* kernels = kernels_for(type, avx_vnni);
  return kernels != nullptr ? kernels->dot_tokens : nullptr;
}

}  // namespace pg::kernels::detail
