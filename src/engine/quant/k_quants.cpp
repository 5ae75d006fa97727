// Reference ops of GGML's 256-element super-block types Q2_K..Q6_K and the Q8_K
// activation format: dequantize_row_*, quantize_row_q8_K_ref and the generic
// ggml_vec_dot_*_q8_K, with GGML's operation order so results are bit-exact.
// The K-type quantizers live in k_quantizers.cpp. Never reads or writes past
// the whole super-blocks that n covers.
#include <cmath>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/type_families.h"

namespace pg::quant::detail {
namespace {

int64_t super_block_count(int64_t n) { return n > 0 ? n / kQK_K : 0; }

// ---- Q2_K: 16 groups of 16; value = d*scale*q - dmin*min, q in 0..3

void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ2_K*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    const float dmin = fp16_to_fp32(blocks[b].dmin);
    const uint8_t* q = blocks[b].qs;
    int group = 0;
    for (int half = 0; half < kQK_K; half += 128) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part) {  // two groups of 16 share each 32 bytes of qs
          const uint8_t sc = blocks[b].scales[group++];
          const float dl = d * (sc & 0xF);
          const float ml = dmin * (sc >> 4);
          for (int l = 0; l < 16; ++l) *y++ = dl * ((q[l + 16 * part] >> shift) & 3) - ml;
        }
      }
      q += 32;
    }
  }
}

// ---- Q3_K: 16 groups of 16; value = d*(scale-32)*(q - 4*!hbit), q low 2 bits

void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ3_K*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const float d_all = fp16_to_fp32(blocks[b].d);
    int8_t scales[16];
    unpack_q3_k_scales(blocks[b].scales, scales);
    const uint8_t* q = blocks[b].qs;
    const uint8_t* hm = blocks[b].hmask;
    uint8_t mask = 1;
    int group = 0;
    for (int half = 0; half < kQK_K; half += 128) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part) {
          const float dl = d_all * (scales[group++] - 32);
          for (int l = 16 * part; l < 16 * part + 16; ++l) {
            *y++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & mask) ? 0 : 4));
          }
        }
        mask = static_cast<uint8_t>(mask << 1);
      }
      q += 32;
    }
  }
}

// ---- Q4_K: 8 groups of 32; value = d*scale*q - dmin*min, q in 0..15

void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const uint8_t* q = blocks[b].qs;
    const float d = fp16_to_fp32(blocks[b].d);
    const float dmin = fp16_to_fp32(blocks[b].dmin);
    for (int group = 0; group < 8; group += 2) {
      uint8_t sc, m;
      get_scale_min_k4(group, blocks[b].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      get_scale_min_k4(group + 1, blocks[b].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
      q += 32;
    }
  }
}

// ---- Q5_K: Q4_K plus a 5th bit per value in qh

void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_K*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const uint8_t* ql = blocks[b].qs;
    const uint8_t* qh = blocks[b].qh;
    const float d = fp16_to_fp32(blocks[b].d);
    const float dmin = fp16_to_fp32(blocks[b].dmin);
    uint8_t u1 = 1, u2 = 2;
    for (int group = 0; group < 8; group += 2) {
      uint8_t sc, m;
      get_scale_min_k4(group, blocks[b].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      get_scale_min_k4(group + 1, blocks[b].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      ql += 32;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

// ---- Q6_K: 16 groups of 16; value = d*scale*(q-32), q 6 bits (4 in ql, 2 in qh)

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    const uint8_t* ql = blocks[b].ql;
    const uint8_t* qh = blocks[b].qh;
    const int8_t* sc = blocks[b].scales;
    for (int half = 0; half < kQK_K; half += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is + 0] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

// ---- Q8_K: float d, 256 int8 values, and the sums of each group of 16

void dequantize_row_q8_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const float d = blocks[b].d;
    for (int j = 0; j < kQK_K; ++j) *y++ = d * blocks[b].qs[j];
  }
}

void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  const float* x = src;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    float max = 0, amax = 0;
    for (int j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      blocks[b].d = 0;
      std::memset(blocks[b].qs, 0, sizeof blocks[b].qs);
      // GGML leaves bsums untouched here; zero them so the output is deterministic.
      std::memset(blocks[b].bsums, 0, sizeof blocks[b].bsums);
      continue;
    }
    // -127 (not -128) keeps the value range symmetric, as GGML chose for IQ2 kernels.
    const float iscale = -127.f / max;
    for (int j = 0; j < kQK_K; ++j) {
      const int v = nearest_int(iscale * x[j]);
      blocks[b].qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += blocks[b].qs[g * 16 + l];
      blocks[b].bsums[g] = static_cast<int16_t>(sum);
    }
    blocks[b].d = 1 / iscale;
  }
}

