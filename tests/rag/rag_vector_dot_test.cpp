// The vector index's dot products (src/rag/vector_dot*): every SIMD version
// this CPU runs equals a double-precision reference within float rounding for
// all lengths 0..100 and the embedding sizes, unaligned inputs included; the
// scalar loop is the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/kernels/kernels.h"
#include "rag/vector_dot.h"

namespace pg::rag {
namespace {

TEST(RagVectorIndexDot, SimdVersionsMatchTheReference) {
  std::vector<std::pair<const char*, DotFn>> versions{{"scalar", dot_scalar}};
  const auto& f = kernels::cpu_features();
  if (f.avx2 && f.fma) versions.push_back({"avx2", detail::dot_avx2});
  if (f.avx512f) versions.push_back({"avx512", detail::dot_avx512});
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> a(1100), b(1100);
  for (float& x : a) x = u(rng);
  for (float& x : b) x = u(rng);
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 100; ++n) lengths.push_back(n);
  for (size_t n : {256, 384, 768, 1024}) lengths.push_back(n);
  for (size_t n : lengths)
    for (size_t offset : {0, 1, 3}) {
      double ref = 0, magnitude = 0;
      for (size_t i = 0; i < n; ++i) {
        ref += double(a[offset + i]) * b[offset + i];
        magnitude += std::fabs(double(a[offset + i]) * b[offset + i]);
      }
      for (const auto& [name, fn] : versions)
        EXPECT_NEAR(fn(a.data() + offset, b.data() + offset, n), ref, 1e-6 * (magnitude + 1))
            << name << " n=" << n << " offset=" << offset;
    }
  EXPECT_EQ(best_dot()(a.data(), b.data(), 0), 0.0f);
  std::printf("vector index dot product: %s\n", best_dot_name());
}

}  // namespace
}  // namespace pg::rag
