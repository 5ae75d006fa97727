// Reference ops of GGML's 4-bit non-linear types IQ4_NL (32-element blocks, one
// fp16 scale) and IQ4_XS (256-element super-blocks, 6-bit group scales): values
// come from a fixed 16-entry table. dequantize_row_*, the generic vec_dot_* and
// the quantizers (quantize_row_iq4_nl_impl) with GGML's operation order.
// Never reads or writes past the whole blocks that n covers.
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

// GGML's kvalues_iq4nl: the 16 levels, sorted, denser near zero.
constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
constexpr float kGroupMaxEps = 1e-15f;

// 6-bit scale of group g (0..7) of an IQ4_XS block, offset by 32.
int iq4_xs_group_scale(const BlockIQ4_XS& block, int g) {
  return ((block.scales_l[g / 2] >> (4 * (g % 2))) & 0xF) | (((block.scales_h >> (2 * g)) & 3) << 4);
}

// IQ4_NL: one block of 32 with one fp16 scale d; value = d * table[q].
struct Iq4NlFormat {
  using Block = BlockIQ4_NL;
  using Activation = BlockQ8_0;
  static constexpr int kSize = kQK4_NL;
  static int group_scale(const Block&, int) { return 1; }
  // GGML's vec_dot_iq4_nl_q8_0 multiplies dy by dx.
  static float block_scale(const Block& x, const Activation& y) { return fp16_to_fp32(y.d) * fp16_to_fp32(x.d); }
};

// IQ4_XS: 8 groups of 32; value = d * (ls - 32) * table[q] with a 6-bit ls per group.
struct Iq4XsFormat {
  using Block = BlockIQ4_XS;
  using Activation = BlockQ8_K;
  static constexpr int kSize = kQK_K;
  static int group_scale(const Block& x, int g) { return iq4_xs_group_scale(x, g) - 32; }
  static float block_scale(const Block& x, const Activation& y) { return fp16_to_fp32(x.d) * y.d; }
};

template <typename Format>
int64_t block_count(int64_t n) { return n > 0 ? n / Format::kSize : 0; }

template <typename Format>
void dequantize_row(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const typename Format::Block*>(src);
  float* y = dst;
  for (int64_t b = 0; b < block_count<Format>(n); ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    const uint8_t* qs = blocks[b].qs;
    for (int g = 0; g < Format::kSize / 32; ++g, y += 32, qs += 16) {
      const float dl = d * Format::group_scale(blocks[b], g);
      for (int j = 0; j < 16; ++j) {
        y[j] = dl * kIq4Values[qs[j] & 0xF];
        y[j + 16] = dl * kIq4Values[qs[j] >> 4];
      }
    }
  }
}

template <typename Format>
float vec_dot(int64_t n, const void* weight_row, const void* activation_row) {
  const auto* x = static_cast<const typename Format::Block*>(weight_row);
  const auto* y = static_cast<const typename Format::Activation*>(activation_row);
  float sum = 0;
  for (int64_t b = 0; b < block_count<Format>(n); ++b) {
    const float d = Format::block_scale(x[b], y[b]);
    const uint8_t* qs = x[b].qs;
    const int8_t* q8 = y[b].qs;
    for (int g = 0; g < Format::kSize / 32; ++g, qs += 16, q8 += 32) {
      const float dl = d * Format::group_scale(x[b], g);
      int sum1 = 0, sum2 = 0;
      for (int j = 0; j < 16; ++j) {
        sum1 += q8[j] * kIq4Values[qs[j] & 0xF];
        sum2 += q8[j + 16] * kIq4Values[qs[j] >> 4];
      }
      sum += dl * (sum1 + sum2);
    }
  }
  return sum;
}

// GGML's quantize_row_iq4_nl_impl without importance weights (weights are x^2)
// for 4-bit output. super_block_size is 32 (IQ4_NL: one fp16 scale) or 256
// (IQ4_XS: fp16 scale plus 6-bit group scales). ntry > 0 also tries the group
// scales (itry + values[0]) / max for itry in [-ntry, ntry]; ntry <= 0 does not.
// Outputs go through plain locals of the callers: the block fields are packed
// (unaligned), so no pointer to them may be formed.
struct Iq4Scales {
  uint16_t d = 0;
  uint16_t scales_h = 0;
  uint8_t scales_l[kQK_K / 64] = {};
};