// ---- dot products with Q8_K activations, as ggml_vec_dot_*_q8_K_generic

float vec_dot_q2_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ2_K*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    const uint8_t* q2 = x[b].qs;
    const int8_t* q8 = y[b].qs;
    const uint8_t* sc = x[b].scales;
    int sum_mins = 0;
    for (int g = 0; g < 16; ++g) sum_mins += y[b].bsums[g] * (sc[g] >> 4);
    const float dall = y[b].d * fp16_to_fp32(x[b].d);
    const float dmin = y[b].d * fp16_to_fp32(x[b].dmin);
    int isum = 0;
    int group = 0;
    for (int half = 0; half < kQK_K / 128; ++half) {
      for (int shift = 0; shift < 8; shift += 2) {
        int scale = sc[group++] & 0xF;
        int part_sum = 0;
        for (int l = 0; l < 16; ++l) part_sum += q8[l] * ((q2[l] >> shift) & 3);
        isum += scale * part_sum;
        scale = sc[group++] & 0xF;
        part_sum = 0;
        for (int l = 16; l < 32; ++l) part_sum += q8[l] * ((q2[l] >> shift) & 3);
        isum += scale * part_sum;
        q8 += 32;
      }
      q2 += 32;
    }
    sum += dall * isum - dmin * sum_mins;
  }
  return sum;
}

// Shared tail of the Q3_K/Q6_K (signed values, 16 groups of 16) dot products:
// GGML accumulates in 8 integer lanes per block and 8 float lanes overall.
void accumulate_groups_of_16(const int8_t* values, const int8_t* q8, const int* group_scales,
                             int32_t lanes[8]) {
  for (int g = 0; g < kQK_K / 16; ++g) {
    for (int part = 0; part < 2; ++part) {
      for (int l = 0; l < 8; ++l) {
        const auto product = static_cast<int16_t>(q8[l] * values[l]);
        lanes[l] += group_scales[g] * product;
      }
      q8 += 8;
      values += 8;
    }
  }
}

float vec_dot_q3_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ3_K*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  float lane_sums[8] = {};
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    int8_t values[kQK_K];
    const uint8_t* q3 = x[b].qs;
    const uint8_t* hm = x[b].hmask;
    int8_t* a = values;
    uint8_t mask = 1;
    for (int half = 0; half < kQK_K; half += 128) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int l = 0; l < 32; ++l) {
          a[l] = static_cast<int8_t>(((q3[l] >> shift) & 3) - ((hm[l] & mask) ? 0 : 4));
        }
        a += 32;
        mask = static_cast<uint8_t>(mask << 1);
      }
      q3 += 32;
    }
    int8_t packed_scales[16];
    unpack_q3_k_scales(x[b].scales, packed_scales);
    int scales[16];
    for (int g = 0; g < 16; ++g) scales[g] = packed_scales[g] - 32;
    int32_t lanes[8] = {};
    accumulate_groups_of_16(values, y[b].qs, scales, lanes);
    const float d = fp16_to_fp32(x[b].d) * y[b].d;
    for (int l = 0; l < 8; ++l) lane_sums[l] += d * lanes[l];
  }
  float sum = 0;
  for (int l = 0; l < 8; ++l) sum += lane_sums[l];
  return sum;
}

