// SHA-256 of a file with libsodium; see file_sha256.h.
#include "util/file_sha256.h"

#include <sodium.h>

#include <fstream>
#include <vector>

namespace pg {

Result<std::string> sha256_of_file(const std::string& path, const std::atomic<bool>* stop) {
  if (sodium_init() < 0) return Error{"cannot hash " + path + ": libsodium could not be initialized"};
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path};
  std::vector<char> buf(1 << 20);
  while (in) {
    if (stop && stop->load()) return Error{"stopped while hashing " + path};
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = in.gcount();
    if (n > 0) crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buf.data()), static_cast<size_t>(n));
  }
  if (in.bad()) return Error{"read error in " + path};
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char text[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(text, sizeof text, digest, sizeof digest);
  return std::string(text);
}

}  // namespace pg