void quantize_iq4_block(int super_block_size, const float* x, Iq4Scales& out, uint8_t* q4, int ntry) {
  uint16_t* dh = &out.d;
  uint16_t* scales_h = &out.scales_h;
  uint8_t* scales_l = out.scales_l;
  constexpr int kBlock = 32;
  float scales[kQK_K / kBlock];
  float weight[kBlock];
  uint8_t L[kQK_K];

  std::memset(q4, 0, static_cast<size_t>(super_block_size / 2));
  *dh = fp32_to_fp16(0.f);

  for (int ib = 0; ib < super_block_size / kBlock; ++ib) {
    const float* xb = x + ib * kBlock;
    uint8_t* Lb = L + ib * kBlock;
    for (int j = 0; j < kBlock; ++j) weight[j] = xb[j] * xb[j];
    const float max = max_by_magnitude(xb, kBlock);
    if (std::fabs(max) < kGroupMaxEps) {
      scales[ib] = 0;
      std::memset(Lb, 0, kBlock);
      continue;
    }
    float d = ntry > 0 ? -max / kIq4Values[0] : max / kIq4Values[0];
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < kBlock; ++j) {
      const int l = best_index_int8(16, kIq4Values, id * xb[j]);
      Lb[j] = static_cast<uint8_t>(l);
      const float q = kIq4Values[l];
      const float w = weight[j];
      sumqx += w * q * xb[j];
      sumq2 += w * q * q;
    }
    d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int itry = -ntry; itry <= ntry; ++itry) {
      id = (itry + kIq4Values[0]) / max;
      sumqx = sumq2 = 0;
      for (int j = 0; j < kBlock; ++j) {
        const int l = best_index_int8(16, kIq4Values, id * xb[j]);
        const float q = kIq4Values[l];
        const float w = weight[j];
        sumqx += w * q * xb[j];
        sumq2 += w * q * q;
      }
      if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
        d = sumqx / sumq2;
        best = d * sumqx;
      }
    }
    scales[ib] = d;
  }
  const float max_scale = max_by_magnitude(scales, super_block_size / kBlock);

  if (super_block_size / kBlock > 1) {
    *scales_h = 0;
    const float d = -max_scale / 32;
    *dh = fp32_to_fp16(d);
    const float id = d != 0.0f ? 1 / d : 0.f;
    for (int ib = 0; ib < super_block_size / kBlock; ++ib) {
      int l = nearest_int(id * scales[ib]);
      l = l < -32 ? -32 : (l > 31 ? 31 : l);
      const float dl = d * l;
      const float idl = dl != 0.0f ? 1 / dl : 0.f;
      uint8_t* Lb = L + ib * kBlock;
      const float* xb = x + ib * kBlock;
      for (int j = 0; j < kBlock; ++j) Lb[j] = static_cast<uint8_t>(best_index_int8(16, kIq4Values, idl * xb[j]));
      l += 32;
      const auto low = static_cast<uint8_t>(l & 0xF);
      const auto high = static_cast<uint16_t>(l >> 4);
      if (ib % 2 == 0) {
        scales_l[ib / 2] = low;
      } else {
        scales_l[ib / 2] = static_cast<uint8_t>(scales_l[ib / 2] | (low << 4));
      }
      *scales_h = static_cast<uint16_t>(*scales_h | (high << (2 * (ib % 8))));
    }
  } else {
    *dh = fp32_to_fp16(scales[0]);
    if (ntry > 0) {
      const float id = scales[0] != 0.0f ? 1 / scales[0] : 0;
      for (int j = 0; j < super_block_size; ++j) L[j] = static_cast<uint8_t>(best_index_int8(16, kIq4Values, id * x[j]));
    }
  }

  for (int i = 0; i < super_block_size / 32; ++i) {
    for (int j = 0; j < 16; ++j) q4[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
  }
}

// kTries -1: quantize_row_iq4_nl_ref (one scale from the largest value, no
// search); 7: quantize_iq4_*(..., quant_weights = NULL), what llama-quantize
// writes, which also searches 15 group scales.
template <typename Format, int kTries>
void quantize_row(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<typename Format::Block*>(dst);
  for (int64_t b = 0; b < block_count<Format>(n); ++b) {
    Iq4Scales scales;
    quantize_iq4_block(Format::kSize, src + b * Format::kSize, scales, blocks[b].qs, kTries);
    blocks[b].d = scales.d;
    if constexpr (std::is_same_v<Format, Iq4XsFormat>) {
      blocks[b].scales_h = scales.scales_h;
      std::memcpy(blocks[b].scales_l, scales.scales_l, sizeof scales.scales_l);
    }
  }
}

constexpr TypeEntry<TypeOps> kIq4Ops[] = {
    {GgmlType::IQ4_NL, {dequantize_row<Iq4NlFormat>, quantize_row<Iq4NlFormat, -1>, GgmlType::Q8_0,
                        vec_dot<Iq4NlFormat>, quantize_row<Iq4NlFormat, 7>}},
    {GgmlType::IQ4_XS, {dequantize_row<Iq4XsFormat>, quantize_row<Iq4XsFormat, 7>, GgmlType::Q8_K,
                        vec_dot<Iq4XsFormat>, quantize_row<Iq4XsFormat, 7>}},
};

}  // namespace

const TypeOps* iq4_ops(GgmlType type) { return find_type_entry(kIq4Ops, type); }

}  // namespace pg::quant::detail
