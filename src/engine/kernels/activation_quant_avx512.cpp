// AVX-512 twins of the reference activation quantizers that matmul runs on
// every token (engine/quant: quantize_row_q8_0, _q8_1 and _q8_k). They must
// produce the very same bytes as the reference, because every kernel's result
// is defined by the reference's activations: same amax, same divisions, round
// half to even (Q8_0/Q8_1 as x86 ggml-cpu does, Q8_K as the reference), same fp16
// roundings. Tests compare them byte for byte.
// Built with AVX-512 flags: nothing here may run before CPUID says all of
// F/BW/VL/DQ/VNNI/BF16 are present and the OS saves ZMM state.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

// C's (int8_t)(int)f for the rounded values (NaN -> 0, as the reference).
inline __m128i to_int8(__m512 rounded) {
  const __mmask16 nan = _mm512_cmp_ps_mask(rounded, rounded, _CMP_UNORD_Q);
  return _mm512_cvtepi32_epi8(_mm512_maskz_cvttps_epi32(static_cast<__mmask16>(~nan), rounded));
}

// amax of 32 floats (the reference's "amax > ax ? amax : ax" for finite values).
inline float block_amax(__m512 a, __m512 b) {
  return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
}

// One block of 32 as the reference activation quantizer (x86 ggml-cpu's
// quantize_row_q8_0) does it: d = amax / 127 stored as fp16, values
// x · (127 / amax) rounded half to even. Returns d (the float, before its fp16 rounding).
inline float quantize_block(const float* x, uint16_t* d_out, int8_t* qs) {
  const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
  const float amax = block_amax(x0, x1);
  const float d = amax / 127;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  *d_out = to_half(d);
  const __m512 scale = _mm512_set1_ps(id);
  constexpr int kEven = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs), to_int8(_mm512_roundscale_ps(_mm512_mul_ps(x0, scale), kEven)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + 16), to_int8(_mm512_roundscale_ps(_mm512_mul_ps(x1, scale), kEven)));
  return d;
}

void quantize_q8_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / quant::kQK8_0; ++b) {
    quantize_block(src + 32 * b, &blocks[b].d, blocks[b].qs);
  }
}

void quantize_q8_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / quant::kQK8_1; ++b) {
    const float d = quantize_block(src + 32 * b, &blocks[b].d, blocks[b].qs);
    const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[b].qs));
    const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks[b].qs + 16));
    const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_cvtepi8_epi32(q0), _mm512_cvtepi8_epi32(q1)));
    blocks[b].s = to_half(static_cast<float>(sum) * d);
  }
}

void quantize_q8_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  constexpr int kVectors = quant::kQK_K / 16;
  for (int64_t b = 0; b < n / quant::kQK_K; ++b) {
    const float* x = src + b * quant::kQK_K;
    __m512 v[kVectors];
    __m512 amax_v = _mm512_setzero_ps();
    for (int i = 0; i < kVectors; ++i) {
      v[i] = _mm512_loadu_ps(x + 16 * i);
      amax_v = _mm512_max_ps(amax_v, _mm512_abs_ps(v[i]));
    }
    const float amax = _mm512_reduce_max_ps(amax_v);
    BlockQ8_K& out = blocks[b];
    if (amax == 0.0f) {
      std::memset(&out, 0, sizeof out);
      continue;
    }
    // The value with the largest magnitude, first one on ties (the reference's "ax > amax").
    float max = 0;
    for (int i = 0; i < kVectors; ++i) {
      const __mmask16 hit = _mm512_cmp_ps_mask(_mm512_abs_ps(v[i]), _mm512_set1_ps(amax), _CMP_EQ_OQ);
      if (hit != 0) {
        max = x[16 * i + __builtin_ctz(hit)];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m512 scale = _mm512_set1_ps(iscale);
    for (int i = 0; i < kVectors; ++i) {
      // Round half to even (the default rounding mode), as GGML's nearest_int.
      __m512i q = _mm512_cvt_roundps_epi32(_mm512_mul_ps(v[i], scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      q = _mm512_min_epi32(q, _mm512_set1_epi32(127));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out.qs + 16 * i), _mm512_cvtepi32_epi8(q));
      out.bsums[i] = static_cast<int16_t>(_mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(_mm512_cvtepi32_epi8(q))));
    }
    out.d = 1 / iscale;
  }
}

}  // namespace

QuantizeRowFn avx512_quantize_row(GgmlType activation_type) {
  switch (activation_type) {
    case GgmlType::Q8_0: return quantize_q8_0;
    case GgmlType::Q8_1: return quantize_q8_1;
    case GgmlType::Q8_K: return quantize_q8_k;
    default: return nullptr;
  }
}

}  // namespace pg::kernels::detail
