// The token-tile kernels matmul uses for prompts (several tokens): for every
// token count around the tile size, on every supported path, results stay
// within tolerance of matmul_reference, equal the single-token kernel bit for
// bit (so tiling never changes a token's output), and are bit-identical for
// 1, 2 and 3 threads. On AMX machines: which weight types use the tile
// products (BF16 and the int8 types, never F16 or F32), and F16 on the Amx path
// equals the Avx512 path bit for bit (it runs the same GGML-order kernels).
// On AVX-512 VBMI machines: which types the VNNI decoded tiles take, and (with
// AMX too) that they equal the AMX tile products bit for bit. On AVX2 machines:
// which types the AVX2 tiles take with and without AVX-VNNI, and that they
// equal the AVX-512 VNNI tiles bit for bit where both exist.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/kernels/amx.h"
#include "engine/kernels/avx2_tiles.h"
#include "engine/kernels/vnni_tiles.h"
#include "engine/kernels/kernels.h"
#include "engine/quant/quant.h"
#include "kernel_test_support.h"

namespace pg::kernels {
namespace {

using test::OwnedMatrix;
using test::random_floats;
using test::random_matrix;

const int64_t kTokenCounts[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 17};

// Odd row counts; cols with an odd block count (pair kernels' tail) and,
// for plain types, a ragged tail.
struct TileShape {
  int64_t rows, cols;
};
std::vector<TileShape> tile_shapes(GgmlType type) {
  const uint32_t block = ggml_type_info(static_cast<uint32_t>(type))->block_size;
  if (block == 1) return {{37, 4099}, {5, 200}};
  if (block == 32) return {{37, 4192}, {5, 96}};
  return {{37, 1280}, {5, 256}};
}

const GgmlType kTiledTypes[] = {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::F16,  GgmlType::F32,  GgmlType::BF16,
                                GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::MXFP4};

TEST(KernelsMatmulTiles, EveryTokenCountMatchesReferenceAndSingleTokenKernel) {
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 7000;
  for (GgmlType type : kTiledTypes) {
    for (const TileShape& shape : tile_shapes(type)) {
      const OwnedMatrix m = random_matrix(type, shape.rows, shape.cols, ++seed);
      for (int64_t tokens : kTokenCounts) {
        SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << shape.rows << "x" << shape.cols
                                        << " tokens " << tokens);
        const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * tokens), ++seed);
        const size_t n = static_cast<size_t>(shape.rows * tokens);
        std::vector<float> expected(n);
        matmul_reference(m.view, x.data(), tokens, expected.data());
        const std::vector<double> bounds = test::magnitude_bounds(m.view, x, tokens);
        for (KernelPath path : supported_kernel_paths()) {
          SCOPED_TRACE(test::path_label(path));
          std::vector<float> tiled(n, -1.0f), one_by_one(n, -2.0f);
          ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, tiled.data(), pool, scratch));
          for (int64_t t = 0; t < tokens; ++t) {
            ASSERT_TRUE(matmul_with_path(path, m.view, x.data() + t * shape.cols, 1,
                                         one_by_one.data() + t * shape.rows, pool, scratch));
          }
          EXPECT_EQ(0, std::memcmp(tiled.data(), one_by_one.data(), n * sizeof(float)))
              << "a tiled token differs from the same token alone";
          test::expect_within_tolerance(tiled, expected, bounds);
        }
      }
    }
  }
}

TEST(KernelsMatmulTiles, TiledResultsAreBitIdenticalForOneTwoAndThreeThreads) {
  ThreadPool one(1), two(2), three(3);
  Scratch scratch;
  for (GgmlType type : kTiledTypes) {
    const TileShape shape = tile_shapes(type).front();
    const OwnedMatrix m = random_matrix(type, shape.rows, shape.cols, 321);
    for (int64_t tokens : {int64_t{5}, int64_t{9}, int64_t{17}}) {
      const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * tokens), 322);
      const size_t n = static_cast<size_t>(shape.rows * tokens);
      for (KernelPath path : supported_kernel_paths()) {
        SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << test::path_label(path) << " tokens "
                                        << tokens);
        std::vector<float> y1(n), y2(n), y3(n);
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y1.data(), one, scratch));
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y2.data(), two, scratch));
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, y3.data(), three, scratch));
        EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), n * sizeof(float)));
        EXPECT_EQ(0, std::memcmp(y1.data(), y3.data(), n * sizeof(float)));
      }
    }
  }
}

