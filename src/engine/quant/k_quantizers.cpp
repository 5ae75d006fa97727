// GGML's reference quantizers of the K types (quantize_row_q{2,3,4,5,6}_K_ref,
// i.e. llama-quantize without an importance matrix): per-group scale search,
// then 4/6-bit super-block scales, then requantization with the stored scales.
// Same float operation order as GGML so the bytes match. Never reads or writes
// past the whole super-blocks that n covers.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/quant/blocks.h"
#include "engine/quant/fp16.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/type_families.h"

namespace pg::quant::detail {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // a group whose |max| is below this is all zero

int64_t super_block_count(int64_t n) { return n > 0 ? n / kQK_K : 0; }

// Symmetric quantization of n values to integers in [-nmax, nmax-1] (stored as
// L = q + nmax), weighted by x^2, trying 19 scales around nmax/max
// (GGML's make_qx_quants with rmse_type 1 and no importance weights).
float make_qx_quants(int n, int nmax, const float* x, int8_t* L) {
  const float max = max_by_magnitude(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  auto quantize = [&](float iscale, int i) {
    return std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
  };
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = quantize(iscale, i);
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = quantize(iscale, i);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(nmax + quantize(iscale, i));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Q3_K's group quantizer: start from nmax/max, then up to 5 rounds of moving
// single values to the level that improves the x^2-weighted fit (make_q3_quants).
float make_q3_quants(int n, int nmax, const float* x, int8_t* L) {
  const float max = max_by_magnitude(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  const float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * L[i];
      if (slx > 0) {
        float sl2 = suml2 - w * L[i] * L[i];
        int new_l = nearest_int(x[i] * sl2 / slx);
        new_l = std::max(-nmax, std::min(nmax - 1, new_l));
        if (new_l != L[i]) {
          slx += w * x[i] * new_l;
          sl2 += w * new_l * new_l;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(new_l);
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (n_changed == 0) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Asymmetric quantization x ~ scale * L - the_min with L in [0, nmax]: a weighted
// least-squares fit of scale and min for nstep+1 candidate level assignments
// (GGML's make_qkx2_quants). Returns the scale; *the_min receives the (positive) min.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.f;
  }
  auto level = [&](float iscale, float offset, int i) {
    return std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - offset))));
  };
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<uint8_t>(level(iscale, min, i));
    float diff = scale * L[i] + min - x[i];
    diff = use_mad ? std::fabs(diff) : diff * diff;
    best_error += weights[i] * diff;
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = level(iscale, min, i);
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

// Packs 256 2-bit levels the way Q2_K and Q3_K store them: byte l of each
// 32-byte half holds elements l, l+32, l+64, l+96 of that 128-element half.
void pack_2bit_levels(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                           (L[j + l + 96] << 6));
    }
  }
}

