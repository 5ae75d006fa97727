// Internal to the decoded-tile kernels: the row decoders of tile_layout.h's
// INT8 family, one GGUF weight row at a time into int8 scale blocks with float
// scales (and min terms). Each is the dequantization of engine/quant with the
// float multiply left out, so dw * q (+ mw) equals the reference's dequantized
// value exactly. Written with SSE/AVX2 intrinsics only, so the AVX-512 VBMI
// file (tile_weights_vbmi.cpp) and the AVX2 one (tile_weights_avx2.cpp) both
// compile them for their own instruction set; include it only from such files
// (internal linkage, for the reason in simd_basics.h). Reads only the row it is
// given, writes only the row's own places in the group buffer.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "engine/kernels/tile_layout.h"
#include "engine/quant/blocks.h"
#include "engine/quant/mxfp4_format.h"
#include "engine/quant/quant_math.h"

namespace pg::kernels::detail::tiles {
namespace {

using namespace pg::quant;

inline float half(uint16_t h) { return _cvtsh_ss(h); }
inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store128(void* p, __m128i v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
inline void store256(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

// GGML's kvalues_iq4nl (engine/quant/iq4.cpp): the 16 IQ4 levels.
inline __m128i iq4_levels() { return _mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113); }

// Bytes j of the result: 0x10 where bit (first_bit + j) of `bits` is set, else 0.
inline __m128i high_bits_16(uint32_t bits, int first_bit) {
  const __m128i spread = _mm_shuffle_epi8(_mm_set1_epi32(static_cast<int>(bits >> first_bit)),
                                          _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const __m128i select = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(spread, select), select), _mm_set1_epi8(0x10));
}

// ---- Block-32 types with one fp16 scale (Q8_0 activations or Q8_1 ones)

void decode_q8_0(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockQ8_0*>(row);
  for (int64_t b = 0; b < cols / kQK8_0; ++b) {
    store256(q + pack_offset(b, 32), load256(x[b].qs));
    dw[b * kGroupRows] = half(x[b].d);
  }
}

// Low nibbles are values 0..15 of a block, high nibbles 16..31.
template <int kOffset>
inline void split_nibbles(const uint8_t* qs, int8_t* out) {
  const __m128i v = load128(qs), low4 = _mm_set1_epi8(0x0F), offset = _mm_set1_epi8(kOffset);
  store128(out, _mm_sub_epi8(_mm_and_si128(v, low4), offset));
  store128(out + 16, _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(v, 4), low4), offset));
}

void decode_q4_0(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockQ4_0*>(row);
  for (int64_t b = 0; b < cols / kQK4_0; ++b) {
    split_nibbles<8>(x[b].qs, q + pack_offset(b, 32));
    dw[b * kGroupRows] = half(x[b].d);
  }
}

void decode_q4_1(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float* mw) {
  const auto* x = reinterpret_cast<const BlockQ4_1*>(row);
  for (int64_t b = 0; b < cols / kQK4_1; ++b) {
    split_nibbles<0>(x[b].qs, q + pack_offset(b, 32));
    dw[b * kGroupRows] = half(x[b].d);
    mw[b * kGroupRows] = half(x[b].m);
  }
}

template <int kOffset, typename Block>
inline void five_bit_block(const Block& x, int8_t* out) {
  uint32_t qh;
  std::memcpy(&qh, x.qh, 4);
  const __m128i v = load128(x.qs), low4 = _mm_set1_epi8(0x0F), offset = _mm_set1_epi8(kOffset);
  const __m128i lo = _mm_or_si128(_mm_and_si128(v, low4), high_bits_16(qh, 0));
  const __m128i hi = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(v, 4), low4), high_bits_16(qh, 16));
  store128(out, _mm_sub_epi8(lo, offset));
  store128(out + 16, _mm_sub_epi8(hi, offset));
}

