// AVX-512 VNNI kernels for Q4_0, Q5_0, MXFP4 and Q8_0 weights against activations that
// matmul has quantized to Q8_0 (by the reference quantizer) and then packed
// once per token into a layout made for these kernels:
//   - block pairs' int8 values in the byte order the weight pair unpacks to, so
//     one VPDPBUSD multiplies 64 weights with no shuffles;
//   - per pair, the lane sums of offset * activation (offset 8 for Q4_0's
//     nibbles, 16 for Q5_0's 5-bit codes, 12 for MXFP4's shifted levels, 128
//     for Q8_0's sign-flipped bytes) negated, which turns the
//     unsigned x signed VPDPBUSD into the signed product with one instruction;
//   - the activation block scales as floats, so 16 block scales are combined
//     with one gather of the weight scales and one multiply.
// Integer block sums are exact; float accumulation follows a fixed order, and
// the token-tile kernel repeats the single-token arithmetic per token exactly,
// so tiling never changes an output.
// Built with AVX-512 flags: nothing here may run before CPUID says all of
// F/BW/VL/DQ/VNNI/BF16 are present and the OS saves ZMM state. Never reads a
// weight byte outside the row it is given.
#include <algorithm>
#include <cstring>

#include "engine/kernels/row_dot.h"
#include "engine/kernels/simd_basics.h"
#include "engine/quant/blocks.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockMXFP4;
using quant::BlockQ4_0;
using quant::BlockQ5_0;
using quant::BlockQ8_0;

constexpr int64_t kBlock = 32;        // values per Q4_0 / Q5_0 / Q8_0 block
constexpr int64_t kGroupBlocks = 16;  // block scales combined per gather

struct PackedLayout {
  int64_t blocks, pairs, groups;
  uint64_t qs_offset, neg_offset, scale_offset, bytes;
};

PackedLayout packed_layout(int64_t n) {
  PackedLayout l{};
  l.blocks = n / kBlock;
  l.pairs = (l.blocks + 1) / 2;
  l.groups = (l.blocks + kGroupBlocks - 1) / kGroupBlocks;
  l.qs_offset = 0;
  l.neg_offset = static_cast<uint64_t>(l.pairs) * 64;
  l.scale_offset = l.neg_offset + static_cast<uint64_t>(l.pairs) * 64;
  l.bytes = l.scale_offset + static_cast<uint64_t>(l.groups) * kGroupBlocks * sizeof(float);
  return l;
}

inline float horizontal_sum(__m512 v) { return _mm512_reduce_add_ps(v); }

// ---- Weight formats. Each gives the unsigned bytes u of a block pair with
// weight = u - kOffset, in the byte order of its activation packing, and the
// lane -> block-of-the-pair map of that order.

struct Q4_0Format {
  using Block = BlockQ4_0;
  static constexpr uint8_t kOffset = 8;
  static constexpr bool kF16ScaleFirst = true;  // each block starts with its F16 scale
  // The blocks' scales from the 4 bytes at each block's start (fp16 first).
  static __m512 block_scales(__m512i words) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(words)); }
  // [x0 low nibbles | x1 low | x0 high | x1 high], 16 bytes each: values
  // [x0 0..15 | x1 0..15 | x0 16..31 | x1 16..31].
  static __m512i unpack(__m256i packed) {
    return _mm512_and_si512(join(packed, _mm256_srli_epi16(packed, 4)), _mm512_set1_epi8(0x0F));
  }
  static __m512i pair(const Block* x) {
    return unpack(_mm256_inserti128_si256(_mm256_castsi128_si256(load128(x[0].qs)), load128(x[1].qs), 1));
  }
  static __m512i single(const Block* x) { return unpack(_mm256_zextsi128_si256(load128(x[0].qs))); }
  // Activation bytes of a pair in that order (y1 may be null: zeros).
  static void pack(const BlockQ8_0* y0, const BlockQ8_0* y1, int8_t* out) {
    std::memcpy(out, y0->qs, 16);
    std::memcpy(out + 32, y0->qs + 16, 16);
    if (y1 != nullptr) {
      std::memcpy(out + 16, y1->qs, 16);
      std::memcpy(out + 48, y1->qs + 16, 16);
    } else {
      std::memset(out + 16, 0, 16);
      std::memset(out + 48, 0, 16);
    }
  }
  static __m512i lane_blocks() {  // lanes 0-3, 8-11: first block; 4-7, 12-15: second
    return _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
  }
};

