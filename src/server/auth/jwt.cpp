// HS256 tokens with libjwt; see jwt.h.
#include "server/auth/jwt.h"

#include <jwt.h>
#include <sodium.h>

#include <cstdlib>
#include <memory>

#include <nlohmann/json.hpp>

#include "util/json_guard.h"

namespace pg::server::auth {
namespace {

constexpr size_t kMaxTokenBytes = 4096;

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

bool base64url_part(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

Result<nlohmann::json> decode_part(const std::string& part, const char* what) {
  std::string bin(part.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), part.data(), part.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return Error{std::string("the token's ") + what + " is not base64url"};
  bin.resize(len);
  Result<nlohmann::json> j = parse_json_guarded(bin);
  if (!j || !j->is_object()) return Error{std::string("the token's ") + what + " is not a JSON object"};
  return j;
}

}  // namespace

Result<std::string> sign_token(const TokenClaims& c, const std::string& secret) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Error{"cannot create a token"};
  JwtPtr jwt(raw);
  const auto* key = reinterpret_cast<const unsigned char*>(secret.data());
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, key, static_cast<int>(secret.size())) != 0 ||
      jwt_add_grant(jwt.get(), "sub", std::to_string(c.user_id).c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "name", c.username.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "role", c.role.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "ver", c.token_version) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", c.issued_at) != 0 || jwt_add_grant_int(jwt.get(), "exp", c.expires_at) != 0)
    return Error{"cannot fill in the token"};
  char* text = jwt_encode_str(jwt.get());
  if (!text) return Error{"cannot encode the token"};
  std::string out(text);
  std::free(text);
  return out;
}

Result<TokenClaims> verify_token(const std::string& token, const std::string& secret, int64_t now) {
  if (token.size() > kMaxTokenBytes) return Error{"the token is too long"};
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string::npos ? std::string::npos : token.find('.', dot1 + 1);
  if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos)
    return Error{"the token is not three dot-separated parts"};
  const std::string head = token.substr(0, dot1), body = token.substr(dot1 + 1, dot2 - dot1 - 1),
                    sig = token.substr(dot2 + 1);
  if (!base64url_part(head) || !base64url_part(body) || !base64url_part(sig))
    return Error{"the token has an empty or non-base64url part"};
  // The algorithm is ours to choose, not the token's: only HS256 is accepted.
  auto header = decode_part(head, "header");
  if (!header) return Error{header.error()};
  const auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || *alg != "HS256")
    return Error{"the token's algorithm is not HS256"};
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                            static_cast<int>(secret.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) return Error{"the token's signature does not match"};
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return Error{"the token's algorithm is not HS256"};
  // Claims are read from the verified payload with their types checked.
  auto payload = decode_part(body, "payload");
  if (!payload) return Error{payload.error()};
  const nlohmann::json& p = *payload;
  auto integer = [&](const char* k) -> const nlohmann::json* {
    auto it = p.find(k);
    return it != p.end() && it->is_number_integer() ? &*it : nullptr;
  };
  auto string = [&](const char* k) -> const nlohmann::json* {
    auto it = p.find(k);
    return it != p.end() && it->is_string() ? &*it : nullptr;
  };
  const auto *exp = integer("exp"), *iat = integer("iat"), *ver = integer("ver");
  const auto *sub = string("sub"), *name = string("name"), *role = string("role");
  if (!exp || !iat || !ver || !sub || !name || !role) return Error{"the token lacks a claim or has one of the wrong type"};
  TokenClaims c;
  c.expires_at = exp->get<int64_t>();
  c.issued_at = iat->get<int64_t>();
  c.token_version = ver->get<int64_t>();
  c.username = name->get<std::string>();
  c.role = role->get<std::string>();
  try {
    size_t used = 0;
    c.user_id = std::stoll(sub->get<std::string>(), &used);
    if (used != sub->get<std::string>().size()) return Error{"the token's subject is not a user id"};
  } catch (...) {
    return Error{"the token's subject is not a user id"};
  }
  if (now >= c.expires_at) return Error{"the token has expired"};
  return c;
}

}  // namespace pg::server::auth