TEST(KernelsMatmulTiles, AmxTilesTakeBf16AndInt8TypesButNotF16OrF32) {
  if (!kernel_path_supported(KernelPath::Amx)) GTEST_SKIP() << "no AMX on this CPU";
  EXPECT_FALSE(detail::amx_has_kernel(GgmlType::F16));
  EXPECT_FALSE(detail::amx_has_kernel(GgmlType::F32));
  EXPECT_TRUE(detail::amx_has_kernel(GgmlType::BF16));
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,
                        GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL,
                        GgmlType::IQ4_XS, GgmlType::MXFP4}) {
    EXPECT_TRUE(detail::amx_has_kernel(type)) << ggml_type_name(type);
  }
  // Still a SIMD kernel on the Amx path: the Avx512 one.
  EXPECT_TRUE(has_simd_kernel(KernelPath::Amx, GgmlType::F16));
}

TEST(KernelsMatmulTiles, VnniTilesTakeInt8TypesAndBf16AndLeaveF16AndF32ToTheRowKernels) {
  if (!kernel_path_supported(KernelPath::Avx512Tiles)) GTEST_SKIP() << "no AVX-512 VBMI on this CPU";
  EXPECT_TRUE(detail::vnni_tiles_have_kernel(GgmlType::BF16));
  for (GgmlType type : {GgmlType::F16, GgmlType::F32}) {
    EXPECT_FALSE(detail::vnni_tiles_have_kernel(type)) << ggml_type_name(type);
    EXPECT_TRUE(has_simd_kernel(KernelPath::Avx512Tiles, type)) << ggml_type_name(type);
  }
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,
                        GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL,
                        GgmlType::IQ4_XS, GgmlType::MXFP4}) {
    EXPECT_TRUE(detail::vnni_tiles_have_kernel(type)) << ggml_type_name(type);
  }
}

