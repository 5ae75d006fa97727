// Background SHA-256 of a file; see file_digest.h.
#include "server/file_digest.h"

#include <sodium.h>

#include <fstream>
#include <vector>

namespace pg::server {

FileDigest::FileDigest(std::string path) : path_(std::move(path)), thread_([this] { compute(); }) {}

FileDigest::~FileDigest() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void FileDigest::compute() {
  std::string hex, error;
  if (sodium_init() < 0) {
    error = "libsodium could not be initialized";
  } else {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::ifstream in(path_, std::ios::binary);
    if (!in) error = "cannot read " + path_;
    std::vector<char> buf(1 << 20);
    while (error.empty() && in) {
      if (stop_.load()) {
        error = "stopped";
        break;
      }
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      const auto n = in.gcount();
      if (n > 0) crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buf.data()), static_cast<size_t>(n));
    }
    if (error.empty() && in.bad()) error = "read error in " + path_;
    if (error.empty()) {
      unsigned char digest[crypto_hash_sha256_BYTES];
      crypto_hash_sha256_final(&state, digest);
      char text[crypto_hash_sha256_BYTES * 2 + 1];
      sodium_bin2hex(text, sizeof text, digest, sizeof digest);
      hex = text;
    }
  }
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
  if (!error_.empty()) return Error{"cannot hash " + path_ + ": " + error_};
  return hex_;
}

}  // namespace pg::server