// Q5_0: u = nibble | (5th bit) << 4 in 0..31, weight = u - 16. The nibbles in
// Q4_0's order, the 5th bits (bit i of qh for value i) gathered in the same order.
struct Q5_0Format : Q4_0Format {
  using Block = BlockQ5_0;
  static constexpr uint8_t kOffset = 16;
  static uint32_t high_bits(const Block& x) {
    uint32_t bits;
    std::memcpy(&bits, x.qh, sizeof bits);
    return bits;
  }
  static __m512i with_high_bits(__m512i nibbles, uint32_t h0, uint32_t h1) {
    const uint64_t order = (h0 & 0xFFFFu) | static_cast<uint64_t>(h1 & 0xFFFFu) << 16 |
                           static_cast<uint64_t>(h0 >> 16) << 32 | static_cast<uint64_t>(h1 >> 16) << 48;
    return _mm512_or_si512(nibbles, _mm512_maskz_mov_epi8(order, _mm512_set1_epi8(0x10)));
  }
  static __m512i pair(const Block* x) {
    const __m512i nibbles =
        unpack(_mm256_inserti128_si256(_mm256_castsi128_si256(load128(x[0].qs)), load128(x[1].qs), 1));
    return with_high_bits(nibbles, high_bits(x[0]), high_bits(x[1]));
  }
  static __m512i single(const Block* x) {
    return with_high_bits(unpack(_mm256_zextsi128_si256(load128(x[0].qs))), high_bits(x[0]), 0);
  }
};

// MXFP4: u = level + 12 in 0..24 (GGML's E2M1 levels doubled, by VPSHUFB from
// the nibbles in Q4_0's order), weight = u - 12; the block scale is the E8M0
// byte at the block's start read as 2^(e - 128) (e < 2: the subnormals).
struct MXFP4Format : Q4_0Format {
  using Block = BlockMXFP4;
  static constexpr uint8_t kOffset = 12;
  static constexpr bool kF16ScaleFirst = false;  // an E8M0 byte, in 17-byte blocks
  static __m512i levels(__m512i codes) {
    alignas(16) static constexpr int8_t kShifted[16] = {12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0};
    return _mm512_shuffle_epi8(_mm512_broadcast_i32x4(load128(kShifted)), codes);
  }
  static __m512i pair(const Block* x) {
    return levels(unpack(_mm256_inserti128_si256(_mm256_castsi128_si256(load128(x[0].qs)), load128(x[1].qs), 1)));
  }
  static __m512i single(const Block* x) {
    // The missing second block's codes unpack to 0 but level(0) is 12, not 0:
    // its activations are zero in the packing, so its products vanish anyway.
    return levels(unpack(_mm256_zextsi128_si256(load128(x[0].qs))));
  }
  static __m512 block_scales(__m512i words) {
    const __m512i e = _mm512_and_si512(words, _mm512_set1_epi32(0xFF));
    const __m512i normal = _mm512_slli_epi32(_mm512_sub_epi32(e, _mm512_set1_epi32(1)), 23);
    const __m512i tiny = _mm512_sllv_epi32(_mm512_set1_epi32(0x00200000), e);
    const __mmask16 subnormal = _mm512_cmplt_epu32_mask(e, _mm512_set1_epi32(2));
    return _mm512_castsi512_ps(_mm512_mask_mov_epi32(normal, subnormal, tiny));
  }
};

struct Q8_0Format {
  using Block = BlockQ8_0;
  static constexpr bool kF16ScaleFirst = true;
  static __m512 block_scales(__m512i words) { return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(words)); }
  static constexpr uint8_t kOffset = 128;
  // [x0 | x1] with the sign bit flipped: u = x + 128.
  static __m512i pair(const Block* x) {
    return _mm512_xor_si512(join(load256(x[0].qs), load256(x[1].qs)), _mm512_set1_epi8(static_cast<char>(0x80)));
  }
  static __m512i single(const Block* x) {
    return _mm512_xor_si512(_mm512_zextsi256_si512(load256(x[0].qs)), _mm512_set1_epi8(static_cast<char>(0x80)));
  }
  static void pack(const BlockQ8_0* y0, const BlockQ8_0* y1, int8_t* out) {
    std::memcpy(out, y0->qs, 32);
    if (y1 != nullptr) std::memcpy(out + 32, y1->qs, 32);
    else std::memset(out + 32, 0, 32);
  }
  static __m512i lane_blocks() { return _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1); }
};