// The VNNI tiles take every int8 type; a prompt of 40 tokens crosses two full
// 16-token tiles and a partial one, and its outputs must equal each token
// multiplied alone on the same path, and (on AMX machines) the AMX products.
TEST(KernelsMatmulTiles, VnniTilesEqualEachTokenAloneAndTheAmxProducts) {
  if (!kernel_path_supported(KernelPath::Avx512Tiles)) GTEST_SKIP() << "no AVX-512 VBMI on this CPU";
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 9400;
  for (GgmlType type : {GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K,
                        GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::Q4_0, GgmlType::Q6_K}) {
    const OwnedMatrix m = random_matrix(type, 33, 512, ++seed);
    const int64_t tokens = 40;
    SCOPED_TRACE(ggml_type_name(type));
    const std::vector<float> x = random_floats(static_cast<size_t>(512 * tokens), ++seed);
    const size_t n = static_cast<size_t>(33 * tokens);
    std::vector<float> tiled(n, -1.0f), alone(n, -2.0f), expected(n);
    ASSERT_TRUE(matmul_with_path(KernelPath::Avx512Tiles, m.view, x.data(), tokens, tiled.data(), pool, scratch));
    for (int64_t t = 0; t < tokens; ++t) {
      ASSERT_TRUE(matmul_with_path(KernelPath::Avx512Tiles, m.view, x.data() + t * 512, 1, alone.data() + t * 33, pool,
                                   scratch));
    }
    EXPECT_EQ(0, std::memcmp(tiled.data(), alone.data(), n * sizeof(float)));
    matmul_reference(m.view, x.data(), tokens, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(m.view, x, tokens);
    test::expect_within_tolerance(tiled, expected, bounds);
    if (kernel_path_supported(KernelPath::Amx)) {
      std::vector<float> amx(n, -3.0f);
      ASSERT_TRUE(matmul_with_path(KernelPath::Amx, m.view, x.data(), tokens, amx.data(), pool, scratch));
      EXPECT_EQ(0, std::memcmp(tiled.data(), amx.data(), n * sizeof(float)));
    }
  }
}

// The tiles' twin (a few tokens of Q4_0 or Q8_0 on the AVX-512 tile paths:
// vnni_twin_vbmi.cpp) reads weights with 64-byte loads: a matrix that ends
// right before an unmapped page must still be read only inside its bytes (a
// read past it faults), and every token count up to a decode batch of 8 gives
// each token its output alone, which equals the tiles' output for a prompt.
TEST(KernelsMatmulTiles, TwinReadsNothingPastTheMatrixAndEqualsTheTiles) {
  if (!kernel_path_supported(KernelPath::Avx512Tiles)) GTEST_SKIP() << "no AVX-512 VBMI on this CPU";
  ThreadPool pool(2);
  Scratch scratch;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint32_t seed = 9900;
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q8_0}) {
    EXPECT_TRUE(detail::vnni_twin_has_kernel(type));
    EXPECT_TRUE(has_simd_kernel(KernelPath::Avx512Decode, type));
    // 3 blocks per row (a pair and a lone block), 2, 1; 19 rows (a partial group).
    for (int64_t cols : {96, 64, 32}) {
      const int64_t rows = 19;
      SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " cols " << cols);
      const OwnedMatrix m = random_matrix(type, rows, cols, ++seed);
      const uint64_t bytes = m.view.row_bytes * static_cast<uint64_t>(rows);
      const uint64_t mapped = (bytes + page - 1) / page * page;
      auto* region = static_cast<uint8_t*>(
          mmap(nullptr, mapped + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
      ASSERT_NE(region, MAP_FAILED);
      ASSERT_EQ(0, mprotect(region + mapped, page, PROT_NONE));
      uint8_t* at_end = region + mapped - bytes;
      std::memcpy(at_end, m.view.data, bytes);
      WeightMatrix guarded = m.view;
      guarded.data = at_end;
      for (int64_t tokens : {1, 2, 5, 8, 9}) {
        const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), ++seed);
        const size_t n = static_cast<size_t>(rows * tokens);
        std::vector<float> tiled(n, -1.0f), alone(n, -2.0f), decode(n, -3.0f), expected(n);
        ASSERT_TRUE(matmul_with_path(KernelPath::Avx512Tiles, guarded, x.data(), tokens, tiled.data(), pool, scratch));
        ASSERT_TRUE(matmul_with_path(KernelPath::Avx512Decode, guarded, x.data(), tokens, decode.data(), pool, scratch));
        for (int64_t t = 0; t < tokens; ++t) {
          ASSERT_TRUE(matmul_with_path(KernelPath::Avx512Decode, guarded, x.data() + t * cols, 1, alone.data() + t * rows,
                                       pool, scratch));
        }
        EXPECT_EQ(0, std::memcmp(tiled.data(), alone.data(), n * sizeof(float))) << tokens << " tokens";
        EXPECT_EQ(0, std::memcmp(decode.data(), alone.data(), n * sizeof(float))) << tokens << " tokens";
        matmul_reference(guarded, x.data(), tokens, expected.data());
        test::expect_within_tolerance(tiled, expected, test::magnitude_bounds(guarded, x, tokens));
      }
      munmap(region, mapped + page);
    }
  }
  for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::F16, GgmlType::BF16}) {
    EXPECT_FALSE(detail::vnni_twin_has_kernel(type)) << ggml_type_name(type);
  }
}

const GgmlType kInt8TileTypes[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                                   GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,
                                   GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};

