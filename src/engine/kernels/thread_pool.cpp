// The persistent worker pool of thread_pool.h and the physical core count.
// Workers sleep on a condition variable until a new job generation appears; the
// pool never decides how work is split (the job does, by thread index) and never
// lets an exception escape a worker thread.
#include "engine/kernels/thread_pool.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif

namespace pg {

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    pending_ = n_threads_ - 1;
    first_error_ = nullptr;
    ++generation_;
  }
  start_cv_.notify_all();

  std::exception_ptr caller_error;
  try {
    fn(0, n_threads_);
  } catch (...) {
    caller_error = std::current_exception();
  }

  std::exception_ptr worker_error;
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    worker_error = std::exchange(first_error_, nullptr);
  }
  if (caller_error) std::rethrow_exception(caller_error);
  if (worker_error) std::rethrow_exception(worker_error);
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen_generation = 0;
  for (;;) {
    const std::function<void(int, int)>* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen_generation; });
      if (stop_) return;
      seen_generation = generation_;
      job = job_;
    }
    std::exception_ptr error;
    try {
      (*job)(index, n_threads_);
    } catch (...) {
      error = std::current_exception();
    }
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (error && !first_error_) first_error_ = error;
      last = --pending_ == 0;
    }
    if (last) done_cv_.notify_one();
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
