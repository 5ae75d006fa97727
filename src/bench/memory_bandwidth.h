// Measures how fast this machine reads main memory with a given thread pool:
// the yardstick the benchmark puts next to the model's effective weight
// bandwidth. Never touches model state; the only memory it uses is its own
// buffer, freed before it returns.
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/thread_pool.h"
#include "util/result.h"

namespace pg::bench {

struct BandwidthMeasurement {
  uint64_t buffer_bytes = 0;
  int passes = 0;
  double best_seconds = 0;   // fastest full read of the buffer
  double gb_per_s = 0;       // buffer_bytes / best_seconds / 1e9
  uint64_t checksum = 0;     // sum of the buffer's words, so no pass can be skipped
  uint64_t expected_checksum = 0;
};

// Scalar reference: the wrapping sum of the words.
uint64_t sum_words_reference(std::span<const uint64_t> words);

// The same sum, the words split evenly over the pool's threads (each thread a
// plain loop the compiler vectorizes).
uint64_t sum_words_parallel(ThreadPool& pool, std::span<const uint64_t> words);

// Fills a buffer of `buffer_bytes` (rounded down to whole words, at least one)
// with word i = i, then reads it `passes` times with the pool and keeps the
// fastest pass. Errors on a zero size or pass count, or if the buffer can't be
// allocated.
Result<BandwidthMeasurement> measure_read_bandwidth(ThreadPool& pool, uint64_t buffer_bytes,
                                                    int passes = 3);

}  // namespace pg::bench
