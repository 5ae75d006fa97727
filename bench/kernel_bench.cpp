// Microbenchmarks of the engine's matrix kernels (Google Benchmark): the
// matrix-vector product of generation and the matrix-matrix product of prompt
// processing, per weight type, on the tinyllama-1.1b FFN shape (5632 x 2048).
// Generation is measured streaming weights from memory (many copies of the
// matrix, more than the caches hold), so bytes/s is comparable with the
// machine's memory bandwidth. Never part of the test suite; numbers go to
// docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <random>
#include <vector>

#include "engine/kernels/kernels.h"
#include "engine/quant/quant.h"

namespace {

constexpr int64_t kRows = 5632;
constexpr int64_t kCols = 2048;
constexpr uint64_t kStreamBytes = 512ull << 20;  // well above any L3 here

// Anonymous memory in 2 MiB pages where the kernel gives them, as the model
// weights are mapped (util/mapped_file): 4 KiB pages would add a TLB miss per
// page that the model runs never pay.
class HugePageBytes {
 public:
  explicit HugePageBytes(uint64_t bytes) : span_(static_cast<size_t>(bytes + kHuge)) {
    void* p = ::mmap(nullptr, span_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    base_ = p;
    data_ = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1));
    ::madvise(data_, static_cast<size_t>(bytes), MADV_HUGEPAGE);
  }
  ~HugePageBytes() { ::munmap(base_, span_); }
  HugePageBytes(const HugePageBytes&) = delete;
  HugePageBytes& operator=(const HugePageBytes&) = delete;
  uint8_t* data() const { return data_; }

 private:
  static constexpr uint64_t kHuge = 2ull << 20;
  size_t span_;
  void* base_ = nullptr;
  uint8_t* data_ = nullptr;
};

struct Matrices {
  std::unique_ptr<HugePageBytes> bytes;
  std::vector<pg::kernels::WeightMatrix> copies;
};

// `copies` copies of one kRows x kCols matrix of `type` made from normal random floats.
Matrices make_matrices(pg::GgmlType type, uint64_t total_bytes) {
  const pg::quant::TypeOps* ops = pg::quant::reference_ops(type);
  const uint64_t row_bytes = *pg::ggml_row_bytes(type, kCols);
  const uint64_t matrix_bytes = row_bytes * kRows;
  const uint64_t n_copies = std::max<uint64_t>(1, total_bytes / matrix_bytes);
  Matrices m;
  m.bytes = std::make_unique<HugePageBytes>(n_copies * matrix_bytes);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> row(kCols);
  for (int64_t r = 0; r < kRows; ++r) {
    for (float& v : row) v = normal(rng);
    ops->quantize_row(row.data(), m.bytes->data() + r * row_bytes, kCols);
  }
  for (uint64_t c = 1; c < n_copies; ++c) std::memcpy(m.bytes->data() + c * matrix_bytes, m.bytes->data(), matrix_bytes);
  for (uint64_t c = 0; c < n_copies; ++c) {
    m.copies.push_back({type, kRows, kCols, row_bytes, m.bytes->data() + c * matrix_bytes});
  }
  return m;
}

// state.range(0): threads; state.range(1): kernel path (pg::kernels::KernelPath
// as an integer), skipped when this CPU lacks it.
void run_matmul(benchmark::State& state, pg::GgmlType type, int64_t tokens, uint64_t stream_bytes) {
  const int threads = static_cast<int>(state.range(0));
  const auto path = static_cast<pg::kernels::KernelPath>(state.range(1));
  if (!pg::kernels::kernel_path_supported(path)) {
    state.SkipWithError("kernel path not supported by this CPU");
    return;
  }
  state.SetLabel(std::string(pg::kernels::kernel_path_name(path)));
  Matrices m = make_matrices(type, stream_bytes);
  pg::ThreadPool pool(threads);
  pg::kernels::Scratch scratch;
  std::vector<float> x(static_cast<size_t>(tokens * kCols)), y(static_cast<size_t>(tokens * kRows));
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : x) v = normal(rng);
  size_t next = 0;
  for (auto _ : state) {
    (void)pg::kernels::matmul_with_path(path, m.copies[next], x.data(), tokens, y.data(), pool, scratch);
    benchmark::DoNotOptimize(y.data());
    next = (next + 1) % m.copies.size();
  }
  const double bytes = static_cast<double>(m.copies[0].row_bytes * kRows);
  state.SetBytesProcessed(static_cast<int64_t>(bytes * static_cast<double>(state.iterations())));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Gemv(benchmark::State& state, pg::GgmlType type) { run_matmul(state, type, 1, kStreamBytes); }
