// Decoders from GGUF weight rows to the operands of the AMX tile products
// (tile_layout.h): every quantized type to int8 scale blocks with float scales
// (and min terms), BF16 rows to bf16 blocks. Each decoder is the
// dequantization of engine/quant with the float multiply left out, so
// dw * q (+ mw) equals the reference's dequantized value exactly.
// Built with AVX-512 + VBMI flags: nothing here may run before
// kernel_path_supported(Avx512Tiles) or (Amx). Reads only the row it is given.
// GCC 12's AVX-512 headers pass deliberately undefined vectors and then warn about them.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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


// ---- Group decoders: all 16 rows of a group at once with 512-bit operations,
// the scales of 16 rows gathered into one vector. Same results as the row
// decoders above (tested against them).

struct GroupRows {
  const uint8_t* base;
  uint64_t row_bytes;
  int count;
  __mmask16 mask;     // the rows that exist
  __m512i offsets;    // r * row_bytes
  GroupRows(const uint8_t* rows, uint64_t bytes, int n) : base(rows), row_bytes(bytes), count(n) {
    mask = static_cast<__mmask16>((1u << n) - 1);
    offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                 _mm512_set1_epi32(static_cast<int>(bytes)));
  }
  const uint8_t* row(int r) const { return base + static_cast<uint64_t>(r) * row_bytes; }
  // The 4 bytes at `offset` of each row (zero for missing rows).
  __m512i gather(uint64_t offset) const {
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), mask, offsets, base + offset, 1);
  }
  // The fp16 at `offset` of each row as floats (low half of the gathered word).
  __m512 gather_half(uint64_t offset) const { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(gather(offset))); }
};

// 64 bytes at p, of which only `available` may be read.
inline __m512i load_line(const uint8_t* p, uint64_t available) {
  if (available >= 64) return _mm512_loadu_si512(p);
  return _mm512_maskz_loadu_epi8((1ull << available) - 1, p);
}

// Byte selectors for vpmultishiftqb: in each 32-byte half, the first 16 bytes
// take their own byte (shift 0), the next 16 the byte shifted right by 4.
inline __m512i nibble_shifts_per_16() {
  alignas(64) uint8_t c[64];
  for (int j = 0; j < 64; ++j) c[j] = static_cast<uint8_t>(8 * (j % 8) + ((j % 32) < 16 ? 0 : 4));
  return _mm512_load_si512(c);
}
// The same with 32-byte halves: low half shift 0, high half shift 4.
inline __m512i nibble_shifts_per_32() {
  alignas(64) uint8_t c[64];
  for (int j = 0; j < 64; ++j) c[j] = static_cast<uint8_t>(8 * (j % 8) + (j < 32 ? 0 : 4));
  return _mm512_load_si512(c);
}

void rows_q4_0(const uint8_t* rows, uint64_t row_bytes, int r_begin, int r_end, int64_t cols, int8_t* q) {
  const GroupRows g(rows, row_bytes, r_end);
  const int64_t blocks = cols / kQK4_0, packs = (blocks + 1) / 2;
  const uint64_t length = static_cast<uint64_t>(blocks) * sizeof(BlockQ4_0);
  alignas(64) uint8_t select[64];  // [b0.qs | b0.qs | b1.qs | b1.qs] out of a 36-byte block pair
  for (int j = 0; j < 64; ++j) select[j] = static_cast<uint8_t>((j < 32 ? 2 : 20) + j % 16);
  const __m512i pick = _mm512_load_si512(select), shifts = nibble_shifts_per_16();
  const __m512i low4 = _mm512_set1_epi8(0x0F), eight = _mm512_set1_epi8(8);
  for (int r = r_begin; r < r_end; ++r) {
    const uint8_t* row = g.row(r);
    for (int64_t k = 0; k < packs; ++k) {
      const uint64_t at = static_cast<uint64_t>(k) * 2 * sizeof(BlockQ4_0);
      __m512i v = _mm512_permutexvar_epi8(pick, load_line(row + at, length - at));
      v = _mm512_multishift_epi64_epi8(shifts, v);
      _mm512_store_si512(q + k * kPackBytes + r * kPackLine, _mm512_sub_epi8(_mm512_and_si512(v, low4), eight));
    }
  }
}

void scales_q4_0(const uint8_t* rows, uint64_t row_bytes, int count, int64_t cols, float* dw, float*) {
  const GroupRows g(rows, row_bytes, count);
  for (int64_t b = 0; b < cols / kQK4_0; ++b) _mm512_store_ps(dw + b * kGroupRows, g.gather_half(b * sizeof(BlockQ4_0)));
}

