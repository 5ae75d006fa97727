// Reference ops of GGML's 32-element block types Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
// and Q8_1: dequantize_row_*, quantize_row_*_ref and the generic vec_dot_*
// of ggml-cpu, with the same operation order so results are bit-exact.
// Never reads or writes past the whole blocks that n covers.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/type_families.h"

namespace pg::quant::detail {
namespace {

constexpr int kHalf = 16;  // every type here packs two 16-element halves

int64_t block_count(int64_t n) { return n > 0 ? n / 32 : 0; }

// The 5th bits of a Q5 block: bit j of qh belongs to element j.
uint32_t load_qh(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  return bits;
}

// ---- Q4_0: d * (q - 8), q in 0..15

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int j = 0; j < kHalf; ++j) {
      const int x0 = (blocks[b].qs[j] & 0x0F) - 8;
      const int x1 = (blocks[b].qs[j] >> 4) - 8;
      dst[b * 32 + j] = x0 * d;
      dst[b * 32 + j + kHalf] = x1 * d;
    }
  }
}

void quantize_row_q4_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_0*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * 32;
    float amax = 0.0f, max = 0.0f;  // the value of largest magnitude, with its sign
    for (int j = 0; j < 32; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = fp32_to_fp16(d);
    for (int j = 0; j < kHalf; ++j) {
      const int q0 = std::min(15, static_cast<int>(trunc_to_int8(x[j] * id + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(trunc_to_int8(x[j + kHalf] * id + 8.5f)));
      blocks[b].qs[j] = static_cast<uint8_t>(static_cast<uint8_t>(q0) | (static_cast<uint8_t>(q1) << 4));
    }
  }
}

// ---- Q4_1: d * q + m, q in 0..15

void dequantize_row_q4_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_1*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    const float m = fp16_to_fp32(blocks[b].m);
    for (int j = 0; j < kHalf; ++j) {
      const int x0 = blocks[b].qs[j] & 0x0F;
      const int x1 = blocks[b].qs[j] >> 4;
      dst[b * 32 + j] = x0 * d + m;
      dst[b * 32 + j + kHalf] = x1 * d + m;
    }
  }
}

void quantize_row_q4_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_1*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * 32;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < 32; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = fp32_to_fp16(d);
    blocks[b].m = fp32_to_fp16(min);
    for (int j = 0; j < kHalf; ++j) {
      const int q0 = std::min(15, static_cast<int>(trunc_to_int8((x[j] - min) * id + 0.5f)));
      const int q1 = std::min(15, static_cast<int>(trunc_to_int8((x[j + kHalf] - min) * id + 0.5f)));
      blocks[b].qs[j] = static_cast<uint8_t>(static_cast<uint8_t>(q0) | (static_cast<uint8_t>(q1) << 4));
    }
  }
}

// ---- Q5_0: d * (q - 16), q in 0..31 (low 4 bits in qs, 5th bit in qh)

void dequantize_row_q5_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_0*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    const uint32_t qh = load_qh(blocks[b].qh);
    for (int j = 0; j < kHalf; ++j) {
      const int high0 = ((qh >> j) << 4) & 0x10;
      const int high1 = (qh >> (j + 12)) & 0x10;
      const int x0 = ((blocks[b].qs[j] & 0x0F) | high0) - 16;
      const int x1 = ((blocks[b].qs[j] >> 4) | high1) - 16;
      dst[b * 32 + j] = x0 * d;
      dst[b * 32 + j + kHalf] = x1 * d;
    }
  }
}

void quantize_row_q5_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ5_0*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * 32;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kHalf; ++j) {
      const auto q0 = static_cast<uint8_t>(std::min(31, static_cast<int>(trunc_to_int8(x[j] * id + 16.5f))));
      const auto q1 =
          static_cast<uint8_t>(std::min(31, static_cast<int>(trunc_to_int8(x[j + kHalf] * id + 16.5f))));
      blocks[b].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= ((q0 & 0x10u) >> 4) << j;
      qh |= ((q1 & 0x10u) >> 4) << (j + kHalf);
    }
    std::memcpy(blocks[b].qh, &qh, sizeof qh);
  }
}

