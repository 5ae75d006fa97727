// AVX2 (+FMA, F16C, optionally AVX-VNNI) row dot products of the less common
// weight types: Q4_1·Q8_1, Q5_0·Q8_0, Q5_1·Q8_1, IQ4_NL·Q8_0, MXFP4·Q8_0 (one
// scale per 32 values) and Q2_K·Q8_K, Q3_K·Q8_K, IQ4_XS·Q8_K (group scales inside a
// 256-value super-block). Integer block sums are exact, as in the reference;
// only the float accumulation order differs from it. With AVX-VNNI the
// one-scale types use VPDPBUSD and the group-scaled ones VPDPWSSD (the group
// scale multiply-add); without it, maddubs + madd give the same integers.
// Built with AVX2 flags: nothing here may run before CPUID says AVX2 is present,
// and AVX-VNNI instructions run only in the kernels selected with avx_vnni.
// Every maddubs below has |u*a + u*a| < 2^15 (bounds next to each use), so it
// never saturates; activations come from the Q8 quantizers, which never emit -128.
#include <cstring>

#include "engine/kernels/int8_dot_avx2.h"
#include "engine/kernels/row_dot_more.h"
#include "engine/quant/blocks.h"
#include "engine/quant/mxfp4_format.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockIQ4_NL;
using quant::BlockIQ4_XS;
using quant::BlockMXFP4;
using quant::BlockQ2_K;
using quant::BlockQ3_K;
using quant::BlockQ4_1;
using quant::BlockQ5_0;
using quant::BlockQ5_1;
using quant::BlockQ8_0;
using quant::BlockQ8_1;
using quant::BlockQ8_K;

// acc + the int16 pairs of `pairs` times `scales`, summed two by two into int32.
// The same exact sums either way; VNNI fuses the multiply and the add.
template <bool kVnni>
inline __m256i add_scaled_pairs(__m256i acc, __m256i pairs, __m256i scales) {
  if constexpr (kVnni) {
    return _mm256_dpwssd_avx_epi32(acc, pairs, scales);
  } else {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scales));
  }
}

// The 32 nibbles of a 16-byte block as bytes in element order: low nibbles are
// elements 0..15, high nibbles 16..31 (the layout of every 32-value block here).
inline __m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i packed = load128(qs);
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
}