TEST(KernelsMatmulTiles, Avx2TilesTakeEveryInt8Type) {
  if (!kernel_path_supported(KernelPath::Avx2Tiles)) GTEST_SKIP() << "no AVX2 on this CPU";
  for (GgmlType type : kInt8TileTypes) {
    // Every int8 type, with AVX-VNNI or without (the 8-bit codes of Q8_0,
    // IQ4_NL and IQ4_XS as signed or split products).
    EXPECT_TRUE(detail::avx2_tiles_have_kernel(type)) << ggml_type_name(type);
    EXPECT_TRUE(has_simd_kernel(KernelPath::Avx2Tiles, type)) << ggml_type_name(type);
  }
  for (GgmlType type : {GgmlType::F16, GgmlType::BF16, GgmlType::F32}) {
    EXPECT_FALSE(detail::avx2_tiles_have_kernel(type)) << ggml_type_name(type);
    EXPECT_TRUE(has_simd_kernel(KernelPath::Avx2Tiles, type)) << ggml_type_name(type);
  }
  EXPECT_EQ(generation_kernel_path(KernelPath::Avx2Tiles), KernelPath::Avx2);
  EXPECT_EQ(generation_kernel_path(KernelPath::Avx2VnniTiles), KernelPath::Avx2Vnni);
}

// A prompt of 40 tokens (two full tiles and a partial one) through the AVX2
// tiles, with and without AVX-VNNI: each token equals itself alone, the result
// is within tolerance of the reference, and equals the AVX-512 VNNI tiles bit
// for bit. Rows 33 leave a partial group; the weights are random bytes, so
// every code a decoder can produce occurs (the bound on |q|, or the split of
// 8-bit codes, is what keeps the 16-bit sums exact).
TEST(KernelsMatmulTiles, Avx2TilesEqualEachTokenAloneAndTheAvx512Tiles) {
  if (!kernel_path_supported(KernelPath::Avx2Tiles)) GTEST_SKIP() << "no AVX2 on this CPU";
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 9700;
  for (GgmlType type : kInt8TileTypes) {
    const int64_t cols = ggml_type_info(static_cast<uint32_t>(type))->block_size == 32 ? 544 : 512;
    const OwnedMatrix m = random_matrix(type, 33, cols, ++seed);
    const int64_t tokens = 40;
    const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), ++seed);
    const size_t n = static_cast<size_t>(33 * tokens);
    std::vector<float> expected(n), avx512(n, -3.0f);
    matmul_reference(m.view, x.data(), tokens, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(m.view, x, tokens);
    const bool have_avx512_tiles = kernel_path_supported(KernelPath::Avx512Tiles);
    if (have_avx512_tiles) {
      ASSERT_TRUE(matmul_with_path(KernelPath::Avx512Tiles, m.view, x.data(), tokens, avx512.data(), pool, scratch));
    }
    for (KernelPath path : {KernelPath::Avx2Tiles, KernelPath::Avx2VnniTiles}) {
      if (!kernel_path_supported(path)) continue;
      if (!detail::avx2_tiles_have_kernel(type)) continue;
      SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << test::path_label(path));
      std::vector<float> tiled(n, -1.0f), alone(n, -2.0f);
      ASSERT_TRUE(matmul_with_path(path, m.view, x.data(), tokens, tiled.data(), pool, scratch));
      for (int64_t t = 0; t < tokens; ++t) {
        ASSERT_TRUE(matmul_with_path(path, m.view, x.data() + t * cols, 1, alone.data() + t * 33, pool, scratch));
      }
      EXPECT_EQ(0, std::memcmp(tiled.data(), alone.data(), n * sizeof(float)));
      test::expect_within_tolerance(tiled, expected, bounds);
      if (have_avx512_tiles) EXPECT_EQ(0, std::memcmp(tiled.data(), avx512.data(), n * sizeof(float)));
    }
  }
}