void decode_q5_0(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockQ5_0*>(row);
  for (int64_t b = 0; b < cols / kQK5_0; ++b) {
    five_bit_block<16>(x[b], q + pack_offset(b, 32));
    dw[b * kGroupRows] = half(x[b].d);
  }
}

void decode_q5_1(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float* mw) {
  const auto* x = reinterpret_cast<const BlockQ5_1*>(row);
  for (int64_t b = 0; b < cols / kQK5_1; ++b) {
    five_bit_block<0>(x[b], q + pack_offset(b, 32));
    dw[b * kGroupRows] = half(x[b].d);
    mw[b * kGroupRows] = half(x[b].m);
  }
}

// The 32 codes of a block (low nibbles first) looked up in a 16-level table.
inline void table_block(const uint8_t* qs, __m128i levels, int8_t* out) {
  const __m128i v = load128(qs), low4 = _mm_set1_epi8(0x0F);
  store128(out, _mm_shuffle_epi8(levels, _mm_and_si128(v, low4)));
  store128(out + 16, _mm_shuffle_epi8(levels, _mm_and_si128(_mm_srli_epi16(v, 4), low4)));
}

void decode_iq4_nl(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockIQ4_NL*>(row);
  for (int64_t b = 0; b < cols / kQK4_NL; ++b) {
    table_block(x[b].qs, iq4_levels(), q + pack_offset(b, 32));
    dw[b * kGroupRows] = half(x[b].d);
  }
}

// MXFP4: the doubled E2M1 levels (|q| <= 12) and the E8M0 half scale
// 2^(e - 128), exactly the reference's level * scale.
void decode_mxfp4(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockMXFP4*>(row);
  const __m128i levels = load128(kMxfp4Values);
  for (int64_t b = 0; b < cols / kQK_MXFP4; ++b) {
    table_block(x[b].qs, levels, q + pack_offset(b, 32));
    dw[b * kGroupRows] = e8m0_to_fp32_half(x[b].e);
  }
}

// ---- 256-value super-blocks (Q8_K activations). Block index b counts scale
// blocks over the whole row: super-block sb holds blocks sb*256/block onwards.

// The 8 scales and min terms of super-block sb of a Q4_K/Q5_K row.
template <typename Block>
inline void k4_scales(const Block& x, int64_t sb, float* dw, float* mw) {
  const float d = half(x.d), dmin = half(x.dmin);
  for (int g = 0; g < 8; ++g) {
    uint8_t sc, m;
    pg::quant::detail::get_scale_min_k4(g, x.scales, &sc, &m);
    const int64_t b = sb * 8 + g;
    dw[b * kGroupRows] = d * sc;
    mw[b * kGroupRows] = -(dmin * m);
  }
}

void decode_q4_k(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float* mw) {
  const auto* x = reinterpret_cast<const BlockQ4_K*>(row);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    k4_scales(x[sb], sb, dw, mw);
    for (int pair = 0; pair < 4; ++pair) {
      const __m256i v = load256(x[sb].qs + 32 * pair);
      const int64_t b = sb * 8 + 2 * pair;
      store256(q + pack_offset(b, 32), _mm256_and_si256(v, low4));
      store256(q + pack_offset(b + 1, 32), _mm256_and_si256(_mm256_srli_epi16(v, 4), low4));
    }
  }
}

// 0x10 in byte l where qh[l] has bit `bit` set.
inline __m256i bit_as_16(__m256i qh, int bit) {
  const __m256i select = _mm256_set1_epi8(static_cast<char>(1 << bit));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, select), select), _mm256_set1_epi8(0x10));
}

