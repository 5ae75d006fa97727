// Dot product dispatch and the scalar reference; see vector_dot.h.
#include "rag/vector_dot.h"

#include "engine/kernels/kernels.h"

namespace pg::rag {

float dot_scalar(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

DotFn best_dot() {
  const kernels::CpuFeatures& f = kernels::cpu_features();
  if (f.avx512f) return detail::dot_avx512;
  if (f.avx2 && f.fma) return detail::dot_avx2;
  return dot_scalar;
}

const char* best_dot_name() {
  const DotFn fn = best_dot();
  return fn == detail::dot_avx512 ? "avx512" : fn == detail::dot_avx2 ? "avx2" : "scalar";
}

}  // namespace pg::rag