float vec_dot_q6_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ6_K*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  float lane_sums[8] = {};
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    int8_t values[kQK_K];
    const uint8_t* ql = x[b].ql;
    const uint8_t* qh = x[b].qh;
    int8_t* a = values;
    for (int half = 0; half < kQK_K; half += 128) {
      for (int l = 0; l < 32; ++l) {
        a[l] = static_cast<int8_t>(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        a[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        a[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        a[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
      a += 128;
      ql += 64;
      qh += 32;
    }
    int scales[16];
    for (int g = 0; g < 16; ++g) scales[g] = x[b].scales[g];
    int32_t lanes[8] = {};
    accumulate_groups_of_16(values, y[b].qs, scales, lanes);
    const float d = fp16_to_fp32(x[b].d) * y[b].d;
    for (int l = 0; l < 8; ++l) lane_sums[l] += d * lanes[l];
  }
  float sum = 0;
  for (int l = 0; l < 8; ++l) sum += lane_sums[l];
  return sum;
}

// Q4_K and Q5_K share everything but how a value is unpacked.
template <typename Block, bool kHasHighBit>
float vec_dot_qx_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const Block*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  float lane_sums[8] = {};
  float sum = 0;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    int8_t values[kQK_K];
    const uint8_t* q4 = x[b].qs;
    int8_t* a = values;
    for (int pair = 0; pair < kQK_K / 64; ++pair) {
      for (int l = 0; l < 32; ++l) a[l] = static_cast<int8_t>(q4[l] & 0xF);
      for (int l = 0; l < 32; ++l) a[l + 32] = static_cast<int8_t>(q4[l] >> 4);
      if constexpr (kHasHighBit) {
        const uint8_t* qh = x[b].qh;
        const auto m1 = static_cast<uint8_t>(1u << (2 * pair));
        const auto m2 = static_cast<uint8_t>(2u << (2 * pair));
        for (int l = 0; l < 32; ++l) a[l] = static_cast<int8_t>(a[l] + ((qh[l] & m1) ? 16 : 0));
        for (int l = 0; l < 32; ++l) a[l + 32] = static_cast<int8_t>(a[l + 32] + ((qh[l] & m2) ? 16 : 0));
      }
      a += 64;
      q4 += 32;
    }
    uint8_t scales[8], mins[8];
    for (int g = 0; g < 8; ++g) get_scale_min_k4(g, x[b].scales, &scales[g], &mins[g]);
    int sum_mins = 0;
    for (int g = 0; g < kQK_K / 16; ++g) sum_mins += y[b].bsums[g] * mins[g / 2];
    int32_t lanes[8] = {};
    const int8_t* q8 = y[b].qs;
    a = values;
    for (int g = 0; g < kQK_K / 32; ++g) {
      const int32_t scale = scales[g];
      for (int part = 0; part < 4; ++part) {
        for (int l = 0; l < 8; ++l) {
          const auto product = static_cast<int16_t>(q8[l] * a[l]);
          lanes[l] += scale * product;
        }
        q8 += 8;
        a += 8;
      }
    }
    const float d = fp16_to_fp32(x[b].d) * y[b].d;
    for (int l = 0; l < 8; ++l) lane_sums[l] += d * lanes[l];
    const float dmin = fp16_to_fp32(x[b].dmin) * y[b].d;
    sum -= dmin * sum_mins;
  }
  for (int l = 0; l < 8; ++l) sum += lane_sums[l];
  return sum;
}

constexpr TypeOps kQ2_K{dequantize_row_q2_k, quantize_row_q2_k, GgmlType::Q8_K, vec_dot_q2_k_q8_k,
                        quantize_row_q2_k};
constexpr TypeOps kQ3_K{dequantize_row_q3_k, quantize_row_q3_k, GgmlType::Q8_K, vec_dot_q3_k_q8_k,
                        quantize_row_q3_k};
constexpr TypeOps kQ4_K{dequantize_row_q4_k, quantize_row_q4_k, GgmlType::Q8_K,
                        vec_dot_qx_k_q8_k<BlockQ4_K, false>, quantize_row_q4_k};
constexpr TypeOps kQ5_K{dequantize_row_q5_k, quantize_row_q5_k, GgmlType::Q8_K,
                        vec_dot_qx_k_q8_k<BlockQ5_K, true>, quantize_row_q5_k};
constexpr TypeOps kQ6_K{dequantize_row_q6_k, quantize_row_q6_k, GgmlType::Q8_K, vec_dot_q6_k_q8_k,
                        quantize_row_q6_k};
// GGML has no Q8_K weights: no dot product, only the activation conversion.
constexpr TypeOps kQ8_K{dequantize_row_q8_k, quantize_row_q8_k, GgmlType::Q8_K, nullptr, quantize_row_q8_k};

}  // namespace

const TypeOps* k_quant_ops(GgmlType type) {
  switch (type) {
    case GgmlType::Q2_K: return &kQ2_K;
    case GgmlType::Q3_K: return &kQ3_K;
    case GgmlType::Q4_K: return &kQ4_K;
    case GgmlType::Q5_K: return &kQ5_K;
    case GgmlType::Q6_K: return &kQ6_K;
    case GgmlType::Q8_K: return &kQ8_K;
    default: return nullptr;
  }
}

}  // namespace pg::quant::detail