template <typename Format>
void pack_activations(int64_t n, const void* q8_row, void* packed) {
  const PackedLayout l = packed_layout(n);
  const auto* y = static_cast<const BlockQ8_0*>(q8_row);
  auto* out = static_cast<uint8_t*>(packed);
  auto* qs = reinterpret_cast<int8_t*>(out + l.qs_offset);
  const __m512i offsets = _mm512_set1_epi8(static_cast<char>(Format::kOffset));
  for (int64_t p = 0; p < l.pairs; ++p) {
    const int64_t b = 2 * p;
    Format::pack(y + b, b + 1 < l.blocks ? y + b + 1 : nullptr, qs + 64 * p);
    const __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), offsets, load512(qs + 64 * p));
    _mm512_storeu_si512(out + l.neg_offset + 64 * p, _mm512_sub_epi32(_mm512_setzero_si512(), sums));
  }
  float scales[kGroupBlocks];
  for (int64_t g = 0; g < l.groups; ++g) {
    for (int64_t i = 0; i < kGroupBlocks; ++i) {
      const int64_t b = g * kGroupBlocks + i;
      scales[i] = b < l.blocks ? half_to_float(y[b].d) : 0.0f;
    }
    std::memcpy(out + l.scale_offset + g * sizeof scales, scales, sizeof scales);
  }
}

// The F16 scales at the starts of a full group's 16 blocks of kBlockBytes
// (even) bytes, without a gather: the group's bytes are read as 16-bit words,
// 128 bytes at a time (masked to the group), and VPERMT2W picks each block's
// scale word from the window that holds it.
template <int kBlockBytes>
struct GroupScaleWords {
  static_assert(kBlockBytes % 2 == 0, "scale words need even block sizes");
  static constexpr int kWordsPerBlock = kBlockBytes / 2;
  static constexpr int kBlocksPerWindow = 63 / kWordsPerBlock + 1;  // scale words within 64 words
  static constexpr int kWindows = (kGroupBlocks + kBlocksPerWindow - 1) / kBlocksPerWindow;
  static constexpr int kGroupWords = kGroupBlocks * kWordsPerBlock;
  struct Tables {
    alignas(64) int16_t index[kWindows][32];
    uint32_t lanes[kWindows];      // the output words window w fills
    uint32_t low[kWindows], high[kWindows];  // the words of the two 64-byte loads inside the group
  };
  static constexpr Tables tables() {
    Tables t{};
    for (int w = 0; w < kWindows; ++w) {
      const int b0 = w * kBlocksPerWindow, word0 = b0 * kWordsPerBlock;
      for (int k = 0; k < 32; ++k) t.index[w][k] = 0;
      t.lanes[w] = 0;
      for (int b = b0; b < b0 + kBlocksPerWindow && b < kGroupBlocks; ++b) {
        t.index[w][b] = static_cast<int16_t>((b - b0) * kWordsPerBlock);
        t.lanes[w] |= 1u << b;
      }
      auto inside = [&](int first_word) {
        const int left = kGroupWords - first_word;
        return left >= 32 ? 0xFFFFFFFFu : left <= 0 ? 0u : (1u << left) - 1;
      };
      t.low[w] = inside(word0);
      t.high[w] = inside(word0 + 32);
    }
    return t;
  }
  static __m512 scales(const void* group) {
    static constexpr Tables t = tables();
    const auto* words = static_cast<const int16_t*>(group);
    __m512i picked = _mm512_setzero_si512();
#pragma GCC unroll 8
    for (int w = 0; w < kWindows; ++w) {
      const int16_t* at = words + w * kBlocksPerWindow * kWordsPerBlock;
      const __m512i low = _mm512_maskz_loadu_epi16(t.low[w], at);
      const __m512i high = _mm512_maskz_loadu_epi16(t.high[w], at + 32);
      const __m512i from_window = _mm512_permutex2var_epi16(low, load512(t.index[w]), high);
      picked = _mm512_mask_mov_epi16(picked, t.lanes[w], from_window);
    }
    return _mm512_cvtph_ps(_mm512_castsi512_si256(picked));
  }
};

