// Reference ops of GGML's 32-element block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
// and Q8_1: dequantize_row_*, quantize_row_*_ref and the generic vec_dot_*
// of ggml-cpu, with the same operation order so results are bit-exact. One
// template per operation; a format struct says what the types differ in.
// Never reads or writes past the whole blocks that n covers.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/type_families.h"
#include "engine/tensor/type_table.h"

namespace pg::quant::detail {
namespace {

constexpr int kBlock = 32;
constexpr int kHalf = 16;  // the nibble types pack elements j and j + 16 in byte j

int64_t block_count(int64_t n) { return n > 0 ? n / kBlock : 0; }

// ---- Formats. kBits: 4 or 5 (a nibble plus a 5th bit in qh) or 8 (int8
// values). Symmetric types store value = d * (q - kOffset), min types
// value = d * q + m. kClampCodes: the quantizer clamps codes to 2^kBits - 1
// (all but GGML's quantize_row_q5_1_ref do). kScaleEach: the dot product
// multiplies a block's integer sum by dx and then by dy (GGML's Q4_0 kernel)
// instead of by dx * dy.

template <typename BlockType, GgmlType kTypeValue, GgmlType kVecDotTypeValue, int kBitsValue, int kOffsetValue,
          bool kHasMinValue, bool kClampCodesValue, bool kScaleEachValue>
struct LegacyFormat {
  using Block = BlockType;
  using Activation = std::conditional_t<kVecDotTypeValue == GgmlType::Q8_1, BlockQ8_1, BlockQ8_0>;
  static constexpr GgmlType kType = kTypeValue, kVecDotType = kVecDotTypeValue;
  static constexpr int kBits = kBitsValue, kOffset = kOffsetValue, kMaxCode = (1 << kBits) - 1;
  static constexpr bool kHasMin = kHasMinValue, kClampCodes = kClampCodesValue, kScaleEach = kScaleEachValue;
};

using Q4_0Format = LegacyFormat<BlockQ4_0, GgmlType::Q4_0, GgmlType::Q8_0, 4, 8, false, true, true>;
using Q4_1Format = LegacyFormat<BlockQ4_1, GgmlType::Q4_1, GgmlType::Q8_1, 4, 0, true, true, false>;
using Q5_0Format = LegacyFormat<BlockQ5_0, GgmlType::Q5_0, GgmlType::Q8_0, 5, 16, false, true, false>;
using Q5_1Format = LegacyFormat<BlockQ5_1, GgmlType::Q5_1, GgmlType::Q8_1, 5, 0, true, false, false>;
using Q8_0Format = LegacyFormat<BlockQ8_0, GgmlType::Q8_0, GgmlType::Q8_0, 8, 0, false, true, false>;
// Q8_0 plus s = d * sum(q), the term Q4_1/Q5_1 dot products need for m. GGML
// has no Q8_1 weights: no dot product, only the activation conversion.
using Q8_1Format = LegacyFormat<BlockQ8_1, GgmlType::Q8_1, GgmlType::Q8_1, 8, 0, false, true, false>;

// A block's share of the dot product from its integer sum; min types add
// m * s, where s = dy * sum(activations) comes with the Q8_1 block.
template <typename Format>
float scale_sum(int sumi, const typename Format::Block& x, const typename Format::Activation& y) {
  const float dx = fp16_to_fp32(x.d), dy = fp16_to_fp32(y.d);
  if constexpr (Format::kScaleEach) return sumi * dx * dy;
  if constexpr (Format::kHasMin) return (dx * dy) * sumi + fp16_to_fp32(x.m) * fp16_to_fp32(y.s);
  return (dx * dy) * sumi;
}

// ---- Decoding: the 32 integers q - kOffset of a block, in element order.

template <typename Format>
void decode_block(const typename Format::Block& block, int (&q)[kBlock]) {
  if constexpr (Format::kBits == 8) {
    for (int j = 0; j < kBlock; ++j) q[j] = block.qs[j];
  } else {
    uint32_t qh = 0;  // bit j: the 5th bit of element j
    if constexpr (Format::kBits == 5) std::memcpy(&qh, block.qh, sizeof qh);
    for (int j = 0; j < kHalf; ++j) {
      int low = block.qs[j] & 0x0F, high = block.qs[j] >> 4;
      if constexpr (Format::kBits == 5) {
        low |= ((qh >> j) << 4) & 0x10;
        high |= (qh >> (j + 12)) & 0x10;
      }
      q[j] = low - Format::kOffset;
      q[j + kHalf] = high - Format::kOffset;
    }
  }
}

template <typename Format>
void dequantize_row(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const typename Format::Block*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    int q[kBlock];
    decode_block<Format>(blocks[b], q);
    const float d = fp16_to_fp32(blocks[b].d);
    if constexpr (Format::kHasMin) {
      const float m = fp16_to_fp32(blocks[b].m);
      for (int j = 0; j < kBlock; ++j) dst[b * kBlock + j] = q[j] * d + m;
    } else {
      for (int j = 0; j < kBlock; ++j) dst[b * kBlock + j] = q[j] * d;
    }
  }
}

// Weight row . activation row, as ggml_vec_dot_*_generic.
template <typename Format>
float vec_dot(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const auto* y = static_cast<const typename Format::Activation*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    int q[kBlock];
    decode_block<Format>(x[b], q);
    int sumi = 0;
    for (int j = 0; j < kBlock; ++j) sumi += q[j] * y[b].qs[j];
    sum += scale_sum<Format>(sumi, x[b], y[b]);
  }
  return sum;
}