// The same product on one matrix that stays in the caches: the kernel's compute speed.
void BM_GemvCached(benchmark::State& state, pg::GgmlType type) { run_matmul(state, type, 1, 0); }
void BM_Gemm64(benchmark::State& state, pg::GgmlType type) { run_matmul(state, type, 64, 0); }

// Arguments: {threads, kernel path}; the AVX-512 row, AVX-512 tile and AMX
// paths (the others are skipped where the CPU lacks them).
constexpr int64_t kAvx512 = static_cast<int64_t>(pg::kernels::KernelPath::Avx512);
constexpr int64_t kTiles = static_cast<int64_t>(pg::kernels::KernelPath::Avx512Tiles);
constexpr int64_t kAmx = static_cast<int64_t>(pg::kernels::KernelPath::Amx);
#define PG_KERNEL_BENCH(TYPE)                                                                                   \
  BENCHMARK_CAPTURE(BM_Gemv, TYPE, pg::GgmlType::TYPE)                                                         \
      ->Args({1, kAvx512})->Args({2, kAvx512})->Args({1, kTiles})->Args({2, kTiles})->Args({1, kAmx})          \
      ->Args({2, kAmx})->UseRealTime();                                                                        \
  BENCHMARK_CAPTURE(BM_GemvCached, TYPE, pg::GgmlType::TYPE)                                                   \
      ->Args({1, kAvx512})->Args({1, kTiles})->Args({1, kAmx})->UseRealTime();                                 \
  BENCHMARK_CAPTURE(BM_Gemm64, TYPE, pg::GgmlType::TYPE)                                                       \
      ->Args({1, kAvx512})->Args({2, kAvx512})->Args({1, kTiles})->Args({2, kTiles})->Args({1, kAmx})          \
      ->Args({2, kAmx})->UseRealTime();

// Types with no AMX tile kernel (F16 keeps the AVX-512 kernels, GGML's order, on
// the Amx path too): the AVX-512 path only.
#define PG_KERNEL_BENCH_AVX512(TYPE)                                                                          \
  BENCHMARK_CAPTURE(BM_Gemv, TYPE, pg::GgmlType::TYPE)->Args({1, kAvx512})->Args({2, kAvx512})->UseRealTime();   \
  BENCHMARK_CAPTURE(BM_GemvCached, TYPE, pg::GgmlType::TYPE)->Args({1, kAvx512})->UseRealTime();                 \
  BENCHMARK_CAPTURE(BM_Gemm64, TYPE, pg::GgmlType::TYPE)->Args({1, kAvx512})->Args({2, kAvx512})->UseRealTime();

PG_KERNEL_BENCH(Q4_0)
PG_KERNEL_BENCH(Q8_0)
PG_KERNEL_BENCH(Q4_K)
PG_KERNEL_BENCH(Q6_K)
PG_KERNEL_BENCH_AVX512(F16)
PG_KERNEL_BENCH(Q4_1)
PG_KERNEL_BENCH(Q5_0)
PG_KERNEL_BENCH(Q5_1)
PG_KERNEL_BENCH(Q2_K)
PG_KERNEL_BENCH(Q3_K)
PG_KERNEL_BENCH(Q5_K)
PG_KERNEL_BENCH(IQ4_NL)
PG_KERNEL_BENCH(IQ4_XS)
PG_KERNEL_BENCH(MXFP4)

}  // namespace

BENCHMARK_MAIN();
