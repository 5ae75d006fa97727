// A persistent pool of worker threads for data-parallel loops (no thread is
// started per token). The calling thread takes part in the work. Workers and
// the caller spin briefly before sleeping, because a forward pass hands the
// pool hundreds of short jobs per token and a futex wake-up per job costs more
// than the job. Never holds model state; it only runs the functions it is given.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pg {

class ThreadPool {
 public:
  // n_threads includes the calling thread; n_threads <= 1 runs everything inline.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(thread_index, n_threads) once on every thread (thread_index in
  // [0, n_threads)) and returns when all calls are done. fn splits the work by
  // its thread index so the split is deterministic.
  // The caller runs index 0. Calls from several threads are serialized; calling
  // run() from inside fn deadlocks. If any call of fn throws, run() waits for
  // the others and rethrows the first exception.
  void run(const std::function<void(int thread_index, int n_threads)>& fn);

 private:
  void worker_loop(int index);
  void wait_for_workers();

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex run_mu_;  // one job at a time when several threads share the pool
  // mu_ guards the sleeping side (the condition variables) and first_error_;
  // the hand-over itself goes through the atomics so a spinning thread sees it
  // without the mutex.
  std::mutex mu_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  std::atomic<const std::function<void(int, int)>*> job_{nullptr};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::exception_ptr first_error_;
};

// Number of physical cores this process may run on (the default thread count);
// always >= 1.
int physical_core_count();

}  // namespace pg