// Stores the 6-bit scale and min of group j (0..7) in Q4_K/Q5_K's 12-byte packing.
void pack_scale_min_k4(int j, uint8_t ls, uint8_t lm, uint8_t* packed) {
  if (j < 4) {
    packed[j] = ls;
    packed[j + 4] = lm;
  } else {
    packed[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
    packed[j - 4] = static_cast<uint8_t>(packed[j - 4] | ((ls >> 4) << 6));
    packed[j] = static_cast<uint8_t>(packed[j] | ((lm >> 4) << 6));
  }
}

// The part Q4_K and Q5_K share: group fits, 6-bit scales/mins, then the
// requantized levels L (0..nmax) for the stored scales.
template <typename Block>
void quantize_scales_and_levels_k4(const float* x, Block& block, int nmax, float rmin, float rdelta,
                                   int nstep, uint8_t* L) {
  float mins[kQK_K / 32], scales[kQK_K / 32], weights[32];
  uint8_t Laux[32];
  float max_scale = 0, max_min = 0;  // scales are positive because the min is subtracted
  for (int j = 0; j < kQK_K / 32; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta,
                                 nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < kQK_K / 32; ++j) {
    auto ls = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
    auto lm = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
    ls = std::min<uint8_t>(63, ls);
    lm = std::min<uint8_t>(63, lm);
    pack_scale_min_k4(j, ls, lm, block.scales);
  }
  block.d = fp32_to_fp16(max_scale / 63.f);
  block.dmin = fp32_to_fp16(max_min / 63.f);
  for (int j = 0; j < kQK_K / 32; ++j) {
    uint8_t sc, m;
    get_scale_min_k4(j, block.scales, &sc, &m);
    const float d = fp16_to_fp32(block.d) * sc;
    if (d == 0.0f) continue;
    const float dm = fp16_to_fp32(block.dmin) * m;
    for (int ii = 0; ii < 32; ++ii) {
      const int l = nearest_int((x[32 * j + ii] + dm) / d);
      L[32 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    }
  }
}

// Q3_K and Q6_K: each group of 16 quantized on its own by make_group (levels
// into L, scale into scales); returns the scale of largest magnitude.
float quantize_groups_of_16(const float* x, int8_t* L, float* scales,
                            float (*make_group)(int n, int nmax, const float* x, int8_t* L), int nmax) {
  for (int g = 0; g < kQK_K / 16; ++g) scales[g] = make_group(16, nmax, x + 16 * g, L + 16 * g);
  return max_by_magnitude(scales, kQK_K / 16);
}

// Requantizes each group of 16 with the scale the block stores for it,
// scale_of(g): L = clamp(round(x / scale), -nmax, nmax - 1) + nmax. A group
// whose stored scale is 0 keeps the levels it had.
template <typename ScaleOf>
void requantize_groups_of_16(const float* x, int nmax, int8_t* L, ScaleOf scale_of) {
  for (int g = 0; g < kQK_K / 16; ++g) {
    const float d = scale_of(g);
    if (d == 0.0f) continue;
    for (int i = 0; i < 16; ++i) {
      const int l = nearest_int(x[16 * g + i] / d);
      L[16 * g + i] = static_cast<int8_t>(std::max(-nmax, std::min(nmax - 1, l)) + nmax);
    }
  }
}

}  // namespace

void quantize_row_q2_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ2_K*>(dst);
  const float* x = src;
  constexpr float kQ4Scale = 15.f;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    BlockQ2_K& y = blocks[b];
    uint8_t L[kQK_K], Laux[16];
    float weights[16], mins[kQK_K / 16], scales[kQK_K / 16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15,
                                   true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = kQ4Scale / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) y.scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      y.d = fp32_to_fp16(max_scale / kQ4Scale);
    } else {
      for (int j = 0; j < kQK_K / 16; ++j) y.scales[j] = 0;
      y.d = fp32_to_fp16(0.f);
    }
    if (max_min > 0) {
      const float iscale = kQ4Scale / max_min;
      for (int j = 0; j < kQK_K / 16; ++j) {
        const int l = nearest_int(iscale * mins[j]);
        y.scales[j] = static_cast<uint8_t>(y.scales[j] | (l << 4));
      }
      y.dmin = fp32_to_fp16(max_min / kQ4Scale);
    } else {
      y.dmin = fp32_to_fp16(0.f);
    }
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float d = fp16_to_fp32(y.d) * (y.scales[j] & 0xF);
      if (d == 0.0f) continue;
      const float dm = fp16_to_fp32(y.dmin) * (y.scales[j] >> 4);
      for (int ii = 0; ii < 16; ++ii) {
        const int l = nearest_int((x[16 * j + ii] + dm) / d);
        L[16 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(3, l)));
      }
    }
    pack_2bit_levels(L, y.qs);
  }
}

