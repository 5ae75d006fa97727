// Reference ops of GGML's 256-element super-block types Q2_K..Q6_K and the Q8_K
// activation format: dequantize_row_*, quantize_row_q8_K_ref and the generic
// ggml_vec_dot_*_q8_K, with GGML's operation order so results are bit-exact.
// Each type's format struct decodes a super-block into its 256 small integers
// and its group scales; one template per operation does the rest. The K-type
// quantizers live in k_quantizers.cpp. Never reads or writes past the whole
// super-blocks that n covers.
#include <cmath>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/type_families.h"
#include "engine/tensor/type_table.h"

namespace pg::quant::detail {
namespace {

int64_t super_block_count(int64_t n) { return n > 0 ? n / kQK_K : 0; }

// ---- Formats: decode() gives the 256 integers q of a super-block in element
// order, int_scales() the integer scale (and min) of each group, so that
// value = d * scale * q (- dmin * min).

template <typename BlockType, int kGroupSizeValue, bool kHasMinValue>
struct KFormat {
  using Block = BlockType;
  static constexpr int kGroupSize = kGroupSizeValue;
  static constexpr bool kHasMin = kHasMinValue;
  static float d(const Block& x) { return fp16_to_fp32(x.d); }
};

// Q2_K: 16 groups of 16; value = d*(sc & 15)*q - dmin*(sc >> 4), q in 0..3.
struct Q2_KFormat : KFormat<BlockQ2_K, 16, true> {
  static void decode(const Block& x, int8_t* v) {
    const uint8_t* q = x.qs;
    for (int half = 0; half < kQK_K; half += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int l = 0; l < 32; ++l) *v++ = static_cast<int8_t>((q[l] >> shift) & 3);
      }
    }
  }
  static void int_scales(const Block& x, int* scales, int* mins) {
    for (int g = 0; g < 16; ++g) {
      scales[g] = x.scales[g] & 0xF;
      mins[g] = x.scales[g] >> 4;
    }
  }
};

// Q3_K: 16 groups of 16; value = d*(scale-32)*(q - 4*!hbit), q the low 2 bits.
struct Q3_KFormat : KFormat<BlockQ3_K, 16, false> {
  static void decode(const Block& x, int8_t* v) {
    const uint8_t* q = x.qs;
    uint8_t mask = 1;
    for (int half = 0; half < kQK_K; half += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int l = 0; l < 32; ++l) *v++ = static_cast<int8_t>(((q[l] >> shift) & 3) - ((x.hmask[l] & mask) ? 0 : 4));
        mask = static_cast<uint8_t>(mask << 1);
      }
    }
  }
  static void int_scales(const Block& x, int* scales, int*) {
    int8_t packed[16];
    unpack_q3_k_scales(x.scales, packed);
    for (int g = 0; g < 16; ++g) scales[g] = packed[g] - 32;
  }
};

// Q4_K / Q5_K: 8 groups of 32; value = d*scale*q - dmin*min, q in 0..15, or
// 0..31 with Q5_K's 5th bit from qh.
template <typename BlockType, bool kHasHighBit>
struct Qx_KFormat : KFormat<BlockType, 32, true> {
  using Block = BlockType;
  static void decode(const Block& x, int8_t* v) {
    const uint8_t* q4 = x.qs;
    for (int pair = 0; pair < kQK_K / 64; ++pair, v += 64, q4 += 32) {
      for (int l = 0; l < 32; ++l) v[l] = static_cast<int8_t>(q4[l] & 0xF);
      for (int l = 0; l < 32; ++l) v[l + 32] = static_cast<int8_t>(q4[l] >> 4);
      if constexpr (kHasHighBit) {
        const auto m1 = static_cast<uint8_t>(1u << (2 * pair));
        const auto m2 = static_cast<uint8_t>(2u << (2 * pair));
        for (int l = 0; l < 32; ++l) v[l] = static_cast<int8_t>(v[l] + ((x.qh[l] & m1) ? 16 : 0));
        for (int l = 0; l < 32; ++l) v[l + 32] = static_cast<int8_t>(v[l + 32] + ((x.qh[l] & m2) ? 16 : 0));
      }
    }
  }
  static void int_scales(const Block& x, int* scales, int* mins) {
    for (int g = 0; g < 8; ++g) {
      uint8_t sc, m;
      get_scale_min_k4(g, x.scales, &sc, &m);
      scales[g] = sc;
      mins[g] = m;
    }
  }
};
using Q4_KFormat = Qx_KFormat<BlockQ4_K, false>;
using Q5_KFormat = Qx_KFormat<BlockQ5_K, true>;