void decode_q5_k(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float* mw) {
  const auto* x = reinterpret_cast<const BlockQ5_K*>(row);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    k4_scales(x[sb], sb, dw, mw);
    const __m256i qh = load256(x[sb].qh);
    for (int pair = 0; pair < 4; ++pair) {
      const __m256i v = load256(x[sb].qs + 32 * pair);
      const int64_t b = sb * 8 + 2 * pair;
      store256(q + pack_offset(b, 32), _mm256_or_si256(_mm256_and_si256(v, low4), bit_as_16(qh, 2 * pair)));
      store256(q + pack_offset(b + 1, 32),
               _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4), bit_as_16(qh, 2 * pair + 1)));
    }
  }
}

void decode_iq4_xs(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockIQ4_XS*>(row);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    const float d = half(x[sb].d);
    for (int g = 0; g < 8; ++g) {
      const int ls = ((x[sb].scales_l[g / 2] >> (4 * (g % 2))) & 0xF) | (((x[sb].scales_h >> (2 * g)) & 3) << 4);
      const int64_t b = sb * 8 + g;
      dw[b * kGroupRows] = d * static_cast<float>(ls - 32);
      table_block(x[sb].qs + 16 * g, iq4_levels(), q + pack_offset(b, 32));
    }
  }
}

// Stores 32 values as the scale blocks b and b + 1 (16 values each).
inline void store_two_blocks16(int8_t* q, int64_t b, __m256i v) {
  store128(q + pack_offset(b, 16), _mm256_castsi256_si128(v));
  store128(q + pack_offset(b + 1, 16), _mm256_extracti128_si256(v, 1));
}

void decode_q6_k(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockQ6_K*>(row);
  const __m256i low4 = _mm256_set1_epi8(0x0F), two = _mm256_set1_epi8(3), offset = _mm256_set1_epi8(32);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    const float d = half(x[sb].d);
    for (int s = 0; s < 16; ++s) dw[(sb * 16 + s) * kGroupRows] = d * x[sb].scales[s];
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = x[sb].ql + 64 * h;
      const __m256i l0 = load256(ql), l1 = load256(ql + 32), qh = load256(x[sb].qh + 32 * h);
      auto high = [&](int shift) { return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, shift), two), 4); };
      const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, low4), high(0));
      const __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, low4), high(2));
      const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), high(4));
      const __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4), high(6));
      const int64_t b = sb * 16 + 8 * h;
      store_two_blocks16(q, b, _mm256_sub_epi8(q1, offset));
      store_two_blocks16(q, b + 2, _mm256_sub_epi8(q2, offset));
      store_two_blocks16(q, b + 4, _mm256_sub_epi8(q3, offset));
      store_two_blocks16(q, b + 6, _mm256_sub_epi8(q4, offset));
    }
  }
}

void decode_q3_k(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float*) {
  const auto* x = reinterpret_cast<const BlockQ3_K*>(row);
  const __m256i three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    const float d = half(x[sb].d);
    int8_t scales[16];
    pg::quant::detail::unpack_q3_k_scales(x[sb].scales, scales);
    for (int s = 0; s < 16; ++s) dw[(sb * 16 + s) * kGroupRows] = d * static_cast<float>(scales[s] - 32);
    const __m256i hm = load256(x[sb].hmask);
    for (int h = 0; h < 2; ++h) {
      const __m256i v = load256(x[sb].qs + 32 * h);
      for (int step = 0; step < 4; ++step) {
        const __m256i select = _mm256_set1_epi8(static_cast<char>(1 << (4 * h + step)));
        const __m256i missing_high = _mm256_andnot_si256(
            _mm256_cmpeq_epi8(_mm256_and_si256(hm, select), select), four);  // 4 where the high bit is 0
        const __m256i low = _mm256_and_si256(_mm256_srli_epi16(v, 2 * step), three);
        store_two_blocks16(q, sb * 16 + 8 * h + 2 * step, _mm256_sub_epi8(low, missing_high));
      }
    }
  }
}

