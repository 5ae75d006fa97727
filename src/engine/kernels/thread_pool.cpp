// The persistent worker pool of thread_pool.h and the physical core count.
// A job is handed over by bumping an atomic generation; workers spin on it for
// a short while (kSpinBudget) and only then sleep on a condition variable, and
// the caller waits for the workers the same way. Sleepers are counted so a
// hand-over takes the mutex only when somebody actually sleeps. The pool never
// decides how work is split (the job does, by thread index) and never lets an
// exception escape a worker thread.
#include "engine/kernels/thread_pool.h"

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace pg {
namespace {

// Long enough to bridge the gap between two jobs of one forward pass (and
// between two tokens), short enough that an idle pool stops burning a core at once.
constexpr auto kSpinBudget = std::chrono::microseconds(300);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Spins until done() or the budget is spent; true when done() became true.
// After a short pure spin it yields the core on every check, so a machine with
// more runnable threads than cores is not slowed down by our waiting.
template <typename Done>
bool spin_until(Done done) {
  constexpr int kPureSpins = 256;
  for (int i = 0; i < kPureSpins; ++i) {
    if (done()) return true;
    cpu_relax();
  }
  const auto deadline = std::chrono::steady_clock::now() + kSpinBudget;
  for (;;) {
    if (done()) return true;
    std::this_thread::yield();
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  start_cv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  std::lock_guard<std::mutex> run_lock(run_mu_);
  job_.store(&fn);
  pending_.store(n_threads_ - 1);
  generation_.fetch_add(1);  // seq_cst: ordered before the sleeper count read below
  if (sleeping_workers_.load() > 0) {
    // A worker that counted itself asleep re-checks generation_ under mu_, so
    // taking mu_ here means it either sees the new generation or is waiting.
    { std::lock_guard<std::mutex> lock(mu_); }
    start_cv_.notify_all();
  }

  std::exception_ptr caller_error;
  try {
    fn(0, n_threads_);
  } catch (...) {
    caller_error = std::current_exception();
  }
  wait_for_workers();

  std::exception_ptr worker_error;
  {
    std::lock_guard<std::mutex> lock(mu_);
    worker_error = std::exchange(first_error_, nullptr);
  }
  job_.store(nullptr);
  if (caller_error) std::rethrow_exception(caller_error);
  if (worker_error) std::rethrow_exception(worker_error);
}

void ThreadPool::wait_for_workers() {
  if (spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) return;
  std::unique_lock<std::mutex> lock(mu_);
  caller_sleeping_.store(true);
  done_cv_.wait(lock, [this] { return pending_.load() == 0; });
  caller_sleeping_.store(false);
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen_generation = 0;
  for (;;) {
    const bool started = spin_until([&] {
      return generation_.load(std::memory_order_acquire) != seen_generation || stop_.load(std::memory_order_relaxed);
    });
    if (!started) {
      std::unique_lock<std::mutex> lock(mu_);
      sleeping_workers_.fetch_add(1);
      start_cv_.wait(lock, [&] { return stop_.load() || generation_.load() != seen_generation; });
      sleeping_workers_.fetch_sub(1);
    }
    if (stop_.load()) return;
    seen_generation = generation_.load();
    const std::function<void(int, int)>* job = job_.load();
    std::exception_ptr error;
    try {
      (*job)(index, n_threads_);
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!first_error_) first_error_ = error;
    }
    if (pending_.fetch_sub(1) == 1 && caller_sleeping_.load()) {
      // The caller counted itself asleep under mu_ and re-checks pending_ there.
      { std::lock_guard<std::mutex> lock(mu_); }
      done_cv_.notify_one();
    }
  }
}

namespace {

// CPUs this process may run on; empty when unknown.
std::set<int> allowed_cpus() {
  std::set<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.insert(cpu);
    }
  }
#endif
  return cpus;
}

bool read_int_file(const std::string& path, long* value) {
  std::ifstream in(path);
  return static_cast<bool>(in >> *value);
}

// Distinct (package, core) pairs among `cpus` from sysfs; 0 when unreadable.
int count_cores_from_sysfs(const std::set<int>& cpus) {
  std::set<std::pair<long, long>> cores;
  for (int cpu : cpus) {
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    long package = 0, core = 0;
    if (!read_int_file(dir + "physical_package_id", &package) || !read_int_file(dir + "core_id", &core)) {
      return 0;
    }
    cores.insert({package, core});
  }
  return static_cast<int>(cores.size());
}

// Same count from /proc/cpuinfo ("processor", "physical id", "core id"); 0 when unusable.
int count_cores_from_cpuinfo(const std::set<int>& cpus) {
  std::ifstream in("/proc/cpuinfo");
  if (!in) return 0;
  std::set<std::pair<long, long>> cores;
  long processor = -1, package = -1, core = -1;
  auto flush = [&] {
    if (processor >= 0 && core >= 0 && (cpus.empty() || cpus.count(static_cast<int>(processor)) != 0)) {
      cores.insert({package, core});
    }
    processor = package = core = -1;
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      flush();
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::istringstream value(line.substr(colon + 1));
    long number = -1;
    if (!(value >> number)) continue;
    if (key == "processor") processor = number;
    else if (key == "physical id") package = number;
    else if (key == "core id") core = number;
  }
  flush();
  return static_cast<int>(cores.size());
}

}  // namespace

int physical_core_count() {
  const std::set<int> cpus = allowed_cpus();
  int count = cpus.empty() ? 0 : count_cores_from_sysfs(cpus);
  if (count <= 0) count = count_cores_from_cpuinfo(cpus);
  if (count <= 0) count = static_cast<int>(std::thread::hardware_concurrency());
  return count < 1 ? 1 : count;
}

}  // namespace pg