// Byte j = 0xFF where bit j of `bits` is set, else 0 (the 5th bits of Q5 blocks).
inline __m256i bits_to_byte_mask(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

// ---- one scale per 32 values

// Q4_1: value = d*q + m, q in 0..15. sum = dx*dy*sum(q*a) + m*s, s = dy*sum(a).
// maddubs bound: 2 * 15 * 128.
struct Q4_1Weights {
  using Block = BlockQ4_1;
  static __m256i codes(const Block& block) { return unpack_nibbles(block.qs); }
};

// Q5_1: value = d*q + m, q in 0..31 (5th bit in qh). maddubs bound: 2 * 31 * 128.
struct Q5_1Weights {
  using Block = BlockQ5_1;
  static __m256i codes(const Block& block) {
    const __m256i high = _mm256_and_si256(bits_to_byte_mask(block.qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(unpack_nibbles(block.qs), high);
  }
};

// The two fp16 values at the start of a block (d and m, or d and s) as floats
// in lanes 0 and 1: one conversion for both.
inline __m128 leading_halves(const void* block) {
  int32_t bits;
  std::memcpy(&bits, block, sizeof bits);
  return _mm_cvtph_ps(_mm_cvtsi32_si128(bits));
}

// Lane 0 of `scales` collects nothing useful; lane 1 collects m * s.
template <bool kVnni, typename Weights>
inline __m256 unsigned_block_with_min(const typename Weights::Block& x, const BlockQ8_1& y, __m256 acc,
                                      __m128& min_part) {
  const __m256i sums = dot_unsigned_signed<kVnni>(Weights::codes(x), load256(y.qs));
  const __m128 scales = _mm_mul_ps(leading_halves(&x), leading_halves(&y));  // dx*dy, m*s
  min_part = _mm_add_ps(min_part, scales);
  return _mm256_fmadd_ps(_mm256_broadcastss_ps(scales), _mm256_cvtepi32_ps(sums), acc);
}

template <bool kVnni, typename Weights>
float dot_unsigned_q8_1(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const typename Weights::Block*>(weight_row);
  const auto* y = static_cast<const BlockQ8_1*>(activation_row);
  const int64_t blocks = n / 32;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m128 min_part0 = _mm_setzero_ps(), min_part1 = _mm_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    acc0 = unsigned_block_with_min<kVnni, Weights>(x[b], y[b], acc0, min_part0);
    acc1 = unsigned_block_with_min<kVnni, Weights>(x[b + 1], y[b + 1], acc1, min_part1);
  }
  if (b < blocks) acc0 = unsigned_block_with_min<kVnni, Weights>(x[b], y[b], acc0, min_part0);
  const __m128 min_part = _mm_add_ps(min_part0, min_part1);
  return horizontal_sum(_mm256_add_ps(acc0, acc1)) + _mm_cvtss_f32(_mm_movehdup_ps(min_part));
}

// Q5_0: value = d*(q - 16). A clear 5th bit makes the byte nibble | 0xF0,
// which as int8 is nibble - 16; a set one leaves nibble = q - 16. |value| <= 16.
struct Q5_0Weights {
  using Block = BlockQ5_0;
  static float scale(const Block& block) { return half_to_float(block.d); }
  static __m256i values(const Block& block) {
    const __m256i low_half = _mm256_andnot_si256(bits_to_byte_mask(block.qh), _mm256_set1_epi8(static_cast<char>(0xF0)));
    return _mm256_or_si256(unpack_nibbles(block.qs), low_half);
  }
};

// GGML's kvalues_iq4nl, twice (one copy per 128-bit lane for vpshufb).
alignas(32) constexpr int8_t kIq4Table[32] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
                                              -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

inline __m256i iq4_values(const uint8_t* qs) {
  return _mm256_shuffle_epi8(load256(kIq4Table), unpack_nibbles(qs));
}

// IQ4_NL: value = d * table[q]. |value| <= 127.
struct IQ4_NLWeights {
  using Block = BlockIQ4_NL;
  static float scale(const Block& block) { return half_to_float(block.d); }
  static __m256i values(const Block& block) { return iq4_values(block.qs); }
};

// MXFP4: value = 2^(e - 128) * table[q] (the E8M0 half scale). |value| <= 12.
// The scale is a power of two, so dx * dy is the reference's product exactly.
struct MXFP4Weights {
  using Block = BlockMXFP4;
  static float scale(const Block& block) { return quant::e8m0_to_fp32_half(block.e); }
  static __m256i values(const Block& block) {
    // GGML's kvalues_mxfp4 in each 128-bit lane, for vpshufb.
    const __m256i table = _mm256_broadcastsi128_si256(load128(quant::kMxfp4Values));
    return _mm256_shuffle_epi8(table, unpack_nibbles(block.qs));
  }
};

template <bool kVnni, typename Weights>
inline __m256 signed_block(const typename Weights::Block& x, const BlockQ8_0& y, __m256 acc) {
  const __m256i sums = dot_signed_signed<kVnni>(Weights::values(x), load256(y.qs));
  const __m256 scale = _mm256_set1_ps(Weights::scale(x) * half_to_float(y.d));
  return _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(sums), acc);
}

template <bool kVnni, typename Weights>
float dot_signed_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const typename Weights::Block*>(weight_row);
  const auto* y = static_cast<const BlockQ8_0*>(activation_row);
  const int64_t blocks = n / 32;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    acc0 = signed_block<kVnni, Weights>(x[b], y[b], acc0);
    acc1 = signed_block<kVnni, Weights>(x[b + 1], y[b + 1], acc1);
  }
  if (b < blocks) acc0 = signed_block<kVnni, Weights>(x[b], y[b], acc0);
  return horizontal_sum(_mm256_add_ps(acc0, acc1));
}

// ---- super-blocks of 256 with group scales

// `scales` holds 8 int16 group scales (one 128-bit half of a block's 16) in both
// lanes; returns group 2k's scale in every int16 of the low lane and group
// 2k+1's in the high lane, matching a 32-byte run of two 16-value groups.
inline __m256i pair_scales(__m256i scales, int k) {
  const auto low = static_cast<short>(((4 * k + 1) << 8) | (4 * k));
  const auto high = static_cast<short>(((4 * k + 3) << 8) | (4 * k + 2));
  return _mm256_shuffle_epi8(scales, _mm256_set_m128i(_mm_set1_epi16(high), _mm_set1_epi16(low)));
}

inline __m256i lane_copy(__m256i v, int lane) {
  return lane == 0 ? _mm256_permute2x128_si256(v, v, 0x00) : _mm256_permute2x128_si256(v, v, 0x11);
}