// ---- Q5_1: d * q + m, q in 0..31

void dequantize_row_q5_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_1*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    const float m = fp16_to_fp32(blocks[b].m);
    const uint32_t qh = load_qh(blocks[b].qh);
    for (int j = 0; j < kHalf; ++j) {
      const int high0 = ((qh >> j) << 4) & 0x10;
      const int high1 = (qh >> (j + 12)) & 0x10;
      const int x0 = (blocks[b].qs[j] & 0x0F) | high0;
      const int x1 = (blocks[b].qs[j] >> 4) | high1;
      dst[b * 32 + j] = x0 * d + m;
      dst[b * 32 + j + kHalf] = x1 * d + m;
    }
  }
}

void quantize_row_q5_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ5_1*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * 32;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < 32; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 31;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = fp32_to_fp16(d);
    blocks[b].m = fp32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kHalf; ++j) {
      const uint8_t q0 = trunc_to_uint8((x[j] - min) * id + 0.5f);
      const uint8_t q1 = trunc_to_uint8((x[j + kHalf] - min) * id + 0.5f);
      blocks[b].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= ((q0 & 0x10u) >> 4) << j;
      qh |= ((q1 & 0x10u) >> 4) << (j + kHalf);
    }
    std::memcpy(blocks[b].qh, &qh, sizeof qh);
  }
}

// ---- Q8_0: d * q, q in -127..127, d = amax / 127

void dequantize_row_q8_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int j = 0; j < 32; ++j) dst[b * 32 + j] = blocks[b].qs[j] * d;
  }
}

// amax / 127 and its inverse, computed as GGML does (MAX(a, b) is a > b ? a : b).
float q8_block_scale(const float* x) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) {
    const float ax = std::fabs(x[j]);
    amax = amax > ax ? amax : ax;
  }
  return amax / 127;
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * 32;
    const float d = q8_block_scale(x);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = fp32_to_fp16(d);
    for (int j = 0; j < 32; ++j) blocks[b].qs[j] = trunc_to_int8(std::round(x[j] * id));
  }
}

// ---- Q8_1: Q8_0 plus s = d * sum(q), the term Q4_1/Q5_1 dot products need for m

void dequantize_row_q8_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_1*>(src);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int j = 0; j < 32; ++j) dst[b * 32 + j] = blocks[b].qs[j] * d;
  }
}

void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < block_count(n); ++b) {
    const float* x = src + b * 32;
    const float d = q8_block_scale(x);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].d = fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kHalf; ++j) {
      blocks[b].qs[j] = trunc_to_int8(std::round(x[j] * id));
      blocks[b].qs[j + kHalf] = trunc_to_int8(std::round(x[j + kHalf] * id));
      sum += blocks[b].qs[j];
      sum += blocks[b].qs[j + kHalf];
    }
    blocks[b].s = fp32_to_fp16(sum * d);
  }
}

// ---- dot products (weight row . activation row), as ggml_vec_dot_*_generic

float vec_dot_q4_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ4_0*>(weight_row);
  const auto* y = static_cast<const BlockQ8_0*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    int sum0 = 0, sum1 = 0;
    for (int j = 0; j < kHalf; ++j) {
      sum0 += ((x[b].qs[j] & 0x0F) - 8) * y[b].qs[j];
      sum1 += ((x[b].qs[j] >> 4) - 8) * y[b].qs[j + kHalf];
    }
    const int sumi = sum0 + sum1;
    sum += sumi * fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d);
  }
  return sum;
}

