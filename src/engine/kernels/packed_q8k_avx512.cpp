// AVX-512 VNNI kernels for Q4_K and Q6_K weights against activations that
// matmul has quantized to Q8_K (by the reference quantizer) and then packed
// once per token, per 256-value super-block:
//   [256 int8 values in the order the weight super-block unpacks to]
//   [16 floats: the per-group activation sums the weight offsets need]
//   [the block's float scale][padding to 384 bytes]
// so every 64 weights take one VPDPBUSD with no shuffles, and the group scales
// reach the lanes with one permute. Q4_K: value = d*sc*q - dmin*m (8 groups of
// 32); Q6_K: value = d*sc*(u - 32), u in 0..63 (16 groups of 16). Integer
// products are exact; the float accumulation order is fixed, and the token
// tile repeats the single-token arithmetic per token, so tiling never changes
// an output. Built with AVX-512 flags: never run before CPUID says so. Never
// reads a weight byte outside the row it is given.
#include <cstring>

#include "engine/kernels/row_dot.h"
#include "engine/kernels/simd_basics.h"
#include "engine/quant/blocks.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockQ4_K;
using quant::BlockQ6_K;
using quant::BlockQ8_K;
using quant::kQK_K;

constexpr uint64_t kSumsOffset = 256;
constexpr uint64_t kScaleOffset = 256 + 64;
constexpr uint64_t kPackedBlockBytes = 384;

uint64_t packed_bytes(int64_t n) { return static_cast<uint64_t>(n / kQK_K) * kPackedBlockBytes; }

// ---- Q4_K. qs bytes [32c, 32c+32) hold values 64c..64c+31 (low nibbles) and
// 64c+32..64c+63 (high nibbles). A 64-byte load covers two such chunks, so its
// low nibbles are groups (2h, 2h+2) and its high nibbles groups (2h+1, 2h+3)
// for h = 0, 2; the activation is packed in that order.

struct Q4_KFormat {
  using Block = BlockQ4_K;
  // Group order of the four 64-value vectors, two groups of 32 each.
  static constexpr int kGroups[4][2] = {{0, 2}, {1, 3}, {4, 6}, {5, 7}};

  static void pack(const BlockQ8_K& y, uint8_t* out) {
    for (int v = 0; v < 4; ++v) {
      std::memcpy(out + 64 * v, y.qs + 32 * kGroups[v][0], 32);
      std::memcpy(out + 64 * v + 32, y.qs + 32 * kGroups[v][1], 32);
    }
    // Lane 2j + 1: sum of group j's activations (for the mins); even lanes zero.
    float sums[16] = {};
    for (int j = 0; j < 8; ++j) sums[2 * j + 1] = static_cast<float>(y.bsums[2 * j] + y.bsums[2 * j + 1]);
    std::memcpy(out + kSumsOffset, sums, sizeof sums);
  }

  // Lane 2j: scale[j]; lane 2j + 1: min[j]. factors() holds what they are
  // multiplied by: d and dmin times the activation scale, in the same lanes.
  static __m512 scale_values(const Block& x) {
    // The 6-bit fields rearranged four at a time in 32-bit words (going
    // through a byte array here would stall on store forwarding), then
    // interleaved scale, min by one byte unpack: fewer shuffle-port moves
    // than four 32-bit inserts (GemvCached/Q4_K 344 -> 315 us, 1 thread).
    uint32_t w[3];
    std::memcpy(w, x.scales, sizeof w);
    constexpr uint32_t kLow6 = 0x3F3F3F3F, kLow4 = 0x0F0F0F0F, kLow2 = 0x03030303;
    const uint64_t scales = (w[0] & kLow6) | static_cast<uint64_t>((w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4)) << 32;
    const uint64_t mins =
        (w[1] & kLow6) | static_cast<uint64_t>(((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4)) << 32;
    const __m128i bytes = _mm_unpacklo_epi8(_mm_cvtsi64_si128(static_cast<long long>(scales)),
                                            _mm_cvtsi64_si128(static_cast<long long>(mins)));
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
  }
  static __m512 factors(const Block& x, float activation_scale) {
    // d and dmin are adjacent halves: one broadcast word gives [d, dmin] x 8.
    uint32_t d_dmin;
    std::memcpy(&d_dmin, &x.d, sizeof d_dmin);
    return _mm512_mul_ps(_mm512_cvtph_ps(_mm256_set1_epi32(static_cast<int>(d_dmin))), _mm512_set1_ps(activation_scale));
  }

  // The four 64-value vectors of weights (unsigned 0..15).
  static void unpack(const Block& x, __m512i* u) {
    const __m512i mask = _mm512_set1_epi8(0x0F);
    const __m512i q0 = load512(x.qs), q1 = load512(x.qs + 64);
    u[0] = _mm512_and_si512(q0, mask);
    u[1] = _mm512_and_si512(_mm512_srli_epi16(q0, 4), mask);
    u[2] = _mm512_and_si512(q1, mask);
    u[3] = _mm512_and_si512(_mm512_srli_epi16(q1, 4), mask);
  }

  static __m512i lane_groups(int v) {  // vector v's lanes 0-7 -> first group, 8-15 -> second
    return _mm512_inserti64x4(_mm512_set1_epi32(2 * kGroups[v][0]), _mm256_set1_epi32(2 * kGroups[v][1]), 1);
  }
};

// ---- Q6_K. Per 128-value half: ql[64] low 4 bits, qh[32] high 2 bits; value
// e of the half has group e/16, and the 64-byte ql load's low nibbles are
// values 0..63, its high nibbles 64..127, so the activation stays in order.

struct Q6_KFormat {
  using Block = BlockQ6_K;