// The group-weighted sum of the 256 2-bit codes of a Q2_K/Q3_K super-block
// (qs) with its activations (q8): codes_of(low, half, k) turns the 2 low bits
// of step k of half `half` into the code (Q3_K adds its high bit). `scales`
// holds the 16 group scales as int16.
template <bool kVnni, typename CodesOf>
inline __m256i two_bit_block_sum(const uint8_t* qs, const int8_t* q8, __m256i scales, CodesOf codes_of) {
  const __m256i low2 = _mm256_set1_epi8(3);
  __m256i block_sum = _mm256_setzero_si256();
#pragma GCC unroll 2
  for (int half = 0; half < 2; ++half) {
    const __m256i packed = load256(qs + 32 * half);
    const __m256i half_scales = lane_copy(scales, half);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const __m256i codes = codes_of(_mm256_and_si256(_mm256_srli_epi16(packed, 2 * k), low2), half, k);
      const __m256i pairs = _mm256_maddubs_epi16(codes, load256(q8 + 32 * k));
      block_sum = add_scaled_pairs<kVnni>(block_sum, pairs, pair_scales(half_scales, k));
    }
    q8 += 128;
  }
  return block_sum;
}

// Q2_K: value = d*(sc & 15)*q - dmin*(sc >> 4), q in 0..3, 16 groups of 16.
// The q*a sums are weighted per group; the min part uses Q8_K's group sums, as
// the reference does. maddubs bound: 2 * 3 * 128.
template <bool kVnni>
float dot_q2_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ2_K*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  const int64_t blocks = n / quant::kQK_K;
  __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256i packed_scales = _mm256_cvtepu8_epi16(load128(x[b].scales));
    const __m256i scales = _mm256_and_si256(packed_scales, _mm256_set1_epi16(0x0F));
    const __m256i mins = _mm256_srli_epi16(packed_scales, 4);
    const __m256i min_sums = _mm256_madd_epi16(mins, load256(y[b].bsums));
    const __m256i block_sum =
        two_bit_block_sum<kVnni>(x[b].qs, y[b].qs, scales, [](__m256i low, int, int) { return low; });
    const float dy = y[b].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * half_to_float(x[b].d)), _mm256_cvtepi32_ps(block_sum), acc);
    acc_min = _mm256_fmadd_ps(_mm256_set1_ps(dy * half_to_float(x[b].dmin)), _mm256_cvtepi32_ps(min_sums), acc_min);
  }
  return horizontal_sum(acc) - horizontal_sum(acc_min);
}

// (v >> from) & 1, moved to bit `to` of every byte (from, to in 0..7): 16-bit
// shifts are fine because the kept bit never crosses its byte.
inline __m256i move_bit(__m256i v, int from, int to) {
  const __m256i shifted = from >= to ? _mm256_srli_epi16(v, from - to) : _mm256_slli_epi16(v, to - from);
  return _mm256_and_si256(shifted, _mm256_set1_epi8(static_cast<char>(1 << to)));
}

// The 16 Q3_K group scales (6-bit, offset by 32) as int16 in -32..31: low 4
// bits in bytes 0..7 (scales 0..7 low nibbles, 8..15 high nibbles), high 2
// bits in bytes 8..11 (scale j takes bits 2*(j/4) of byte 8 + j%4).
inline __m256i q3_k_scales(const uint8_t* packed) {
  const __m128i low_bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(packed));
  const __m128i nibble = _mm_set1_epi8(0x0F);
  const __m128i low = _mm_unpacklo_epi64(_mm_and_si128(low_bytes, nibble),
                                         _mm_and_si128(_mm_srli_epi16(low_bytes, 4), nibble));
  uint32_t high_bits;
  std::memcpy(&high_bits, packed + 8, sizeof high_bits);
  const __m128i spread = _mm_srlv_epi32(_mm_set1_epi32(static_cast<int>(high_bits)), _mm_set_epi32(6, 4, 2, 0));
  const __m128i high = _mm_and_si128(_mm_slli_epi32(spread, 4), _mm_set1_epi8(0x30));
  return _mm256_cvtepi8_epi16(_mm_sub_epi8(_mm_or_si128(low, high), _mm_set1_epi8(32)));
}

