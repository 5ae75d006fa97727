// The float dot product of the vector index's hot loop (HNSW distances and
// exact scans of 384-float embeddings), on the best instruction set of this
// CPU (AVX-512F, AVX2+FMA, or the plain scalar loop, which is the reference
// the SIMD versions are tested against). Chosen once from CPUID via
// kernels::cpu_features(); never reads past n floats of either input.
#pragma once

#include <cstddef>

namespace pg::rag {

using DotFn = float (*)(const float* a, const float* b, size_t n);

float dot_scalar(const float* a, const float* b, size_t n);
// The fastest version this CPU runs.
DotFn best_dot();
// "avx512", "avx2" or "scalar": what best_dot() returns.
const char* best_dot_name();

namespace detail {
float dot_avx2(const float* a, const float* b, size_t n);    // vector_dot_avx2.cpp
float dot_avx512(const float* a, const float* b, size_t n);  // vector_dot_avx512.cpp
}  // namespace detail

}  // namespace pg::rag