  static void pack(const BlockQ8_K& y, uint8_t* out) {
    std::memcpy(out, y.qs, 256);
    // 32 * sum of group g (the weights are stored as u = q + 32).
    float sums[16];
    for (int g = 0; g < 16; ++g) sums[g] = 32.0f * static_cast<float>(y.bsums[g]);
    std::memcpy(out + kSumsOffset, sums, sizeof sums);
  }

  static __m512 scale_values(const Block& x) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales))));
  }
  static __m512 factors(const Block& x, float activation_scale) {
    return _mm512_set1_ps(half_to_float(x.d) * activation_scale);
  }

  static void unpack(const Block& x, __m512i* u) {
    const __m512i low = _mm512_set1_epi8(0x0F), high = _mm512_set1_epi8(0x30);
    for (int half = 0; half < 2; ++half) {
      const __m512i ql = load512(x.ql + 64 * half);
      const __m256i qh256 = load256(x.qh + 32 * half);
      const __m512i qh = join(qh256, _mm256_srli_epi16(qh256, 2));  // bits 0-1: values 0..31 | 32..63
      u[2 * half] = _mm512_or_si512(_mm512_and_si512(ql, low), _mm512_and_si512(_mm512_slli_epi16(qh, 4), high));
      u[2 * half + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low), _mm512_and_si512(qh, high));
    }
  }

  static __m512i lane_groups(int v) {  // 64 values = 4 groups of 16, 4 lanes each
    return _mm512_add_epi32(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), _mm512_set1_epi32(4 * v));
  }
};

template <typename Format>
void pack_activations(int64_t n, const void* q8k_row, void* packed) {
  const auto* y = static_cast<const BlockQ8_K*>(q8k_row);
  auto* out = static_cast<uint8_t*>(packed);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    uint8_t* block = out + b * kPackedBlockBytes;
    Format::pack(y[b], block);
    std::memcpy(block + kScaleOffset, &y[b].d, sizeof(float));
    std::memset(block + kScaleOffset + sizeof(float), 0, kPackedBlockBytes - kScaleOffset - sizeof(float));
  }
}

inline float activation_scale(const uint8_t* block) {
  float d;
  std::memcpy(&d, block + kScaleOffset, sizeof d);
  return d;
}

// One super-block of one token: acc += group-scaled products, offsets += the
// part to subtract (mins for Q4_K, 32 * scale * sums for Q6_K).
template <typename Format>
inline void block_step(const __m512i* u, const uint8_t* a, __m512 scales, __m512& acc, __m512& offsets) {
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    const __m512i lanes = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[v], load512(a + 64 * v));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lanes), _mm512_permutexvar_ps(Format::lane_groups(v), scales), acc);
  }
  offsets = _mm512_fmadd_ps(scales, _mm512_loadu_ps(reinterpret_cast<const float*>(a + kSumsOffset)), offsets);
}

template <typename Format>
float packed_dot(int64_t n, const void* weight_row, const void* packed) {
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const auto* a = static_cast<const uint8_t*>(packed);
  __m512 acc = _mm512_setzero_ps(), offsets = _mm512_setzero_ps();
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const uint8_t* block = a + b * kPackedBlockBytes;
    prefetch_weights_ahead(x + b, sizeof(typename Format::Block));
    __m512i u[4];
    Format::unpack(x[b], u);
    const __m512 scales = _mm512_mul_ps(Format::scale_values(x[b]), Format::factors(x[b], activation_scale(block)));
    block_step<Format>(u, block, scales, acc, offsets);
  }
  return _mm512_reduce_add_ps(acc) - _mm512_reduce_add_ps(offsets);
}

template <typename Format>
void packed_dot_tokens(int64_t n, const void* weight_row, const void* packed, uint64_t stride, float* out) {
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const uint8_t* a[kTileTokens];
  __m512 acc[kTileTokens], offsets[kTileTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) {
    a[k] = static_cast<const uint8_t*>(packed) + k * stride;
    acc[k] = offsets[k] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    __m512i u[4];
    Format::unpack(x[b], u);
    const __m512 values = Format::scale_values(x[b]);
#pragma GCC unroll 4
    for (int k = 0; k < kTileTokens; ++k) {
      const uint8_t* block = a[k] + b * kPackedBlockBytes;
      const __m512 scales = _mm512_mul_ps(values, Format::factors(x[b], activation_scale(block)));
      block_step<Format>(u, block, scales, acc[k], offsets[k]);
    }
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTileTokens; ++k) out[k] = _mm512_reduce_add_ps(acc[k]) - _mm512_reduce_add_ps(offsets[k]);
}

constexpr PackedKernel kQ4_K = {packed_bytes, pack_activations<Q4_KFormat>, packed_dot<Q4_KFormat>,
                                packed_dot_tokens<Q4_KFormat>};
constexpr PackedKernel kQ6_K = {packed_bytes, pack_activations<Q6_KFormat>, packed_dot<Q6_KFormat>,
                                packed_dot_tokens<Q6_KFormat>};

}  // namespace

const PackedKernel* avx512_packed_k_kernel(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_K: return &kQ4_K;
    case GgmlType::Q6_K: return &kQ6_K;
    default: return nullptr;
  }
}

}  // namespace pg::kernels::detail
