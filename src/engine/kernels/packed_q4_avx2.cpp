// AVX2 packed-activation kernel for Q4_0 weights (row_dot.h PackedKernel): each
// Q8_0 activation block is packed once per token with its scale as a float and
// -8 x the sum of each 4-value lane group, so a weight block's nibbles are
// multiplied as they are, unsigned (0..15), without the sign operations of the
// row kernel: lane j = sum q*a - 8 * sum a = sum (q - 8) * a, the row kernel's
// exact integer, then the row kernel's float steps in its order. Every output
// therefore equals avx2_row_dot(Q4_0)'s bit for bit (tested), with about 40 %
// fewer instructions per block on the generation path, where this kernel is
// compute-bound. Built with AVX2 flags (AVX-VNNI only in the kVnni instances):
// nothing here may run before kernel_path_supported(Avx2) (Avx2Vnni).
#include <cstring>

#include "engine/kernels/int8_dot_avx2.h"
#include "engine/kernels/row_dot.h"
#include "engine/kernels/simd_basics.h"
#include "engine/quant/blocks.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

// One packed activation block: the Q8_0 values, the lane corrections and the scale.
struct PackedBlock {
  int8_t qs[32];
  int32_t correction[8];  // -8 x (a[4j] + a[4j+1] + a[4j+2] + a[4j+3])
  float scale;            // the Q8_0 block's fp16 scale as a float
};
static_assert(sizeof(PackedBlock) == 68);

uint64_t packed_bytes(int64_t n) { return static_cast<uint64_t>(n / 32) * sizeof(PackedBlock); }

void pack(int64_t n, const void* q8_row, void* packed) {
  const auto* y = static_cast<const BlockQ8_0*>(q8_row);
  auto* out = static_cast<PackedBlock*>(packed);
  for (int64_t b = 0; b < n / 32; ++b) {
    PackedBlock block;
    std::memcpy(block.qs, y[b].qs, 32);
    for (int j = 0; j < 8; ++j) {
      block.correction[j] = -8 * (y[b].qs[4 * j] + y[b].qs[4 * j + 1] + y[b].qs[4 * j + 2] + y[b].qs[4 * j + 3]);
    }
    block.scale = half_to_float(y[b].d);
    std::memcpy(out + b, &block, sizeof block);
  }
}

// The 32 nibbles of a Q4_0 block as unsigned bytes, in element order.
inline __m256i nibbles(const BlockQ4_0& block) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block.qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
}

template <bool kVnni>
inline __m256i block_sums(__m256i q, const PackedBlock& y) {
  const __m256i a = load256(y.qs), correction = load256(y.correction);
  if constexpr (kVnni) {
    return _mm256_dpbusd_avx_epi32(correction, q, a);
  } else {
    return _mm256_add_epi32(dot_unsigned_signed<false>(q, a), correction);
  }
}

template <bool kVnni>
inline __m256 add_block(__m256i q, float weight_scale, const PackedBlock& y, __m256 acc) {
  const __m256 scale = _mm256_set1_ps(weight_scale * y.scale);
  return _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(block_sums<kVnni>(q, y)), acc);
}

// The row kernel's structure (row_dot_avx2.cpp dot_tokens_x_q8_0): two
// accumulators per token take alternate blocks, summed at the end.
template <bool kVnni, int kTokens = kTileTokens>
void dot_tokens(int64_t n, const void* weight_row, const void* activations, uint64_t stride, float* out) {
  const auto* x = static_cast<const BlockQ4_0*>(weight_row);
  const PackedBlock* y[kTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) {
    y[k] = reinterpret_cast<const PackedBlock*>(static_cast<const uint8_t*>(activations) + k * stride);
  }
  const int64_t blocks = n / 32;
  __m256 acc0[kTokens], acc1[kTokens];
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) acc0[k] = acc1[k] = _mm256_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    if constexpr (kTokens == 1) prefetch_weights_ahead(x + b, 2 * sizeof(BlockQ4_0));
    const __m256i q0 = nibbles(x[b]), q1 = nibbles(x[b + 1]);
    const float d0 = half_to_float(x[b].d), d1 = half_to_float(x[b + 1].d);
#pragma GCC unroll 4
    for (int k = 0; k < kTokens; ++k) {
      acc0[k] = add_block<kVnni>(q0, d0, y[k][b], acc0[k]);
      acc1[k] = add_block<kVnni>(q1, d1, y[k][b + 1], acc1[k]);
    }
  }
  if (b < blocks) {
    const __m256i q0 = nibbles(x[b]);
    const float d0 = half_to_float(x[b].d);
#pragma GCC unroll 4
    for (int k = 0; k < kTokens; ++k) acc0[k] = add_block<kVnni>(q0, d0, y[k][b], acc0[k]);
  }
#pragma GCC unroll 4
  for (int k = 0; k < kTokens; ++k) out[k] = horizontal_sum(_mm256_add_ps(acc0[k], acc1[k]));
}

template <bool kVnni>
float dot(int64_t n, const void* weight_row, const void* packed) {
  float out;
  dot_tokens<kVnni, 1>(n, weight_row, packed, 0, &out);
  return out;
}

constexpr PackedKernel kQ4_0 = {packed_bytes, pack, dot<false>, dot_tokens<false>};
constexpr PackedKernel kQ4_0Vnni = {packed_bytes, pack, dot<true>, dot_tokens<true>};

}  // namespace

const PackedKernel* avx2_packed_kernel(GgmlType type, bool avx_vnni) {
  if (type != GgmlType::Q4_0) return nullptr;
  return avx_vnni ? &kQ4_0Vnni : &kQ4_0;
}

}  // namespace pg::kernels::detail
