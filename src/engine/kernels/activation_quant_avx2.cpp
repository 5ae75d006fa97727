// AVX2 twins of the reference activation quantizers that matmul runs on every
// token (engine/quant: quantize_row_q8_0, _q8_1 and _q8_k), for the AVX2
// paths. Like the AVX-512 ones (activation_quant_avx512.cpp) they must produce
// the very same bytes as the reference: same amax, same divisions, round half
// to even, same fp16 roundings; tests compare them byte for byte.
// Built with AVX2 flags: nothing here may run before kernel_path_supported(Avx2).
#include <immintrin.h>

#include <cstring>

#include "engine/kernels/row_dot.h"
#include "engine/quant/blocks.h"

namespace pg::kernels::detail {
namespace {

using quant::BlockQ8_0;
using quant::BlockQ8_1;
using quant::BlockQ8_K;

inline uint16_t to_half(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

inline float reduce_max(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline int reduce_add(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

// C's (int)f for rounded values within int range, NaN -> 0 (as the reference).
inline __m256i to_int32(__m256 rounded) {
  const __m256 ordered = _mm256_cmp_ps(rounded, rounded, _CMP_ORD_Q);
  return _mm256_and_si256(_mm256_cvttps_epi32(rounded), _mm256_castps_si256(ordered));
}

// 32 int32 (|v| <= 127) as bytes in element order.
inline void store_bytes(const __m256i v[4], int8_t* out) {
  const __m256i w01 = _mm256_packs_epi32(v[0], v[1]), w23 = _mm256_packs_epi32(v[2], v[3]);
  const __m256i b = _mm256_packs_epi16(w01, w23);
  // The packs interleave 128-bit lanes: dwords come out as 0 2 4 6 1 3 5 7.
  const __m256i ordered = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), ordered);
}

// One block of 32 as the reference (x86 ggml-cpu's quantize_row_q8_0): d =
// amax / 127 stored as fp16, values x * (127 / amax) rounded half to even.
// Returns d (the float, before its fp16 rounding).
inline float quantize_block(const float* x, uint16_t* d_out, int8_t* qs) {
  __m256 v[4];
  __m256 amax_v = _mm256_setzero_ps();
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_loadu_ps(x + 8 * i);
    amax_v = _mm256_max_ps(amax_v, abs_ps(v[i]));
  }
  const float amax = reduce_max(amax_v);
  const float d = amax / 127;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  *d_out = to_half(d);
  const __m256 scale = _mm256_set1_ps(id);
  __m256i q[4];
  for (int i = 0; i < 4; ++i) {
    q[i] = to_int32(_mm256_round_ps(_mm256_mul_ps(v[i], scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  store_bytes(q, qs);
  return d;
}

void quantize_q8_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / quant::kQK8_0; ++b) quantize_block(src + 32 * b, &blocks[b].d, blocks[b].qs);
}

void quantize_q8_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / quant::kQK8_1; ++b) {
    const float d = quantize_block(src + 32 * b, &blocks[b].d, blocks[b].qs);
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blocks[b].qs));
    const __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q), _mm256_set1_epi16(1));
    blocks[b].s = to_half(static_cast<float>(reduce_add(sums)) * d);
  }
}

void quantize_q8_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  constexpr int kVectors = quant::kQK_K / 8;
  for (int64_t b = 0; b < n / quant::kQK_K; ++b) {
    const float* x = src + b * quant::kQK_K;
    __m256 amax_v = _mm256_setzero_ps();
    for (int i = 0; i < kVectors; ++i) amax_v = _mm256_max_ps(amax_v, abs_ps(_mm256_loadu_ps(x + 8 * i)));
    const float amax = reduce_max(amax_v);
    BlockQ8_K& out = blocks[b];
    if (amax == 0.0f) {
      std::memset(&out, 0, sizeof out);
      continue;
    }
    // The value with the largest magnitude, first one on ties (the reference's "ax > amax").
    float max = 0;
    for (int i = 0; i < kVectors; ++i) {
      const int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + 8 * i)), _mm256_set1_ps(amax), _CMP_EQ_OQ));
      if (hit != 0) {
        max = x[8 * i + __builtin_ctz(static_cast<unsigned>(hit))];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m256 scale = _mm256_set1_ps(iscale);
    for (int i = 0; i < kVectors; i += 4) {
      // Round half to even (the default rounding mode), as GGML's nearest_int.
      __m256i q[4];
      for (int k = 0; k < 4; ++k) {
        q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * (i + k)), scale));
        q[k] = _mm256_min_epi32(q[k], _mm256_set1_epi32(127));
      }
      store_bytes(q, out.qs + 8 * i);
      out.bsums[i / 2] = static_cast<int16_t>(reduce_add(_mm256_add_epi32(q[0], q[1])));
      out.bsums[i / 2 + 1] = static_cast<int16_t>(reduce_add(_mm256_add_epi32(q[2], q[3])));
    }
    out.d = 1 / iscale;
  }
}

}  // namespace

QuantizeRowFn avx2_quantize_row(GgmlType activation_type) {
  switch (activation_type) {
    case GgmlType::Q8_0: return quantize_q8_0;
    case GgmlType::Q8_1: return quantize_q8_1;
    case GgmlType::Q8_K: return quantize_q8_k;
    default: return nullptr;
  }
}

}  // namespace pg::kernels::detail
