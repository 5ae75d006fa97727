// Bearer authentication; see authenticator.h.
#include "util/sha256.h"
#include "server/auth/authenticator.h"

#include "server/auth/crypto.h"
#include "server/auth/jwt.h"
#include "util/unix_time.h"

namespace pg::server::auth {
namespace {
constexpr const char* kKeyPrefix = "pgk_";
constexpr size_t kKeyRandomBytes = 32;
constexpr size_t kShownPrefix = 12;  // "pgk_" + 8 characters

}  // namespace

Authenticator::Authenticator(store::UserStore& users, std::string secret, int64_t token_ttl_seconds)
    : users_(users), secret_(std::move(secret)), ttl_(token_ttl_seconds) {}

Result<std::pair<std::string, int64_t>> Authenticator::issue_token(const store::User& user) const {
  TokenClaims c;
  c.user_id = user.id;
  c.username = user.username;
  c.role = user.role;
  c.token_version = user.token_version;
  c.issued_at = unix_time_now();
  c.expires_at = c.issued_at + ttl_;
  auto token = sign_token(c, secret_);
  if (!token) return Error{token.error()};
  return std::make_pair(std::move(*token), c.expires_at);
}

Result<Principal> Authenticator::authenticate(const std::string& authorization) const {
  if (authorization.empty()) return Error{"missing Authorization header (use: Authorization: Bearer TOKEN_OR_KEY)"};
  if (authorization.size() < 8 || (authorization.compare(0, 7, "Bearer ") != 0 && authorization.compare(0, 7, "bearer ") != 0))
    return Error{"the Authorization header must be 'Bearer TOKEN_OR_KEY'"};
  std::string credential = authorization.substr(7);
  while (!credential.empty() && credential.front() == ' ') credential.erase(0, 1);
  while (!credential.empty() && credential.back() == ' ') credential.pop_back();
  const int64_t now = unix_time_now();
  Principal p;
  if (credential.compare(0, 4, kKeyPrefix) == 0) {
    if (credential.size() > 256) return Error{"the API key is not valid"};
    auto found = users_.use_key(sha256_hex(credential), now);
    if (!found) return Error{"the user database failed: " + found.error()};
    if (!*found) return Error{"the API key is not valid (unknown or deleted)"};
    const store::User& u = (*found)->second;
    p.user_id = u.id;
    p.username = u.username;
    p.role = u.role;
    p.method = "api_key";
    return p;
  }
  auto claims = verify_token(credential, secret_, now);
  if (!claims) return Error{claims.error()};
  auto user = users_.find_by_id(claims->user_id);
  if (!user) return Error{"the user database failed: " + user.error()};
  if (!*user) return Error{"the token's user no longer exists"};
  if ((*user)->token_version != claims->token_version)
    return Error{"the token was issued before the user's password changed; log in again"};
  p.user_id = (*user)->id;
  p.username = (*user)->username;
  p.role = (*user)->role;  // the current role, not the one at login
  p.method = "token";
  return p;
}

Result<IssuedKey> Authenticator::create_api_key(int64_t user_id, const std::string& name) const {
  IssuedKey out;
  out.secret = std::string(kKeyPrefix) + random_hex(kKeyRandomBytes);
  auto key = users_.create_key(user_id, name, out.secret.substr(0, kShownPrefix), sha256_hex(out.secret));
  if (!key) return Error{key.error()};
  out.key = std::move(*key);
  return out;
}

}  // namespace pg::server::auth
