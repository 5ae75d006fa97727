// Fast compute kernels of the engine: matrix products of quantized weights with
// activations, and the float vector ops of the forward pass. Each entry point
// picks the best path for this CPU at run time (CPUID: AVX-512 with VNNI/BF16,
// AVX2+FMA+F16C, or the portable scalar path). Results must equal the scalar
// reference in engine/quant within the tolerances the kernel tests state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/tensor/ggml_type.h"
#include "util/result.h"

namespace pg::kernels {

// Which instruction set paths this CPU supports and which one is used.
// A flag is set only when the CPU has the feature AND the OS saves its registers.
struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false, avx512bf16 = false;
  bool avx_vnni = false;
  bool avx512dq = false;
  bool avx512vbmi = false;  // byte permutes (VPERMB, VPMULTISHIFTQB)
  // AMX tile registers with INT8 and BF16 products, usable by this process
  // (the CPU has them, XCR0 enables their state and Linux granted the
  // process permission to use the 8 KiB tile data state).
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
};
const CpuFeatures& cpu_features();
std::string simd_path_name();  // e.g. "avx512-vnni", "avx2", "scalar"

// The instruction set families a matmul can run with. Types without a SIMD
// kernel on a path use the scalar reference dot product (still threaded).
enum class KernelPath {
  Scalar,    // engine/quant reference vec_dot for every type
  Avx2,      // AVX2 + FMA + F16C row kernels, int8 products with maddubs
  Avx2Tiles,  // Avx2 with prompt tokens of quantized weights through decoded weight
              // tiles (avx2_tiles.h, VPMADDUBSW products); generation and other types
              // use the Avx2 row kernels
  Avx2Vnni,  // Avx2 with AVX-VNNI int8 products
  Avx2VnniTiles,  // Avx2Tiles with VPDPBUSD products; generation uses the Avx2Vnni row kernels
  Avx512,    // AVX-512 F/BW/VL/DQ/VNNI/BF16 (all required: the file is built for all), row kernels
  Avx512Decode,  // the generation path of Avx512Tiles and Amx: the types whose decoded tiles
                 // have a twin (vnni_tiles.h: Q4_0, Q8_0) take the twin for up to 8 tokens
                 // and the tiles for more (decode batches of streams), so a token's output
                 // never depends on its batch; other types use the Avx512 row kernels
  Avx512Tiles,  // Avx512 (+VBMI) with prompt tokens of quantized weights through decoded
                // weight tiles and VPDPBUSD products (vnni_tiles.h); up to 8 tokens take
                // the tiles' twin where there is one (same bits); other types use the
                // Avx512 row kernels
  Amx,       // Avx512 (+VBMI) plus AMX tiles: INT8 tile products for quantized weights, BF16
             // tile products for BF16 weights; other types (F32, F16) use the Avx512 kernels
};
// "scalar", "avx2-rows", "avx2", "avx2-vnni-rows", "avx2-vnni", "avx512-vnni-rows",
// "avx512-vnni-decode", "avx512-vnni", "avx512-amx"
std::string_view kernel_path_name(KernelPath path);
// The path named `name` (as kernel_path_name prints it); nullopt for an unknown name.
std::optional<KernelPath> kernel_path_from_name(std::string_view name);
bool kernel_path_supported(KernelPath path);         // by this CPU and OS
std::vector<KernelPath> supported_kernel_paths();    // Scalar first, best last
KernelPath best_kernel_path();                       // what matmul() uses
// The path for generated tokens, one (or a few) per sequence and step: the
// decoded tiles of the Avx2Tiles and Avx2VnniTiles paths pay off for prompt
// batches only, so generation there uses the row kernels of the same
// instruction set (Avx2, Avx2Vnni); Avx512Tiles and Amx generate with
// Avx512Decode (row kernels, and the tiles' twin where there is one, so a
// decode batch reads each weight once for all its streams). Every other path is its own
// generation path.
KernelPath generation_kernel_path(KernelPath path);
// True for the paths built on the AVX2 row kernels (Avx2, Avx2Vnni and their tiles).
constexpr bool uses_avx2_rows(KernelPath path) {
  return path == KernelPath::Avx2 || path == KernelPath::Avx2Tiles || path == KernelPath::Avx2Vnni ||
         path == KernelPath::Avx2VnniTiles;
}
// True for the paths built on the AVX-512 row kernels (Avx512, Avx512Decode, Avx512Tiles, Amx).
constexpr bool uses_avx512_rows(KernelPath path) {
  return path == KernelPath::Avx512 || path == KernelPath::Avx512Decode || path == KernelPath::Avx512Tiles ||
         path == KernelPath::Amx;
}
// True when `path` has a SIMD row kernel for weights of `type` (false for Scalar).
bool has_simd_kernel(KernelPath path, GgmlType type);