// ---- Quantizing the 4- and 5-bit types: codes q = (x - base) * id + bias,
// truncated like C's (int8_t) cast and, unless the format says otherwise,
// clamped to kMaxCode; base and bias come from the block's range.

struct BlockRange {
  float d;     // the scale stored in the block
  float base;  // subtracted from each value: the min, or 0 for symmetric types
  float bias;  // added before truncation: 0.5 (rounding), plus kOffset if symmetric
};

template <typename Format>
BlockRange block_range(const float* x, typename Format::Block& block) {
  if constexpr (Format::kHasMin) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kBlock; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    block.m = fp32_to_fp16(min);
    return {(max - min) / Format::kMaxCode, min, 0.5f};
  } else {
    return {max_by_magnitude(x, kBlock) / -Format::kOffset, 0.0f, Format::kOffset + 0.5f};
  }
}

template <typename Format>
uint8_t code(float scaled) {
  if constexpr (Format::kClampCodes) {
    return static_cast<uint8_t>(std::min(Format::kMaxCode, static_cast<int>(trunc_to_int8(scaled))));
  } else {
    return trunc_to_uint8(scaled);
  }
}

template <typename Format>
void quantize_nibble_block(const float* x, typename Format::Block& block) {
  const BlockRange range = block_range<Format>(x, block);
  const float id = range.d != 0.0f ? 1.0f / range.d : 0.0f;
  block.d = fp32_to_fp16(range.d);
  uint32_t qh = 0;
  for (int j = 0; j < kHalf; ++j) {
    const uint8_t q0 = code<Format>((x[j] - range.base) * id + range.bias);
    const uint8_t q1 = code<Format>((x[j + kHalf] - range.base) * id + range.bias);
    if constexpr (Format::kBits == 4) {
      block.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    } else {
      block.qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= ((q0 & 0x10u) >> 4) << j;
      qh |= ((q1 & 0x10u) >> 4) << (j + kHalf);
    }
  }
  if constexpr (Format::kBits == 5) std::memcpy(block.qh, &qh, sizeof qh);
}

// Q8_0 / Q8_1 with d = amax / 127 (MAX(a, b) is a > b ? a : b); Q8_1 also
// stores s = d * sum(q). Two roundings exist in GGML and both are needed:
// files (quantize_row_*_ref, llama-quantize) take q = round(x · (1/d)), half
// away from zero; activations on x86 (ggml-cpu's quantize_row_q8_0/_q8_1,
// what llama.cpp multiplies every Q8_0/Q8_1-type weight with) take
// q = x · (127/amax) rounded half to even.
template <typename Format, bool kActivation>
void quantize_int8_block(const float* x, typename Format::Block& block) {
  float amax = 0.0f;
  for (int j = 0; j < kBlock; ++j) {
    const float ax = std::fabs(x[j]);
    amax = amax > ax ? amax : ax;
  }
  const float d = amax / 127;
  block.d = fp32_to_fp16(d);
  int sum = 0;
  if constexpr (kActivation) {
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < kBlock; ++j) {
      block.qs[j] = trunc_to_int8(std::nearbyint(x[j] * id));
      sum += block.qs[j];
    }
  } else {
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < kBlock; ++j) {
      block.qs[j] = trunc_to_int8(std::round(x[j] * id));
      sum += block.qs[j];
    }
  }
  if constexpr (Format::kType == GgmlType::Q8_1) block.s = fp32_to_fp16(sum * d);
}

template <typename Format, bool kActivation>
void quantize_row(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<typename Format::Block*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    if constexpr (Format::kBits == 8) {
      quantize_int8_block<Format, kActivation>(src + b * kBlock, blocks[b]);
    } else {
      quantize_nibble_block<Format>(src + b * kBlock, blocks[b]);
    }
  }
}

template <typename Format>
constexpr TypeEntry<TypeOps> ops_entry() {
  TypeOps ops{dequantize_row<Format>, quantize_row<Format, true>, Format::kType, nullptr,
              quantize_row<Format, false>};
  if constexpr (Format::kType != GgmlType::Q8_1) {
    ops.vec_dot_type = Format::kVecDotType;
    ops.vec_dot = vec_dot<Format>;
  }
  return {Format::kType, ops};
}

constexpr TypeEntry<TypeOps> kLegacyOps[] = {
    ops_entry<Q4_0Format>(), ops_entry<Q4_1Format>(), ops_entry<Q5_0Format>(),
    ops_entry<Q5_1Format>(), ops_entry<Q8_0Format>(), ops_entry<Q8_1Format>(),
};

}  // namespace

const TypeOps* legacy_quant_ops(GgmlType type) { return find_type_entry(kLegacyOps, type); }

}  // namespace pg::quant::detail
