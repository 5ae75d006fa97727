// The decoders from GGUF weight rows to the operands of the AVX-512 tile
// products (tile_layout.h): the row decoders of tile_row_decoders.h compiled
// for AVX-512, the group decoders below (all 16 rows of a group with 512-bit
// operations) and the BF16 row decoder; the tables int8_weights and
// bf16_weights. Built with AVX-512 + VBMI flags: nothing here may run before
// kernel_path_supported(Avx512Tiles) or (Amx). Reads only the rows it is given.
// GCC 12's AVX-512 headers pass deliberately undefined vectors and then warn about them.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "engine/kernels/tile_row_decoders.h"

namespace pg::kernels::detail::tiles {
namespace {

// ---- Group decoders: all 16 rows of a group at once with 512-bit operations,
// the scales of 16 rows gathered into one vector. Same results as the row
// decoders of tile_row_decoders.h (tested against them).

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

// The row decoders' entries with the group decoders added where they exist.
constexpr Int8Weights with_group_decoders(Int8Weights w, decltype(Int8Weights::decode_rows) rows,
                                          decltype(Int8Weights::decode_scales) scales) {
  w.decode_rows = rows;
  w.decode_scales = scales;
  return w;
}
constexpr Int8Weights kQ4_0 = with_group_decoders(kRowQ4_0, rows_q4_0, scales_q4_0);
constexpr Int8Weights kQ8_0 = with_group_decoders(kRowQ8_0, rows_q8_0, scales_q8_0);
constexpr Int8Weights kQ4_K = with_group_decoders(kRowQ4_K, rows_q4_k, scales_q4_k);
constexpr Int8Weights kQ6_K = with_group_decoders(kRowQ6_K, rows_q6_k, scales_q6_k);
constexpr Bf16Weights kBF16{decode_bf16};

}  // namespace

const Int8Weights* int8_weights(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return &kQ4_0;
    case GgmlType::Q8_0: return &kQ8_0;
    case GgmlType::Q4_K: return &kQ4_K;
    case GgmlType::Q6_K: return &kQ6_K;
    default: return row_decoder_weights(type);
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