void rows_q8_0(const uint8_t* rows, uint64_t row_bytes, int r_begin, int r_end, int64_t cols, int8_t* q) {
  const GroupRows g(rows, row_bytes, r_end);
  const int64_t blocks = cols / kQK8_0, packs = (blocks + 1) / 2;
  for (int r = r_begin; r < r_end; ++r) {
    const auto* x = reinterpret_cast<const BlockQ8_0*>(g.row(r));
    for (int64_t k = 0; k < packs; ++k) {
      const __m256i first = load256(x[2 * k].qs);
      const __m256i second = 2 * k + 1 < blocks ? load256(x[2 * k + 1].qs) : _mm256_setzero_si256();
      _mm512_store_si512(q + k * kPackBytes + r * kPackLine,
                         _mm512_inserti64x4(_mm512_castsi256_si512(first), second, 1));
    }
  }
}

void scales_q8_0(const uint8_t* rows, uint64_t row_bytes, int count, int64_t cols, float* dw, float*) {
  const GroupRows g(rows, row_bytes, count);
  for (int64_t b = 0; b < cols / kQK8_0; ++b) _mm512_store_ps(dw + b * kGroupRows, g.gather_half(b * sizeof(BlockQ8_0)));
}

// Bits [shift, shift + width) of each 32-bit lane.
inline __m512i bits(__m512i v, int shift, int width) {
  return _mm512_and_si512(_mm512_srli_epi32(v, static_cast<unsigned>(shift)), _mm512_set1_epi32((1 << width) - 1));
}

void rows_q4_k(const uint8_t* rows, uint64_t row_bytes, int r_begin, int r_end, int64_t cols, int8_t* q) {
  const GroupRows g(rows, row_bytes, r_end);
  const int64_t supers = cols / kQK_K;
  const __m512i shifts = nibble_shifts_per_32(), low4 = _mm512_set1_epi8(0x0F);
  for (int r = r_begin; r < r_end; ++r) {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(g.row(r));
    for (int64_t sb = 0; sb < supers; ++sb) {
      for (int i = 0; i < 4; ++i) {  // 32 bytes of qs: low nibbles are block 2i, high ones 2i+1
        const __m256i v = load256(x[sb].qs + 32 * i);
        const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(v), v, 1);
        _mm512_store_si512(q + (sb * 4 + i) * kPackBytes + r * kPackLine,
                           _mm512_and_si512(_mm512_multishift_epi64_epi8(shifts, both), low4));
      }
    }
  }
}

void scales_q4_k(const uint8_t* rows, uint64_t row_bytes, int count, int64_t cols, float* dw, float* mw) {
  const GroupRows g(rows, row_bytes, count);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    const uint64_t at = static_cast<uint64_t>(sb) * sizeof(BlockQ4_K);
    const __m512i d_dmin = g.gather(at);
    const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d_dmin));
    const __m512 dmin = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(d_dmin, 16)));
    const __m512i s0 = g.gather(at + 4), s1 = g.gather(at + 8), s2 = g.gather(at + 12);
    for (int j = 0; j < 8; ++j) {  // get_scale_min_k4 on 16 rows at once
      __m512i sc, m;
      if (j < 4) {
        sc = bits(s0, 8 * j, 6);
        m = bits(s1, 8 * j, 6);
      } else {
        const int i = j - 4;
        sc = _mm512_or_si512(bits(s2, 8 * i, 4), _mm512_slli_epi32(bits(s0, 8 * i + 6, 2), 4));
        m = _mm512_or_si512(bits(s2, 8 * i + 4, 4), _mm512_slli_epi32(bits(s1, 8 * i + 6, 2), 4));
      }
      const int64_t b = sb * 8 + j;
      _mm512_store_ps(dw + b * kGroupRows, _mm512_mul_ps(d, _mm512_cvtepi32_ps(sc)));
      _mm512_store_ps(mw + b * kGroupRows,
                      _mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(m))));
    }
  }
}

void rows_q6_k(const uint8_t* rows, uint64_t row_bytes, int r_begin, int r_end, int64_t cols, int8_t* q) {
  const GroupRows g(rows, row_bytes, r_end);
  const int64_t supers = cols / kQK_K;
  const __m512i low4 = _mm512_set1_epi8(0x0F), three = _mm512_set1_epi8(3), offset = _mm512_set1_epi8(32);
  // 16-bit lane shifts of the qh bits: the low 32 bytes feed values 0..31 and
  // 64..95 of a half, the high 32 bytes values 32..63 and 96..127.
  const __m512i shift_a = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  const __m512i shift_b = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1);
  auto high_bits = [&](__m512i qh, __m512i shift) {
    return _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, shift), three), 4);
  };
  for (int r = r_begin; r < r_end; ++r) {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(g.row(r));
    for (int64_t sb = 0; sb < supers; ++sb) {
      for (int h = 0; h < 2; ++h) {
        const __m512i ql = _mm512_loadu_si512(x[sb].ql + 64 * h);
        const __m256i qh32 = load256(x[sb].qh + 32 * h);
        const __m512i qh = _mm512_inserti64x4(_mm512_castsi256_si512(qh32), qh32, 1);
        const __m512i a = _mm512_or_si512(_mm512_and_si512(ql, low4), high_bits(qh, shift_a));
        const __m512i b = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4), high_bits(qh, shift_b));
        int8_t* dst = q + (sb * 4 + 2 * h) * kPackBytes + r * kPackLine;
        _mm512_store_si512(dst, _mm512_sub_epi8(a, offset));
        _mm512_store_si512(dst + kPackBytes, _mm512_sub_epi8(b, offset));
      }
    }
  }
}

