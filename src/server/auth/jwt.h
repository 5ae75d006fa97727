// Access tokens: JWTs signed with HS256 (libjwt) carrying the user id (sub),
// name, role, token version (ver), issue and expiry times (iat, exp).
// Verification accepts only a well-formed token whose header names HS256 and
// whose signature matches the secret, and which has not expired; `alg: none`,
// other algorithms, forged signatures, missing or wrongly typed claims are
// refused with a reason (for logs, never for clients). Never logs tokens.
#pragma once

#include <cstdint>
#include <string>

#include "util/result.h"

namespace pg::server::auth {

struct TokenClaims {
  int64_t user_id = 0;
  std::string username;
  std::string role;
  int64_t token_version = 0;
  int64_t issued_at = 0;   // Unix seconds
  int64_t expires_at = 0;  // Unix seconds
};

Result<std::string> sign_token(const TokenClaims& claims, const std::string& secret);
Result<TokenClaims> verify_token(const std::string& token, const std::string& secret, int64_t now_unix);

}  // namespace pg::server::auth