float vec_dot_q4_1_q8_1(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ4_1*>(weight_row);
  const auto* y = static_cast<const BlockQ8_1*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    int sum0 = 0, sum1 = 0;
    for (int j = 0; j < kHalf; ++j) {
      sum0 += (x[b].qs[j] & 0x0F) * y[b].qs[j];
      sum1 += (x[b].qs[j] >> 4) * y[b].qs[j + kHalf];
    }
    const int sumi = sum0 + sum1;
    sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * sumi +
           fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
  }
  return sum;
}

float vec_dot_q5_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ5_0*>(weight_row);
  const auto* y = static_cast<const BlockQ8_0*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    const uint32_t qh = load_qh(x[b].qh);
    int sum0 = 0, sum1 = 0;
    for (int j = 0; j < kHalf; ++j) {
      const int high0 = ((qh >> j) << 4) & 0x10;
      const int high1 = (qh >> (j + 12)) & 0x10;
      sum0 += (((x[b].qs[j] & 0x0F) | high0) - 16) * y[b].qs[j];
      sum1 += (((x[b].qs[j] >> 4) | high1) - 16) * y[b].qs[j + kHalf];
    }
    const int sumi = sum0 + sum1;
    sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * sumi;
  }
  return sum;
}

float vec_dot_q5_1_q8_1(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ5_1*>(weight_row);
  const auto* y = static_cast<const BlockQ8_1*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    const uint32_t qh = load_qh(x[b].qh);
    int sum0 = 0, sum1 = 0;
    for (int j = 0; j < kHalf; ++j) {
      const int high0 = ((qh >> j) << 4) & 0x10;
      const int high1 = (qh >> (j + 12)) & 0x10;
      sum0 += ((x[b].qs[j] & 0x0F) | high0) * y[b].qs[j];
      sum1 += ((x[b].qs[j] >> 4) | high1) * y[b].qs[j + kHalf];
    }
    const int sumi = sum0 + sum1;
    sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * sumi +
           fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
  }
  return sum;
}

float vec_dot_q8_0_q8_0(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ8_0*>(weight_row);
  const auto* y = static_cast<const BlockQ8_0*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count(n); ++b) {
    int sumi = 0;
    for (int j = 0; j < 32; ++j) sumi += x[b].qs[j] * y[b].qs[j];
    sum += sumi * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
  }
  return sum;
}

constexpr TypeOps kQ4_0{dequantize_row_q4_0, quantize_row_q4_0, GgmlType::Q8_0, vec_dot_q4_0_q8_0,
                        quantize_row_q4_0};
constexpr TypeOps kQ4_1{dequantize_row_q4_1, quantize_row_q4_1, GgmlType::Q8_1, vec_dot_q4_1_q8_1,
                        quantize_row_q4_1};
constexpr TypeOps kQ5_0{dequantize_row_q5_0, quantize_row_q5_0, GgmlType::Q8_0, vec_dot_q5_0_q8_0,
                        quantize_row_q5_0};
constexpr TypeOps kQ5_1{dequantize_row_q5_1, quantize_row_q5_1, GgmlType::Q8_1, vec_dot_q5_1_q8_1,
                        quantize_row_q5_1};
constexpr TypeOps kQ8_0{dequantize_row_q8_0, quantize_row_q8_0, GgmlType::Q8_0, vec_dot_q8_0_q8_0,
                        quantize_row_q8_0};
// GGML has no Q8_1 weights: no dot product, only the activation conversion.
constexpr TypeOps kQ8_1{dequantize_row_q8_1, quantize_row_q8_1, GgmlType::Q8_1, nullptr, quantize_row_q8_1};

}  // namespace

const TypeOps* legacy_quant_ops(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return &kQ4_0;
    case GgmlType::Q4_1: return &kQ4_1;
    case GgmlType::Q5_0: return &kQ5_0;
    case GgmlType::Q5_1: return &kQ5_1;
    case GgmlType::Q8_0: return &kQ8_0;
    case GgmlType::Q8_1: return &kQ8_1;
    default: return nullptr;
  }
}

}  // namespace pg::quant::detail
