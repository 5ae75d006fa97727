// A counting semaphore for password hashing: argon2id at the default cost
// takes 256 MiB and about a second, so only `permits` hashes (or
// verifications) run at once and the others wait a bounded time, then give
// up (the caller answers 503 busy) instead of piling up memory. Owned by the
// server (ServerContext); counts what it did for /metrics. Never hashes
// anything itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace pg::server::auth {

class HashPermits {
 public:
  // Held while one hash runs; gives its permit back when destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit();

   private:
    friend class HashPermits;
    explicit Permit(HashPermits* owner) : owner_(owner) {}
    HashPermits* owner_;
  };

  explicit HashPermits(int permits);

  // A permit, waiting at most `wait` for one; nullopt when none came free.
  std::optional<Permit> acquire(std::chrono::milliseconds wait);

  int capacity() const { return capacity_; }
  int in_use() const;
  int peak() const;           // the most permits ever held at once
  uint64_t granted() const;    // permits handed out so far
  uint64_t timed_out() const;  // acquisitions that gave up

 private:
  void release();

  const int capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int in_use_ = 0;
  int peak_ = 0;
  uint64_t granted_ = 0;
  uint64_t timed_out_ = 0;
};

}  // namespace pg::server::auth