// The 16-bit sums of the AVX2 products are exact only within the bound on
// |q| each type's decoder states: weights and activations at the ends of their
// ranges (constant rows quantize to the extreme codes, constant activations to
// +-127, i.e. 255 and 1 once flipped) must still give the reference's result.
TEST(KernelsMatmulTiles, Avx2TilesStayExactAtTheExtremeCodes) {
  if (!kernel_path_supported(KernelPath::Avx2Tiles)) GTEST_SKIP() << "no AVX2 on this CPU";
  ThreadPool pool(2);
  Scratch scratch;
  for (GgmlType type : kInt8TileTypes) {
    const int64_t rows = 20, cols = 512, tokens = 18;
    std::vector<float> values(static_cast<size_t>(rows * cols));
    const std::vector<float> noise = random_floats(values.size(), 4242, 0.5f);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const size_t i = static_cast<size_t>(r * cols + c);
        switch (r % 4) {
          case 0: values[i] = 0.5f; break;
          case 1: values[i] = -0.5f; break;
          case 2: values[i] = c % 2 == 0 ? 0.5f : -0.4375f; break;
          default: values[i] = noise[i]; break;
        }
      }
    }
    const quant::TypeOps* ops = quant::reference_ops(type);
    const uint64_t row_bytes = *ggml_row_bytes(type, static_cast<uint64_t>(cols));
    std::vector<uint8_t> bytes(static_cast<size_t>(rows * row_bytes));
    for (int64_t r = 0; r < rows; ++r) ops->quantize_row(values.data() + r * cols, bytes.data() + r * row_bytes, cols);
    const WeightMatrix w{type, rows, cols, row_bytes, bytes.data()};
    std::vector<float> x(static_cast<size_t>(cols * tokens));
    const std::vector<float> x_noise = random_floats(x.size(), 4343);
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t c = 0; c < cols; ++c) {
        const size_t i = static_cast<size_t>(t * cols + c);
        x[i] = t % 3 == 0 ? 1.0f : t % 3 == 1 ? -1.0f : x_noise[i];
      }
    }
    const size_t n = static_cast<size_t>(rows * tokens);
    std::vector<float> expected(n);
    matmul_reference(w, x.data(), tokens, expected.data());
    const std::vector<double> bounds = test::magnitude_bounds(w, x, tokens);
    for (KernelPath path : {KernelPath::Avx2Tiles, KernelPath::Avx2VnniTiles}) {
      if (!kernel_path_supported(path)) continue;
      SCOPED_TRACE(testing::Message() << ggml_type_name(type) << " " << test::path_label(path));
      std::vector<float> tiled(n, -1.0f);
      ASSERT_TRUE(matmul_with_path(path, w, x.data(), tokens, tiled.data(), pool, scratch));
      test::expect_within_tolerance(tiled, expected, bounds);
    }
  }
}

TEST(KernelsMatmulTiles, F16OnTheAmxPathEqualsTheAvx512PathBitForBit) {
  if (!kernel_path_supported(KernelPath::Amx)) GTEST_SKIP() << "no AMX on this CPU";
  ThreadPool pool(2);
  Scratch scratch;
  uint32_t seed = 9100;
  for (const TileShape& shape : tile_shapes(GgmlType::F16)) {
    const OwnedMatrix m = random_matrix(GgmlType::F16, shape.rows, shape.cols, ++seed);
    for (int64_t tokens : kTokenCounts) {
      SCOPED_TRACE(testing::Message() << shape.rows << "x" << shape.cols << " tokens " << tokens);
      const std::vector<float> x = random_floats(static_cast<size_t>(shape.cols * tokens), ++seed);
      const size_t n = static_cast<size_t>(shape.rows * tokens);
      std::vector<float> amx(n, -1.0f), avx512(n, -2.0f);
      ASSERT_TRUE(matmul_with_path(KernelPath::Amx, m.view, x.data(), tokens, amx.data(), pool, scratch));
      ASSERT_TRUE(matmul_with_path(KernelPath::Avx512, m.view, x.data(), tokens, avx512.data(), pool, scratch));
      EXPECT_EQ(0, std::memcmp(amx.data(), avx512.data(), n * sizeof(float)));
    }
  }
}

}  // namespace
}  // namespace pg::kernels
