// The cryptography of users and keys, all from libsodium: argon2id password
// hashes (crypto_pwhash_str, the cost chosen by a setting), random secrets and
// API keys (SHA-256 of key material: util/sha256.h), and constant-time comparison (which
// passwords are acceptable is password_policy.h's job). Never
// logs, stores or returns a password or a key except the one it generates.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace pg::server::auth {

// libsodium's argon2id presets: "min" (fast, for tests only), "interactive",
// "moderate" (the default: 3 passes over 256 MiB), "sensitive".
enum class PasswordCost { Min, Interactive, Moderate, Sensitive };
Result<PasswordCost> parse_password_cost(const std::string& name);

// Initializes libsodium (idempotent, thread-safe); false when it cannot run.
Status init_crypto();

// "$argon2id$v=19$m=...,t=...,p=1$salt$hash" for the password.
Result<std::string> hash_password(std::string_view password, PasswordCost cost);
// True when `password` matches the stored hash (the cost is read from the hash).
bool verify_password(std::string_view password, const std::string& stored_hash);

// `n` random bytes as lowercase hex.
std::string random_hex(size_t n_bytes);

}  // namespace pg::server::auth