void quantize_row_q3_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ3_K*>(dst);
  const float* x = src;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    BlockQ3_K& y = blocks[b];
    int8_t L[kQK_K];
    float scales[kQK_K / 16];
    const float max_scale = quantize_groups_of_16(x, L, scales, make_q3_quants, 4);
    std::memset(y.scales, 0, sizeof y.scales);
    if (max_scale != 0.0f) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) {
        auto l = static_cast<int8_t>(nearest_int(iscale * scales[j]));
        l = static_cast<int8_t>(std::max<int>(-32, std::min<int>(31, l)) + 32);
        if (j < 8) {
          y.scales[j] = static_cast<uint8_t>(l & 0xF);
        } else {
          y.scales[j - 8] = static_cast<uint8_t>(y.scales[j - 8] | ((l & 0xF) << 4));
        }
        l = static_cast<int8_t>(l >> 4);
        y.scales[j % 4 + 8] = static_cast<uint8_t>(y.scales[j % 4 + 8] | (l << (2 * (j / 4))));
      }
      y.d = fp32_to_fp16(1 / iscale);
    } else {
      y.d = fp32_to_fp16(0.f);
    }
    int8_t stored_scales[16];
    unpack_q3_k_scales(y.scales, stored_scales);
    requantize_groups_of_16(x, 4, L, [&](int g) { return fp16_to_fp32(y.d) * static_cast<int8_t>(stored_scales[g] - 32); });
    // The high bit of level j goes to bit (j / 32) of hmask[j % 32].
    std::memset(y.hmask, 0, sizeof y.hmask);
    uint8_t levels[kQK_K];
    for (int j = 0; j < kQK_K; ++j) {
      int level = L[j];
      if (level > 3) {
        y.hmask[j % 32] = static_cast<uint8_t>(y.hmask[j % 32] | (1u << (j / 32)));
        level -= 4;
      }
      levels[j] = static_cast<uint8_t>(level);
    }
    pack_2bit_levels(levels, y.qs);
  }
}

void quantize_row_q4_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_K*>(dst);
  const float* x = src;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    uint8_t L[kQK_K];
    quantize_scales_and_levels_k4(x, blocks[b], 15, -1.f, 0.1f, 20, L);
    uint8_t* q = blocks[b].qs;
    for (int j = 0; j < kQK_K; j += 64) {
      for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
      q += 32;
    }
  }
}

void quantize_row_q5_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ5_K*>(dst);
  const float* x = src;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    uint8_t L[kQK_K];
    quantize_scales_and_levels_k4(x, blocks[b], 31, -0.5f, 0.1f, 15, L);
    uint8_t* qh = blocks[b].qh;
    uint8_t* ql = blocks[b].qs;
    std::memset(qh, 0, sizeof blocks[b].qh);
    uint8_t m1 = 1, m2 = 2;
    for (int j = 0; j < kQK_K; j += 64) {
      for (int l = 0; l < 32; ++l) {
        int l1 = L[j + l];
        if (l1 > 15) {
          l1 -= 16;
          qh[l] = static_cast<uint8_t>(qh[l] | m1);
        }
        int l2 = L[j + l + 32];
        if (l2 > 15) {
          l2 -= 16;
          qh[l] = static_cast<uint8_t>(qh[l] | m2);
        }
        ql[l] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
      m1 = static_cast<uint8_t>(m1 << 2);
      m2 = static_cast<uint8_t>(m2 << 2);
      ql += 32;
    }
  }
}

void quantize_row_q6_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ6_K*>(dst);
  const float* x = src;
  for (int64_t b = 0; b < super_block_count(n); ++b, x += kQK_K) {
    BlockQ6_K& y = blocks[b];
    int8_t L[kQK_K];
    float scales[kQK_K / 16];
    const float max_scale = quantize_groups_of_16(x, L, scales, make_qx_quants, 32);
    if (std::fabs(max_scale) < kGroupMaxEps) {
      std::memset(&y, 0, sizeof y);
      y.d = fp32_to_fp16(0.f);
      continue;
    }
    const float iscale = -128.f / max_scale;
    y.d = fp32_to_fp16(1 / iscale);
    for (int g = 0; g < kQK_K / 16; ++g) {
      y.scales[g] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[g])));
    }
    requantize_groups_of_16(x, 32, L, [&](int g) { return fp16_to_fp32(y.d) * y.scales[g]; });
    uint8_t* ql = y.ql;
    uint8_t* qh = y.qh;
    for (int j = 0; j < kQK_K; j += 128) {
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[j + l] & 0xF;
        const int q2 = L[j + l + 32] & 0xF;
        const int q3 = L[j + l + 64] & 0xF;
        const int q4 = L[j + l + 96] & 0xF;
        ql[l] = static_cast<uint8_t>(q1 | (q3 << 4));
        ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
        qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                     ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
      }
      ql += 64;
      qh += 32;
    }
  }
}

}  // namespace pg::quant::detail
