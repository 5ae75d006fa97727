// SHA-256, the project's one implementation (libsodium underneath): of bytes,
// incrementally, or of a file's bytes read in 1 MiB pieces (never the whole
// file in memory), always as lowercase hex. Reads only; never writes or caches.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "util/result.h"

namespace pg {

// Incremental hashing: update() any number of times, then hex() once.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  std::string hex();  // the digest; the object is spent afterwards

 private:
  alignas(64) unsigned char state_[256];  // libsodium's crypto_hash_sha256_state
};

std::string sha256_hex(std::string_view data);
// `stop`, when given and set, ends the read early with an error.
Result<std::string> sha256_of_file(const std::string& path, const std::atomic<bool>* stop = nullptr);
// 64 lowercase hex digits.
bool is_sha256_hex(std::string_view s);

}  // namespace pg
