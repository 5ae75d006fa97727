// Memory read bandwidth: a summing loop over a buffer much larger than the
// last-level cache. Never keeps the buffer after returning.
#include "bench/memory_bandwidth.h"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace pg::bench {
namespace {

// Contiguous share [begin, end) of n items for thread t of n_threads.
std::pair<size_t, size_t> share(size_t n, int t, int n_threads) {
  const size_t per = n / static_cast<size_t>(n_threads);
  const size_t extra = n % static_cast<size_t>(n_threads);
  const size_t ut = static_cast<size_t>(t);
  const size_t begin = ut * per + std::min(ut, extra);
  return {begin, begin + per + (ut < extra ? 1 : 0)};
}

// An anonymous buffer in 2 MiB pages where the kernel gives them (the model
// weights are mapped that way too, see MappedFile), unmapped on destruction.
class HugePageBuffer {
 public:
  explicit HugePageBuffer(uint64_t bytes) {
    constexpr uint64_t kHuge = 2ull << 20;
    span_ = static_cast<size_t>(bytes + kHuge);
    void* p = ::mmap(nullptr, span_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = p;
    const auto aligned = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
    data_ = reinterpret_cast<uint64_t*>(aligned);
    ::madvise(data_, static_cast<size_t>(bytes), MADV_HUGEPAGE);  // a hint
  }
  ~HugePageBuffer() {
    if (base_ != nullptr) ::munmap(base_, span_);
  }
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;
  uint64_t* data() const { return data_; }

 private:
  void* base_ = nullptr;
  uint64_t* data_ = nullptr;
  size_t span_ = 0;
};

}  // namespace

uint64_t sum_words_reference(std::span<const uint64_t> words) {
  uint64_t sum = 0;
  for (uint64_t w : words) sum += w;
  return sum;
}

uint64_t sum_words_parallel(ThreadPool& pool, std::span<const uint64_t> words) {
  // One cache line per partial sum so threads don't share a line.
  struct alignas(64) Partial { uint64_t sum = 0; };
  std::vector<Partial> partial(static_cast<size_t>(pool.size()));
  pool.run([&](int t, int n_threads) {
    auto [begin, end] = share(words.size(), t, n_threads);
    const uint64_t* p = words.data();
    // Four independent accumulators keep the adds off one dependency chain.
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = begin;
    for (; i + 4 <= end; i += 4) {
      s0 += p[i];
      s1 += p[i + 1];
      s2 += p[i + 2];
      s3 += p[i + 3];
    }
    for (; i < end; ++i) s0 += p[i];
    partial[static_cast<size_t>(t)].sum = s0 + s1 + s2 + s3;
  });
  uint64_t sum = 0;
  for (const Partial& p : partial) sum += p.sum;
  return sum;
}

Result<BandwidthMeasurement> measure_read_bandwidth(ThreadPool& pool, uint64_t buffer_bytes,
                                                    int passes) {
  if (passes < 1) return Error{"bandwidth: pass count must be >= 1, got " + std::to_string(passes)};
  const uint64_t n_words = buffer_bytes / sizeof(uint64_t);
  if (n_words == 0)
    return Error{"bandwidth: buffer of " + std::to_string(buffer_bytes) + " bytes holds no 8-byte word"};
  HugePageBuffer buffer(n_words * sizeof(uint64_t));
  if (buffer.data() == nullptr) return Error{"bandwidth: cannot allocate " + std::to_string(buffer_bytes) + " bytes"};
  std::span<uint64_t> words(buffer.data(), n_words);
  // Filled by the pool so the pages land near the threads that read them.
  pool.run([&](int t, int n_threads) {
    auto [begin, end] = share(words.size(), t, n_threads);
    for (size_t i = begin; i < end; ++i) words[i] = i;
  });

  BandwidthMeasurement m;
  m.buffer_bytes = n_words * sizeof(uint64_t);
  m.passes = passes;
  // Sum of 0..n-1, wrapping like the loop does.
  m.expected_checksum = (n_words % 2 == 0) ? (n_words / 2) * (n_words - 1) : n_words * ((n_words - 1) / 2);
  double best = 0;
  for (int pass = 0; pass < passes; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    const uint64_t sum = sum_words_parallel(pool, words);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (pass == 0 || secs < best) best = secs;
    m.checksum = sum;
  }
  if (m.checksum != m.expected_checksum)
    return Error{"bandwidth: checksum " + std::to_string(m.checksum) + " != expected " +
                 std::to_string(m.expected_checksum) + " (memory or summing loop is broken)"};
  m.best_seconds = best;
  m.gb_per_s = best > 0 ? static_cast<double>(m.buffer_bytes) / best / 1e9 : 0;
  return m;
}

}  // namespace pg::bench