// Q3_K: value = d*scale*(q - 4*!hbit), q the low 2 bits, 16 groups of 16. The
// code c = q | hbit << 2 (0..7) is value + 4, so each block sums scale*c*a and
// subtracts 4 * sum(scale * group sum of a) (Q8_K's bsums). maddubs bound: 2 * 7 * 128.
template <bool kVnni>
float dot_q3_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ3_K*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  const int64_t blocks = n / quant::kQK_K;
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256i scales = q3_k_scales(x[b].scales);
    const __m256i high_bits = load256(x[b].hmask);
    __m256i block_sum = two_bit_block_sum<kVnni>(x[b].qs, y[b].qs, scales, [&](__m256i low, int half, int k) {
      return _mm256_or_si256(low, move_bit(high_bits, 4 * half + k, 2));
    });
    const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, load256(y[b].bsums)), 2);
    block_sum = _mm256_sub_epi32(block_sum, offset);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[b].d) * y[b].d), _mm256_cvtepi32_ps(block_sum), acc);
  }
  return horizontal_sum(acc);
}

// IQ4_XS: value = d*(ls - 32)*table[q], 8 groups of 32 with 6-bit scales ls
// (low 4 bits in nibbles of scales_l, high 2 in bit pairs of scales_h).
// Returns the 8 group scales ls - 32 as int16, in both 128-bit lanes.
inline __m256i iq4_xs_scales(const BlockIQ4_XS& block) {
  int32_t low_bits;
  std::memcpy(&low_bits, block.scales_l, sizeof low_bits);
  const __m128i bytes = _mm_cvtepu8_epi16(_mm_cvtsi32_si128(low_bits));
  const __m128i low = _mm_unpacklo_epi16(_mm_and_si128(bytes, _mm_set1_epi16(0x0F)), _mm_srli_epi16(bytes, 4));
  // Group g's bit pair moved to bits 14..15 by a multiply with 2^(14 - 2g), then down.
  const __m128i multipliers = _mm_set_epi16(1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14);
  const __m128i high = _mm_srli_epi16(_mm_mullo_epi16(_mm_set1_epi16(static_cast<short>(block.scales_h)), multipliers), 14);
  const __m128i scales = _mm_sub_epi16(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi16(32));
  return _mm256_broadcastsi128_si256(scales);
}

// The int16 scale of group g in every int16 of both lanes.
inline __m256i broadcast_scale(__m256i scales, int g) {
  return _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<short>(((2 * g + 1) << 8) | (2 * g))));
}

// maddubs bound: 2 * 127 * 128 (|table| <= 127).
template <bool kVnni>
float dot_iq4_xs_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockIQ4_XS*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  const int64_t blocks = n / quant::kQK_K;
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256i scales = iq4_xs_scales(x[b]);
    __m256i block_sum = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int g = 0; g < 8; ++g) {
      const __m256i values = iq4_values(x[b].qs + 16 * g);
      const __m256i a = load256(y[b].qs + 32 * g);
      const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(values, values), _mm256_sign_epi8(a, values));
      block_sum = add_scaled_pairs<kVnni>(block_sum, pairs, broadcast_scale(scales, g));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[b].d) * y[b].d), _mm256_cvtepi32_ps(block_sum), acc);
  }
  return horizontal_sum(acc);
}

}  // namespace

RowDotFn avx2_row_dot_more(GgmlType type, bool avx_vnni) {
  switch (type) {
    case GgmlType::Q4_1:
      return avx_vnni ? dot_unsigned_q8_1<true, Q4_1Weights> : dot_unsigned_q8_1<false, Q4_1Weights>;
    case GgmlType::Q5_1:
      return avx_vnni ? dot_unsigned_q8_1<true, Q5_1Weights> : dot_unsigned_q8_1<false, Q5_1Weights>;
    case GgmlType::Q5_0: return avx_vnni ? dot_signed_q8_0<true, Q5_0Weights> : dot_signed_q8_0<false, Q5_0Weights>;
    case GgmlType::IQ4_NL:
      return avx_vnni ? dot_signed_q8_0<true, IQ4_NLWeights> : dot_signed_q8_0<false, IQ4_NLWeights>;
    case GgmlType::MXFP4:
      return avx_vnni ? dot_signed_q8_0<true, MXFP4Weights> : dot_signed_q8_0<false, MXFP4Weights>;
    case GgmlType::Q2_K: return avx_vnni ? dot_q2_k_q8_k<true> : dot_q2_k_q8_k<false>;
    case GgmlType::Q3_K: return avx_vnni ? dot_q3_k_q8_k<true> : dot_q3_k_q8_k<false>;
    case GgmlType::IQ4_XS: return avx_vnni ? dot_iq4_xs_q8_k<true> : dot_iq4_xs_q8_k<false>;
    default: return nullptr;
  }
}

}  // namespace pg::kernels::detail
