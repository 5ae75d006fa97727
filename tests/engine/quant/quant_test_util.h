// Helpers shared by the engine/quant tests: deterministic test signals, error
// measures, and byte buffers sized for a type. Test-only; never used by src/.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "engine/quant/quant.h"
#include "engine/tensor/ggml_type.h"

namespace pg::quant::test {

// Gaussian-ish values (sum of uniforms, so the sequence is the same with any
// standard library) with a few outliers, like real weights.
inline std::vector<float> weight_like_values(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) {
    float s = 0;
    for (int k = 0; k < 4; ++k) s += static_cast<float>(rng() % 1000001) / 1000000.0f - 0.5f;
    x = s * scale;
    if (rng() % 97 == 0) x *= 6.0f;  // occasional outlier
  }
  return v;
}

// sqrt(sum (a-b)^2 / sum b^2): error of `approx` relative to the signal `exact`.
inline double relative_rms_error(const float* approx, const float* exact, int64_t n) {
  double err = 0, ref = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(approx[i]) - exact[i];
    err += d * d;
    ref += static_cast<double>(exact[i]) * exact[i];
  }
  return ref > 0 ? std::sqrt(err / ref) : std::sqrt(err);
}

inline std::vector<uint8_t> row_buffer(GgmlType type, int64_t n) {
  const auto bytes = ggml_row_bytes(type, static_cast<uint64_t>(n));
  return std::vector<uint8_t>(bytes ? static_cast<size_t>(*bytes) : 0);
}

inline std::vector<uint8_t> quantize(GgmlType type, const std::vector<float>& values) {
  auto out = row_buffer(type, static_cast<int64_t>(values.size()));
  reference_ops(type)->quantize_row(values.data(), out.data(), static_cast<int64_t>(values.size()));
  return out;
}

inline std::vector<float> dequantize(GgmlType type, const void* data, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  reference_ops(type)->dequantize_row(data, out.data(), n);
  return out;
}

}  // namespace pg::quant::test
