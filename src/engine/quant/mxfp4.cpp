// Reference ops of GGML's MXFP4 (type 39, gpt-oss expert weights): blocks of 32
// values, one E8M0 exponent byte and 32 4-bit E2M1 codes; value = table[code] *
// 2^(e - 128) with the doubled table of mxfp4_format.h. dequantize_row_mxfp4,
// quantize_row_mxfp4_ref (which quantize_mxfp4, llama-quantize's writer, calls
// unchanged) and the generic vec_dot_mxfp4_q8_0, with GGML's operation order.
// Never reads or writes past the whole blocks that n covers, and never has
// undefined behaviour on hostile input (NaN, infinities, any exponent byte).
#include <cmath>
#include <cstdint>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/mxfp4_format.h"
#include "engine/quant/type_families.h"
#include "engine/tensor/type_table.h"

namespace pg::quant::detail {
namespace {

int64_t block_count(int64_t n) { return n > 0 ? n / kQK_MXFP4 : 0; }

// GGML's exponent byte for a block whose largest magnitude is amax:
// (uint8_t)(floorf(log2f(amax)) - 2 + 127), 0 when amax is 0. For finite amax
// the float lies in [-24, 252] and the cast keeps its low byte, as x86 code
// compiled from GGML's C does (cvttss2si, then the low byte); an infinite amax
// converts to x86's "integer indefinite" 0x80000000, whose low byte is 0.
uint8_t exponent_for(float amax) {
  if (!(amax > 0.0f)) return 0;
  const float e = std::floor(std::log2(amax)) - 2 + 127;
  if (!std::isfinite(e)) return 0;
  return static_cast<uint8_t>(static_cast<int32_t>(e));
}

// GGML's best_index_mxfp4: the first code whose level * d is nearest to x
// (a NaN x keeps code 0). level * d is exact: d is a power of two.
uint8_t best_code(float x, float d) {
  int best = 0;
  float best_err = std::fabs(kMxfp4Values[0] * d - x);
  for (int i = 1; i < 16; ++i) {
    const float err = std::fabs(kMxfp4Values[i] * d - x);
    if (err < best_err) {
      best = i;
      best_err = err;
    }
  }
  return static_cast<uint8_t>(best);
}

void dequantize_row(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockMXFP4*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = e8m0_to_fp32_half(blocks[b].e);
    float* y = dst + b * kQK_MXFP4;
    for (int j = 0; j < kQK_MXFP4 / 2; ++j) {
      y[j] = kMxfp4Values[blocks[b].qs[j] & 0xF] * d;
      y[j + kQK_MXFP4 / 2] = kMxfp4Values[blocks[b].qs[j] >> 4] * d;
    }
  }
}

void quantize_row(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockMXFP4*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * kQK_MXFP4;
    float amax = 0.0f;
    for (int j = 0; j < kQK_MXFP4; ++j) {
      if (amax < std::fabs(x[j])) amax = std::fabs(x[j]);
    }
    const uint8_t e = exponent_for(amax);
    const float d = e8m0_to_fp32_half(e);
    blocks[b].e = e;
    for (int j = 0; j < kQK_MXFP4 / 2; ++j) {
      const uint8_t low = best_code(x[j], d);
      const uint8_t high = best_code(x[j + kQK_MXFP4 / 2], d);
      blocks[b].qs[j] = static_cast<uint8_t>(low | (high << 4));
    }
  }
}

// GGML's vec_dot_mxfp4_q8_0: per block, fp16(dy) * e8m0_half(e) times the
// exact integer sum of the low-nibble and high-nibble halves.
float vec_dot(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockMXFP4*>(weight_row);
  const auto* y = static_cast<const BlockQ8_0*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(y[b].d) * e8m0_to_fp32_half(x[b].e);
    int sum1 = 0, sum2 = 0;
    for (int j = 0; j < kQK_MXFP4 / 2; ++j) {
      sum1 += y[b].qs[j] * kMxfp4Values[x[b].qs[j] & 0xF];
      sum2 += y[b].qs[j + kQK_MXFP4 / 2] * kMxfp4Values[x[b].qs[j] >> 4];
    }
    sum += d * static_cast<float>(sum1 + sum2);
  }
  return sum;
}

// quantize_mxfp4 ignores importance weights and calls the reference quantizer,
// so the file quantizer is the same function.
constexpr TypeEntry<TypeOps> kMxfp4Ops[] = {
    {GgmlType::MXFP4, {dequantize_row, quantize_row, GgmlType::Q8_0, vec_dot, quantize_row}},
};

}  // namespace

const TypeOps* mxfp4_ops(GgmlType type) { return find_type_entry(kMxfp4Ops, type); }

}  // namespace pg::quant::detail