// Q6_K: 16 groups of 16; value = d*scale*(q-32), q 6 bits (4 in ql, 2 in qh).
struct Q6_KFormat : KFormat<BlockQ6_K, 16, false> {
  static void decode(const Block& x, int8_t* v) {
    const uint8_t* ql = x.ql;
    const uint8_t* qh = x.qh;
    for (int half = 0; half < kQK_K; half += 128, v += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        v[l] = static_cast<int8_t>(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        v[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        v[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        v[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
    }
  }
  static void int_scales(const Block& x, int* scales, int*) {
    for (int g = 0; g < 16; ++g) scales[g] = x.scales[g];
  }
};

// Q8_K: float d, 256 int8 values (one group), and the sums of each group of 16.
struct Q8_KFormat : KFormat<BlockQ8_K, kQK_K, false> {
  static void decode(const Block& x, int8_t* v) { std::memcpy(v, x.qs, kQK_K); }
  static void int_scales(const Block&, int* scales, int*) { scales[0] = 1; }
  static float d(const Block& x) { return x.d; }
};

template <typename Format>
void dequantize_row(const void* src, float* dst, int64_t n) {
  constexpr int kGroups = kQK_K / Format::kGroupSize;
  const auto* blocks = static_cast<const typename Format::Block*>(src);
  float* y = dst;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    int8_t v[kQK_K];
    Format::decode(blocks[b], v);
    int scales[kGroups], mins[kGroups];
    Format::int_scales(blocks[b], scales, mins);
    const float d = Format::d(blocks[b]);
    for (int g = 0; g < kGroups; ++g) {
      const float dl = d * scales[g];
      const int8_t* q = v + g * Format::kGroupSize;
      if constexpr (Format::kHasMin) {
        const float ml = fp16_to_fp32(blocks[b].dmin) * mins[g];
        for (int l = 0; l < Format::kGroupSize; ++l) *y++ = dl * q[l] - ml;
      } else {
        for (int l = 0; l < Format::kGroupSize; ++l) *y++ = dl * q[l];
      }
    }
  }
}

// ---- Q8_K activations

void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  const float* x = src;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    const float max = max_by_magnitude(x, kQK_K);
    if (max == 0.0f) {
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

// sum(bsums[g] * min of the group holding g): the activation side of the min term.
template <typename Format>
int min_sum(const int* mins, const BlockQ8_K& y) {
  int sum_mins = 0;
  for (int g = 0; g < kQK_K / 16; ++g) sum_mins += y.bsums[g] * mins[g * 16 / Format::kGroupSize];
  return sum_mins;
}

float vec_dot_q2_k_q8_k(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const BlockQ2_K*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    int8_t v[kQK_K];
    Q2_KFormat::decode(x[b], v);
    int scales[16], mins[16];
    Q2_KFormat::int_scales(x[b], scales, mins);
    const int sum_mins = min_sum<Q2_KFormat>(mins, y[b]);
    const float dall = y[b].d * fp16_to_fp32(x[b].d);
    const float dmin = y[b].d * fp16_to_fp32(x[b].dmin);
    int isum = 0;
    for (int g = 0; g < 16; ++g) {
      int part_sum = 0;
      for (int l = 16 * g; l < 16 * g + 16; ++l) part_sum += y[b].qs[l] * v[l];
      isum += scales[g] * part_sum;
    }
    sum += dall * isum - dmin * sum_mins;
  }
  return sum;
}

// Q3_K..Q6_K: GGML accumulates int16 products times the group scale in 8
// integer lanes per block and 8 float lanes overall; the min term (Q4_K,
// Q5_K) is subtracted per block.
template <typename Format>
float vec_dot_in_lanes(int64_t n, const void* weight_row, const void* activation_row) {
  constexpr int kGroups = kQK_K / Format::kGroupSize;
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const auto* y = static_cast<const BlockQ8_K*>(activation_row);
  float lane_sums[8] = {};
  float sum = 0;
  for (int64_t b = 0; b < super_block_count(n); ++b) {
    int8_t values[kQK_K];
    Format::decode(x[b], values);
    int scales[kGroups], mins[kGroups];
    Format::int_scales(x[b], scales, mins);
    int32_t lanes[8] = {};
    const int8_t* q8 = y[b].qs;
    const int8_t* a = values;
    for (int g = 0; g < kGroups; ++g) {
      for (int part = 0; part < Format::kGroupSize / 8; ++part, q8 += 8, a += 8) {
        for (int l = 0; l < 8; ++l) {
          const auto product = static_cast<int16_t>(q8[l] * a[l]);
          lanes[l] += scales[g] * product;
        }
      }
    }
    const float d = fp16_to_fp32(x[b].d) * y[b].d;
    for (int l = 0; l < 8; ++l) lane_sums[l] += d * lanes[l];
    if constexpr (Format::kHasMin) {
      const float dmin = fp16_to_fp32(x[b].dmin) * y[b].d;
      sum -= dmin * min_sum<Format>(mins, y[b]);
    }
  }
  for (int l = 0; l < 8; ++l) sum += lane_sums[l];
  return sum;
}

// The activation format has no dot product, as in GGML.
template <typename Format, typename VecDot>
constexpr TypeEntry<TypeOps> ops_entry(GgmlType type, void (*quantize)(const float*, void*, int64_t), VecDot vec_dot) {
  return {type, {dequantize_row<Format>, quantize, GgmlType::Q8_K, vec_dot, quantize}};
}

constexpr TypeEntry<TypeOps> kKQuantOps[] = {
    ops_entry<Q2_KFormat>(GgmlType::Q2_K, quantize_row_q2_k, vec_dot_q2_k_q8_k),
    ops_entry<Q3_KFormat>(GgmlType::Q3_K, quantize_row_q3_k, vec_dot_in_lanes<Q3_KFormat>),
    ops_entry<Q4_KFormat>(GgmlType::Q4_K, quantize_row_q4_k, vec_dot_in_lanes<Q4_KFormat>),
    ops_entry<Q5_KFormat>(GgmlType::Q5_K, quantize_row_q5_k, vec_dot_in_lanes<Q5_KFormat>),
    ops_entry<Q6_KFormat>(GgmlType::Q6_K, quantize_row_q6_k, vec_dot_in_lanes<Q6_KFormat>),
    ops_entry<Q8_KFormat>(GgmlType::Q8_K, quantize_row_q8_k, nullptr),
};

}  // namespace

const TypeOps* k_quant_ops(GgmlType type) { return find_type_entry(kKQuantOps, type); }

}  // namespace pg::quant::detail
