// Who is calling: turns an `Authorization: Bearer ...` header into a
// Principal — from an API key (pgk_...) looked up by its SHA-256, or from an
// access token (JWT) checked against the secret and against the user's
// current record (deleted users and tokens older than a password change stop
// working). Issues access tokens and API keys. Failures are a short reason
// for the 401 message; tokens and keys are never logged.
#pragma once

#include <cstdint>
#include <string>

#include "store/user_store.h"
#include "util/result.h"

namespace pg::server::auth {

struct Principal {
  int64_t user_id = 0;  // 0: nobody (auth off)
  std::string username;
  std::string role = "admin";  // with auth off the local caller may do everything
  std::string method = "none";  // "token", "api_key" or "none" (auth off)
  bool is_admin() const { return role == "admin"; }
  bool anonymous() const { return user_id == 0; }
};

struct IssuedKey {
  store::ApiKey key;
  std::string secret;  // the whole key, shown once
};

class Authenticator {
 public:
  Authenticator(store::UserStore& users, std::string secret, int64_t token_ttl_seconds);

  // The user's access token and its expiry time (Unix seconds).
  Result<std::pair<std::string, int64_t>> issue_token(const store::User& user) const;
  // `authorization`: the whole header value. The error is the reason.
  Result<Principal> authenticate(const std::string& authorization) const;
  Result<IssuedKey> create_api_key(int64_t user_id, const std::string& name) const;

  int64_t token_ttl() const { return ttl_; }

 private:
  store::UserStore& users_;
  const std::string secret_;
  const int64_t ttl_;
};

}  // namespace pg::server::auth
