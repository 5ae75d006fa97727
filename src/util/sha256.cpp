// SHA-256 with libsodium; see sha256.h.
#include "util/sha256.h"

#include <sodium.h>

#include <fstream>
#include <vector>

namespace pg {
namespace {
static_assert(sizeof(crypto_hash_sha256_state) <= 256, "Sha256::state_ is too small");

crypto_hash_sha256_state* as_state(unsigned char* raw) { return reinterpret_cast<crypto_hash_sha256_state*>(raw); }
}  // namespace

Sha256::Sha256() {
  (void)sodium_init();  // idempotent; the hash functions work without it
  crypto_hash_sha256_init(as_state(state_));
}

void Sha256::update(std::string_view bytes) {
  crypto_hash_sha256_update(as_state(state_), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string Sha256::hex() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(as_state(state_), digest);
  char text[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(text, sizeof text, digest, sizeof digest);
  return std::string(text);
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

Result<std::string> sha256_of_file(const std::string& path, const std::atomic<bool>* stop) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read " + path);
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (in) {
    if (stop && stop->load()) return Status::cancelled("stopped while hashing " + path);
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = in.gcount();
    if (n > 0) h.update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  if (in.bad()) return Error{"read error in " + path};
  return h.hex();
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace pg