// Weight scale x activation scale for the blocks [first, first + count) of a group.
template <typename Format>
inline __m512 weight_scales(const typename Format::Block* x, int64_t count) {
  if constexpr (Format::kF16ScaleFirst) {
    if (count == kGroupBlocks) return GroupScaleWords<sizeof(typename Format::Block)>::scales(x);
  }
  const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(static_cast<int>(sizeof(typename Format::Block))));
  const auto mask = static_cast<__mmask16>(count >= 16 ? 0xFFFF : (1u << count) - 1);
  // 4 bytes at each block's start: its scale and bytes of the same block.
  const __m512i words = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), mask, offsets, x, 1);
  return Format::block_scales(words);
}

// Scale vector of pair p of a group (the blocks 2p, 2p+1 spread over the lanes).
template <typename Format>
inline __m512 pair_scales(__m512 group_scales, int p) {
  return _mm512_permutexvar_ps(_mm512_add_epi32(Format::lane_blocks(), _mm512_set1_epi32(2 * p)), group_scales);
}

inline __m512 pair_step(__m512i u, const uint8_t* qs, const uint8_t* neg, __m512 scales, __m512 acc) {
  const __m512i lanes = _mm512_dpbusd_epi32(load512(neg), u, load512(qs));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(lanes), scales, acc);
}

// One group of `count` blocks (all 16 but in a row's last group) added to
// acc[0] (even pairs) and acc[1] (odd pairs).
template <typename Format, bool kFull>
inline void group_dot(const typename Format::Block* x, const uint8_t* qs, const uint8_t* neg, __m512 scales,
                      int64_t count, __m512& acc0, __m512& acc1) {
  const int64_t pairs = kFull ? kGroupBlocks / 2 : (count + 1) / 2;
#pragma GCC unroll 8
  for (int p = 0; p < pairs; p += 2) {
    const __m512i u0 = kFull || 2 * p + 1 < count ? Format::pair(x + 2 * p) : Format::single(x + 2 * p);
    acc0 = pair_step(u0, qs + 64 * p, neg + 64 * p, pair_scales<Format>(scales, p), acc0);
    if (!kFull && p + 1 >= pairs) break;
    const __m512i u1 = kFull || 2 * p + 3 < count ? Format::pair(x + 2 * p + 2) : Format::single(x + 2 * p + 2);
    acc1 = pair_step(u1, qs + 64 * (p + 1), neg + 64 * (p + 1), pair_scales<Format>(scales, p + 1), acc1);
  }
}

// The integer products of a full group's 8 pairs come first and its scales
// after them: the scale gather then reads lines the products already brought
// in, instead of being the first (and blocking) touch of the group's memory.
// The float steps are group_dot's, in the same order.
template <typename Format>
inline void full_group_dot(const typename Format::Block* x, const uint8_t* qs, const uint8_t* neg,
                           const float* activation_scales, __m512& acc0, __m512& acc1) {
  __m512i lanes[kGroupBlocks / 2];
#pragma GCC unroll 8
  for (int p = 0; p < kGroupBlocks / 2; ++p) {
    lanes[p] = _mm512_dpbusd_epi32(load512(neg + 64 * p), Format::pair(x + 2 * p), load512(qs + 64 * p));
  }
  const __m512 scales = _mm512_mul_ps(weight_scales<Format>(x, kGroupBlocks), _mm512_loadu_ps(activation_scales));
#pragma GCC unroll 8
  for (int p = 0; p < kGroupBlocks / 2; p += 2) {
    acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lanes[p]), pair_scales<Format>(scales, p), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lanes[p + 1]), pair_scales<Format>(scales, p + 1), acc1);
  }
}

template <typename Format>
float packed_dot(int64_t n, const void* weight_row, const void* packed) {
  const PackedLayout l = packed_layout(n);
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const auto* a = static_cast<const uint8_t*>(packed);
  const auto* activation_scales = reinterpret_cast<const float*>(a + l.scale_offset);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  for (int64_t g = 0; g < l.groups; ++g) {
    const int64_t first = g * kGroupBlocks;
    const int64_t count = std::min(kGroupBlocks, l.blocks - first);
    prefetch_weights_ahead(x + first, kGroupBlocks * sizeof(typename Format::Block));
    const uint64_t at = static_cast<uint64_t>(first / 2) * 64;
    if (count == kGroupBlocks) {
      full_group_dot<Format>(x + first, a + l.qs_offset + at, a + l.neg_offset + at, activation_scales + first, acc0,
                             acc1);
    } else {
      const __m512 scales =
          _mm512_mul_ps(weight_scales<Format>(x + first, count), _mm512_loadu_ps(activation_scales + first));
      group_dot<Format, false>(x + first, a + l.qs_offset + at, a + l.neg_offset + at, scales, count, acc0, acc1);
    }
  }
  return horizontal_sum(_mm512_add_ps(acc0, acc1));
}

