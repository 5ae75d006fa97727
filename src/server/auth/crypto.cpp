// libsodium-based hashing and randomness; see crypto.h.
#include "server/auth/crypto.h"

#include <sodium.h>

#include <vector>

namespace pg::server::auth {

Result<PasswordCost> parse_password_cost(const std::string& name) {
  if (name == "min") return PasswordCost::Min;
  if (name == "interactive") return PasswordCost::Interactive;
  if (name == "moderate") return PasswordCost::Moderate;
  if (name == "sensitive") return PasswordCost::Sensitive;
  return Error{"'" + name + "' is not one of min, interactive, moderate, sensitive"};
}

Status init_crypto() {
  if (sodium_init() < 0) return Status::error("libsodium could not be initialized");
  return Status::ok();
}

Result<std::string> hash_password(std::string_view password, PasswordCost cost) {
  if (Status s = init_crypto(); !s) return Error{s.message()};
  unsigned long long ops = crypto_pwhash_OPSLIMIT_MODERATE;
  size_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
  switch (cost) {
    case PasswordCost::Min: ops = crypto_pwhash_OPSLIMIT_MIN; mem = crypto_pwhash_MEMLIMIT_MIN; break;
    case PasswordCost::Interactive: ops = crypto_pwhash_OPSLIMIT_INTERACTIVE; mem = crypto_pwhash_MEMLIMIT_INTERACTIVE; break;
    case PasswordCost::Moderate: break;
    case PasswordCost::Sensitive: ops = crypto_pwhash_OPSLIMIT_SENSITIVE; mem = crypto_pwhash_MEMLIMIT_SENSITIVE; break;
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Error{"password hashing failed (out of memory?)"};
  return std::string(out);
}

bool verify_password(std::string_view password, const std::string& stored_hash) {
  if (init_crypto().is_ok() == false) return false;
  if (stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_hex(size_t n_bytes) {
  (void)init_crypto();
  std::vector<unsigned char> bytes(n_bytes);
  randombytes_buf(bytes.data(), bytes.size());
  std::string hex(n_bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  sodium_memzero(bytes.data(), bytes.size());
  return hex;
}

}  // namespace pg::server::auth
