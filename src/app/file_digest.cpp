// Background SHA-256 of a file; see file_digest.h.
#include "app/file_digest.h"

#include "util/sha256.h"

namespace pg::app {

FileDigest::FileDigest(std::string path) : path_(std::move(path)), thread_([this] { compute(); }) {}

FileDigest::~FileDigest() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void FileDigest::compute() {
  std::string hex, error;
  auto digest = sha256_of_file(path_, &stop_);
  if (digest) hex = std::move(*digest);
  else error = digest.error();
  {
    std::lock_guard lock(mu_);
    hex_ = std::move(hex);
    error_ = std::move(error);
    done_ = true;
  }
  cv_.notify_all();
}

std::optional<std::string> FileDigest::ready() const {
  std::lock_guard lock(mu_);
  if (!done_ || !error_.empty()) return std::nullopt;
  return hex_;
}

Result<std::string> FileDigest::wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return done_; });
  if (!error_.empty()) return Error{error_};
  return hex_;
}

}  // namespace pg::app