// packed_dot for kTileTokens packed activation rows at once: each weight pair
// is unpacked and the weight scales gathered once; every token repeats
// packed_dot's steps (same pair order, same accumulator per pair).
template <typename Format, bool kFull>
inline void group_dot_tokens(const typename Format::Block* x, const uint8_t* const* qs, const uint8_t* const* neg,
                             const __m512* scales, int64_t count, __m512 (&acc)[kTileTokens][2]) {
  const int64_t pairs = kFull ? kGroupBlocks / 2 : (count + 1) / 2;
#pragma GCC unroll 8
  for (int p = 0; p < pairs; ++p) {
    const __m512i u = kFull || 2 * p + 1 < count ? Format::pair(x + 2 * p) : Format::single(x + 2 * p);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) {
      acc[k][p & 1] = pair_step(u, qs[k] + 64 * p, neg[k] + 64 * p, pair_scales<Format>(scales[k], p), acc[k][p & 1]);
    }
  }
}

template <typename Format>
void packed_dot_tokens(int64_t n, const void* weight_row, const void* packed, uint64_t stride, float* out) {
  const PackedLayout l = packed_layout(n);
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const uint8_t* a[kTileTokens];
  const float* activation_scales[kTileTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) {
    a[k] = static_cast<const uint8_t*>(packed) + k * stride;
    activation_scales[k] = reinterpret_cast<const float*>(a[k] + l.scale_offset);
  }
  __m512 acc[kTileTokens][2];
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) acc[k][0] = acc[k][1] = _mm512_setzero_ps();
  for (int64_t g = 0; g < l.groups; ++g) {
    const int64_t first = g * kGroupBlocks;
    const int64_t count = std::min(kGroupBlocks, l.blocks - first);
    prefetch_weights_ahead(x + first, kGroupBlocks * sizeof(typename Format::Block));
    const __m512 x_scales = weight_scales<Format>(x + first, count);
    const uint64_t at = static_cast<uint64_t>(first / 2) * 64;
    __m512 scales[kTileTokens];
    const uint8_t* qs[kTileTokens];
    const uint8_t* neg[kTileTokens];
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) {
      scales[k] = _mm512_mul_ps(x_scales, _mm512_loadu_ps(activation_scales[k] + first));
      qs[k] = a[k] + l.qs_offset + at;
      neg[k] = a[k] + l.neg_offset + at;
    }
    if (count == kGroupBlocks) group_dot_tokens<Format, true>(x + first, qs, neg, scales, count, acc);
    else group_dot_tokens<Format, false>(x + first, qs, neg, scales, count, acc);
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) out[k] = horizontal_sum(_mm512_add_ps(acc[k][0], acc[k][1]));
}

uint64_t packed_bytes(int64_t n) { return packed_layout(n).bytes; }

constexpr PackedKernel kQ4_0 = {packed_bytes, pack_activations<Q4_0Format>, packed_dot<Q4_0Format>,
                                packed_dot_tokens<Q4_0Format>};
constexpr PackedKernel kQ5_0 = {packed_bytes, pack_activations<Q5_0Format>, packed_dot<Q5_0Format>,
                                packed_dot_tokens<Q5_0Format>};
constexpr PackedKernel kMXFP4 = {packed_bytes, pack_activations<MXFP4Format>, packed_dot<MXFP4Format>,
                                 packed_dot_tokens<MXFP4Format>};
constexpr PackedKernel kQ8_0 = {packed_bytes, pack_activations<Q8_0Format>, packed_dot<Q8_0Format>,
                                packed_dot_tokens<Q8_0Format>};

}  // namespace

const PackedKernel* avx512_packed_kernel(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return &kQ4_0;
    case GgmlType::Q5_0: return &kQ5_0;
    case GgmlType::MXFP4: return &kMXFP4;
    case GgmlType::Q8_0: return &kQ8_0;
    default: return nullptr;
  }
}

}  // namespace pg::kernels::detail