void scales_q6_k(const uint8_t* rows, uint64_t row_bytes, int count, int64_t cols, float* dw, float*) {
  const GroupRows g(rows, row_bytes, count);
  for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
    const uint64_t at = static_cast<uint64_t>(sb) * sizeof(BlockQ6_K);
    // d is the last 2 bytes of the block: gather the 4 bytes ending there.
    const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(g.gather(at + 206), 16)));
    for (int w = 0; w < 4; ++w) {
      const __m512i scales = g.gather(at + 192 + 4 * w);  // scales 4w .. 4w+3
      for (int i = 0; i < 4; ++i) {
        const __m512i sc = _mm512_srai_epi32(_mm512_slli_epi32(scales, static_cast<unsigned>(24 - 8 * i)), 24);
        _mm512_store_ps(dw + (sb * 16 + 4 * w + i) * kGroupRows, _mm512_mul_ps(d, _mm512_cvtepi32_ps(sc)));
      }
    }
  }
}

// ---- BF16 family

inline __mmask32 block_mask(int64_t cols, int64_t first) {
  const int64_t n = cols - first;
  return n >= kBf16Block ? static_cast<__mmask32>(0xFFFFFFFFu) : static_cast<__mmask32>((1u << n) - 1);
}

void decode_bf16(const uint8_t* row, int64_t cols, uint16_t* out, int64_t stride) {
  const auto* src = reinterpret_cast<const uint16_t*>(row);
  for (int64_t b = 0; b * kBf16Block < cols; ++b) {
    _mm512_storeu_si512(out + b * stride, _mm512_maskz_loadu_epi16(block_mask(cols, b * kBf16Block), src + b * kBf16Block));
  }
}

constexpr Int8Weights kQ4_0{32, false, GgmlType::Q8_0, decode_q4_0, rows_q4_0, scales_q4_0};
constexpr Int8Weights kQ4_1{32, true, GgmlType::Q8_1, decode_q4_1, nullptr, nullptr};
constexpr Int8Weights kQ5_0{32, false, GgmlType::Q8_0, decode_q5_0, nullptr, nullptr};
constexpr Int8Weights kQ5_1{32, true, GgmlType::Q8_1, decode_q5_1, nullptr, nullptr};
constexpr Int8Weights kQ8_0{32, false, GgmlType::Q8_0, decode_q8_0, rows_q8_0, scales_q8_0};
constexpr Int8Weights kIQ4_NL{32, false, GgmlType::Q8_0, decode_iq4_nl, nullptr, nullptr};
constexpr Int8Weights kMXFP4{32, false, GgmlType::Q8_0, decode_mxfp4, nullptr, nullptr};
constexpr Int8Weights kQ2_K{16, true, GgmlType::Q8_K, decode_q2_k, nullptr, nullptr};
constexpr Int8Weights kQ3_K{16, false, GgmlType::Q8_K, decode_q3_k, nullptr, nullptr};
constexpr Int8Weights kQ4_K{32, true, GgmlType::Q8_K, decode_q4_k, rows_q4_k, scales_q4_k};
constexpr Int8Weights kQ5_K{32, true, GgmlType::Q8_K, decode_q5_k, nullptr, nullptr};
constexpr Int8Weights kQ6_K{16, false, GgmlType::Q8_K, decode_q6_k, rows_q6_k, scales_q6_k};
constexpr Int8Weights kIQ4_XS{32, false, GgmlType::Q8_K, decode_iq4_xs, nullptr, nullptr};
constexpr Bf16Weights kBF16{decode_bf16};

}  // namespace

const Int8Weights* int8_weights(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return &kQ4_0;
    case GgmlType::Q4_1: return &kQ4_1;
    case GgmlType::Q5_0: return &kQ5_0;
    case GgmlType::Q5_1: return &kQ5_1;
    case GgmlType::Q8_0: return &kQ8_0;
    case GgmlType::IQ4_NL: return &kIQ4_NL;
    case GgmlType::MXFP4: return &kMXFP4;
    case GgmlType::Q2_K: return &kQ2_K;
    case GgmlType::Q3_K: return &kQ3_K;
    case GgmlType::Q4_K: return &kQ4_K;
    case GgmlType::Q5_K: return &kQ5_K;
    case GgmlType::Q6_K: return &kQ6_K;
    case GgmlType::IQ4_XS: return &kIQ4_XS;
    default: return nullptr;
  }
}

const Bf16Weights* bf16_weights(GgmlType type) {
  switch (type) {
    // F16 goes through the AVX-512 kernels in GGML's order (row_dot_avx512.cpp).
    case GgmlType::BF16: return &kBF16;
    default: return nullptr;
  }
}

}  // namespace pg::kernels::detail::tiles
