// The persistent thread pool: every index runs exactly once per run(), the
// same threads serve every run, the caller is index 0, exceptions come back to
// the caller, and a pool of one runs inline. Also the physical core count.
#include "engine/kernels/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pg {
namespace {

TEST(KernelsThreadPool, RunsEveryIndexExactlyOnce) {
  for (int size : {1, 2, 3, 5}) {
    ThreadPool pool(size);
    ASSERT_EQ(pool.size(), size);
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> calls(static_cast<size_t>(size));
      std::atomic<int> wrong_count{0};
      pool.run([&](int index, int n_threads) {
        if (n_threads != size) wrong_count.fetch_add(1);
        calls[static_cast<size_t>(index)].fetch_add(1);
      });
      EXPECT_EQ(wrong_count.load(), 0);
      for (int i = 0; i < size; ++i) ASSERT_EQ(calls[static_cast<size_t>(i)].load(), 1) << "size " << size;
    }
  }
}

TEST(KernelsThreadPool, ReusesTheSameThreadsAndTheCallerIsIndexZero) {
  ThreadPool pool(3);
  std::mutex mu;
  std::vector<std::set<std::thread::id>> ids_by_index(3);
  const std::thread::id caller = std::this_thread::get_id();
  for (int round = 0; round < 2000; ++round) {
    pool.run([&](int index, int) {
      std::lock_guard<std::mutex> lock(mu);
      ids_by_index[static_cast<size_t>(index)].insert(std::this_thread::get_id());
    });
  }
  std::set<std::thread::id> all;
  for (const auto& ids : ids_by_index) {
    EXPECT_EQ(ids.size(), 1u);  // one thread per index across all runs
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(*ids_by_index[0].begin(), caller);
}

TEST(KernelsThreadPool, SizeOneAndBelowRunInline) {
  for (int requested : {1, 0, -4}) {
    ThreadPool pool(requested);
    EXPECT_EQ(pool.size(), 1);
    std::thread::id seen;
    int calls = 0;
    pool.run([&](int index, int n_threads) {
      EXPECT_EQ(index, 0);
      EXPECT_EQ(n_threads, 1);
      seen = std::this_thread::get_id();
      ++calls;
    });
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, std::this_thread::get_id());
  }
}

TEST(KernelsThreadPool, WaitsForAllWorkBeforeReturning) {
  ThreadPool pool(4);
  std::vector<int64_t> sums(4, 0);
  for (int round = 0; round < 100; ++round) {
    pool.run([&](int index, int) {
      int64_t local = 0;
      for (int i = 0; i < 20000 * (index + 1); ++i) local += i % 7;
      sums[static_cast<size_t>(index)] += local;  // each index owns its slot
    });
  }
  for (int index = 0; index < 4; ++index) {
    int64_t expected_once = 0;
    for (int i = 0; i < 20000 * (index + 1); ++i) expected_once += i % 7;
    EXPECT_EQ(sums[static_cast<size_t>(index)], expected_once * 100);
  }
}

TEST(KernelsThreadPool, ExceptionsReachTheCallerAndThePoolStaysUsable) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.run([](int index, int) {
    if (index == 2) throw std::runtime_error("worker failed");
  }),
               std::runtime_error);
  EXPECT_THROW(pool.run([](int index, int) {
    if (index == 0) throw std::logic_error("caller failed");
  }),
               std::logic_error);
  std::atomic<int> calls{0};
  pool.run([&](int, int) { calls.fetch_add(1); });
  EXPECT_EQ(calls.load(), 3);
}

TEST(KernelsThreadPool, CallersOnSeveralThreadsAreSerialized) {
  ThreadPool pool(2);
  std::atomic<int> calls{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) pool.run([&](int, int) { calls.fetch_add(1); });
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(calls.load(), 3 * 200 * 2);
}

TEST(KernelsThreadPool, ManyPoolsStartAndStopCleanly) {
  for (int i = 0; i < 200; ++i) {
    ThreadPool pool(1 + i % 4);
    if (i % 2 == 0) {
      std::atomic<int> calls{0};
      pool.run([&](int, int) { calls.fetch_add(1); });
      ASSERT_EQ(calls.load(), pool.size());
    }
  }
}

TEST(KernelsThreadPool, PhysicalCoreCountIsPlausible) {
  const int cores = physical_core_count();
  EXPECT_GE(cores, 1);
  const unsigned logical = std::thread::hardware_concurrency();
  if (logical > 0) {
    EXPECT_LE(cores, static_cast<int>(logical));
  }
}

}  // namespace
}  // namespace pg
