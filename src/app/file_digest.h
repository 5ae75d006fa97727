// The SHA-256 of a model file, computed once per loaded model on a background
// thread (a multi-gigabyte file is read once, not per request). Readers ask
// whether it is ready or wait for it. The thread stops early when the digest
// is destroyed. Never blocks the caller of the constructor.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "util/result.h"

namespace pg::app {

class FileDigest {
 public:
  explicit FileDigest(std::string path);
  ~FileDigest();
  FileDigest(const FileDigest&) = delete;
  FileDigest& operator=(const FileDigest&) = delete;

  // The lowercase hex SHA-256 when done (nullopt while computing or after an error).
  std::optional<std::string> ready() const;
  // Blocks until done: the digest, or the read error.
  Result<std::string> wait() const;

 private:
  void compute();

  const std::string path_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool done_ = false;
  std::string hex_, error_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace pg::app