void decode_q2_k(const uint8_t* row, int64_t cols, int8_t* q, float* dw, float* mw) {
  const auto* x = reinterpret_cast<const BlockQ2_K*>(row);
  const __m256i three = _mm256_set1_epi8(3);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    const float d = half(x[sb].d), dmin = half(x[sb].dmin);
    for (int s = 0; s < 16; ++s) {
      const uint8_t sc = x[sb].scales[s];
      dw[(sb * 16 + s) * kGroupRows] = d * static_cast<float>(sc & 0xF);
      mw[(sb * 16 + s) * kGroupRows] = -(dmin * static_cast<float>(sc >> 4));
    }
    for (int h = 0; h < 2; ++h) {
      const __m256i v = load256(x[sb].qs + 32 * h);
      for (int step = 0; step < 4; ++step) {
        store_two_blocks16(q, sb * 16 + 8 * h + 2 * step,
                           _mm256_and_si256(_mm256_srli_epi16(v, 2 * step), three));
      }
    }
  }
}

// ---- The row decoders' table: every INT8-family type, without group decoders.
// max_abs is the largest |q| each decoder can produce whatever the row's bytes.

constexpr Int8Weights kRowQ4_0{32, false, GgmlType::Q8_0, 8, decode_q4_0, nullptr, nullptr};
constexpr Int8Weights kRowQ4_1{32, true, GgmlType::Q8_1, 15, decode_q4_1, nullptr, nullptr};
constexpr Int8Weights kRowQ5_0{32, false, GgmlType::Q8_0, 16, decode_q5_0, nullptr, nullptr};
constexpr Int8Weights kRowQ5_1{32, true, GgmlType::Q8_1, 31, decode_q5_1, nullptr, nullptr};
constexpr Int8Weights kRowQ8_0{32, false, GgmlType::Q8_0, 128, decode_q8_0, nullptr, nullptr};
constexpr Int8Weights kRowIQ4_NL{32, false, GgmlType::Q8_0, 127, decode_iq4_nl, nullptr, nullptr};
constexpr Int8Weights kRowMXFP4{32, false, GgmlType::Q8_0, 12, decode_mxfp4, nullptr, nullptr};
constexpr Int8Weights kRowQ2_K{16, true, GgmlType::Q8_K, 3, decode_q2_k, nullptr, nullptr};
constexpr Int8Weights kRowQ3_K{16, false, GgmlType::Q8_K, 4, decode_q3_k, nullptr, nullptr};
constexpr Int8Weights kRowQ4_K{32, true, GgmlType::Q8_K, 15, decode_q4_k, nullptr, nullptr};
constexpr Int8Weights kRowQ5_K{32, true, GgmlType::Q8_K, 31, decode_q5_k, nullptr, nullptr};
constexpr Int8Weights kRowQ6_K{16, false, GgmlType::Q8_K, 32, decode_q6_k, nullptr, nullptr};
constexpr Int8Weights kRowIQ4_XS{32, false, GgmlType::Q8_K, 127, decode_iq4_xs, nullptr, nullptr};

// nullptr for a type outside the INT8 family.
inline const Int8Weights* row_decoder_weights(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return &kRowQ4_0;
    case GgmlType::Q4_1: return &kRowQ4_1;
    case GgmlType::Q5_0: return &kRowQ5_0;
    case GgmlType::Q5_1: return &kRowQ5_1;
    case GgmlType::Q8_0: return &kRowQ8_0;
    case GgmlType::IQ4_NL: return &kRowIQ4_NL;
    case GgmlType::MXFP4: return &kRowMXFP4;
    case GgmlType::Q2_K: return &kRowQ2_K;
    case GgmlType::Q3_K: return &kRowQ3_K;
    case GgmlType::Q4_K: return &kRowQ4_K;
    case GgmlType::Q5_K: return &kRowQ5_K;
    case GgmlType::Q6_K: return &kRowQ6_K;
    case GgmlType::IQ4_XS: return &kRowIQ4_XS;
    default: return nullptr;
  }
}

}  // namespace
}  // namespace pg::kernels::detail::tiles