// A read-only 2-D weight matrix in place (usually inside the mmapped file):
// `rows` rows of `cols` elements each, stored row after row in `type`.
struct WeightMatrix {
  GgmlType type = GgmlType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  uint64_t row_bytes = 0;
  const void* data = nullptr;
};

// Ok when matmul/get_row can compute with w: a computable type, rows >= 0,
// cols > 0 and a multiple of the block size, row_bytes >= the packed row size,
// data present when rows > 0. (The extent of data itself cannot be checked here.)
Status validate_weight_matrix(const WeightMatrix& w);

// One product of matmul_many_with_path (below).
struct MatmulJob {
  const WeightMatrix* w = nullptr;
  const float* x = nullptr;
  int64_t n_tokens = 0;
  float* y = nullptr;
};

// Scratch space reused across calls so the hot path does not allocate.
struct Scratch {
  std::vector<uint8_t> activations;  // activations converted to the vec_dot type
  std::vector<uint8_t> packed;       // the same, packed for a packed-activation kernel
  std::vector<uint8_t> tiles;        // AMX path: decoded weight tiles, one region per thread
  std::vector<uint64_t> offsets;     // matmul_many: where each product's activations are
  std::vector<MatmulJob> one_token;  // matmul_many: the products of a few tokens through the tiles' twin
};

// y[t * w.rows + r] = sum_c W[r][c] * x[t * w.cols + c] for t in [0, n_tokens).
// Activations are converted to the weight type's vec_dot_type first (as GGML
// does, e.g. Q8_0 for Q4_0 weights), then rows are split across the pool.
// Each output is computed by one thread with the same instructions whatever
// the pool size, so results are bit-identical for any thread count.
// Invalid arguments (see validate_weight_matrix) fill y with NaN.
void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
            ThreadPool& pool, Scratch& scratch);

// matmul on a chosen path (tests, benchmarks). Errors: the path is not
// supported by this CPU, w is invalid, n_tokens < 0, or a null pointer.
Status matmul_with_path(KernelPath path, const WeightMatrix& w, const float* x, int64_t n_tokens,
                        float* y, ThreadPool& pool, Scratch& scratch);

// Several independent products in one pass (e.g. the gate and up matrices of
// every expert a token chose): each job's activations are converted once
// (jobs reading the same x share the conversion), then the rows of all jobs
// are split across the pool in a single dispatch. Every output has exactly
// the bits matmul_with_path gives it. Errors as matmul_with_path, for any job.
Status matmul_many_with_path(KernelPath path, std::span<const MatmulJob> jobs, ThreadPool& pool, Scratch& scratch);

// Same contract, computed only with the scalar reference ops (for tests and
// as the "scalar" path).
void matmul_reference(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y);

// Copies row `row` of w, dequantized, into out[0..w.cols) (embedding lookup).
// An invalid matrix or a row outside [0, rows) fills out with NaN.
void get_row(const WeightMatrix& w, int64_t row, float* out);

}  // namespace pg::kernels
