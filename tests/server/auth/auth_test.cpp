// Auth building blocks (src/server/auth): argon2id hashes verify only the
// right password; tokens round-trip and every forgery is refused — another
// secret, `alg: none`, other algorithms, a changed payload, expiry, garbage;
// the loopback policy; the token secret file is made once with mode 0600.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include "server/app_names.h"
#include "util/sha256.h"
#include "server/auth/auth_policy.h"
#include "server/auth/crypto.h"
#include "server/auth/jwt.h"
#include "server/auth/secret.h"
#include "test_process.h"

namespace pg::server::auth {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

std::string b64url(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string hs(const std::string& data, const std::string& key, bool sha512 = false) {
  if (sha512) {
    unsigned char mac[crypto_auth_hmacsha512_BYTES];
    crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha512_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    crypto_auth_hmacsha512_final(&st, mac);
    return b64url(std::string(reinterpret_cast<char*>(mac), sizeof mac));
  }
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return b64url(std::string(reinterpret_cast<char*>(mac), sizeof mac));
}

const std::string kPayload = R"({"sub":"1","name":"root","role":"admin","ver":0,"iat":1000,"exp":4000000000})";

TokenClaims claims(int64_t exp) {
  TokenClaims c;
  c.user_id = 1;
  c.username = "root";
  c.role = "admin";
  c.issued_at = 1000;
  c.expires_at = exp;
  return c;
}

TEST(AuthCrypto, Argon2idHashesVerifyOnlyTheRightPassword) {
  ASSERT_TRUE(init_crypto());
  auto h = hash_password("correct horse", PasswordCost::Min);
  ASSERT_TRUE(h) << h.error();
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password("correct horse", *h));
  EXPECT_FALSE(verify_password("correct horsE", *h));
  EXPECT_FALSE(verify_password("correct horse", "not a hash"));
  EXPECT_NE(*h, *hash_password("correct horse", PasswordCost::Min));  // salted
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuthJwt, SignedTokensRoundTrip) {
  auto token = sign_token(claims(4000000000), kSecret);
  ASSERT_TRUE(token) << token.error();
  auto c = verify_token(*token, kSecret, 2000);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->user_id, 1);
  EXPECT_EQ(c->username, "root");
  EXPECT_EQ(c->role, "admin");
  EXPECT_EQ(c->expires_at, 4000000000);
}

TEST(AuthJwt, ExpiredTokensAreRefused) {
  auto token = sign_token(claims(1500), kSecret);
  ASSERT_TRUE(token);
  EXPECT_TRUE(verify_token(*token, kSecret, 1499));
  auto late = verify_token(*token, kSecret, 1500);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().find("expired"), std::string::npos);
}

TEST(AuthJwt, ForgeriesAreRefused) {
  auto token = sign_token(claims(4000000000), kSecret);
  ASSERT_TRUE(token);
  // Signed with another secret.
  EXPECT_FALSE(verify_token(*sign_token(claims(4000000000), kSecret + "x"), kSecret, 2000));
  // A changed payload under the old signature (role escalation).
  const std::string head = token->substr(0, token->find('.'));
  const std::string sig = token->substr(token->rfind('.') + 1);
  EXPECT_FALSE(verify_token(head + "." + b64url(R"({"sub":"2","name":"x","role":"admin","ver":0,"iat":1,"exp":4000000000})") +
                                "." + sig,
                            kSecret, 2000));
  // alg: none, with and without a signature part.
  const std::string none = b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(kPayload);
  EXPECT_FALSE(verify_token(none + ".", kSecret, 2000));
  EXPECT_FALSE(verify_token(none + "." + sig, kSecret, 2000));
  // The right HMAC but another declared algorithm: HS512, RS256 with the secret as "public key".
  const std::string h512 = b64url(R"({"alg":"HS512","typ":"JWT"})") + "." + b64url(kPayload);
  EXPECT_FALSE(verify_token(h512 + "." + hs(h512, kSecret, true), kSecret, 2000));
  const std::string rs = b64url(R"({"alg":"RS256","typ":"JWT"})") + "." + b64url(kPayload);
  EXPECT_FALSE(verify_token(rs + "." + hs(rs, kSecret), kSecret, 2000));
  // A correctly signed HS256 token made by hand verifies (the forgeries above fail for the right reason).
  const std::string good = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(kPayload);
  EXPECT_TRUE(verify_token(good + "." + hs(good, kSecret), kSecret, 2000));
  // Claims of the wrong type, even when signed.
  const std::string bad_exp = b64url(R"({"alg":"HS256"})") + "." +
                              b64url(R"({"sub":"1","name":"r","role":"admin","ver":0,"iat":1,"exp":"never"})");
  EXPECT_FALSE(verify_token(bad_exp + "." + hs(bad_exp, kSecret), kSecret, 2000));
  // Garbage.
  for (const std::string& junk : std::vector<std::string>{"", "a.b", "a.b.c.d", "...", "@@.@@.@@", std::string(5000, 'a'), "e30.e30.e30"})
    EXPECT_FALSE(verify_token(junk, kSecret, 2000)) << junk.substr(0, 20);
}

TEST(AuthPolicy, LoopbackMayRunWithoutAuthOthersMayNot) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"})
    EXPECT_TRUE(is_loopback_host(h)) << h;
  for (const char* h : {"0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", "128.0.0.1"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
  EXPECT_FALSE(*auth_enabled("auto", "127.0.0.1"));
  EXPECT_TRUE(*auth_enabled("auto", "0.0.0.0"));
  EXPECT_TRUE(*auth_enabled("on", "127.0.0.1"));
  EXPECT_FALSE(*auth_enabled("off", "::1"));
  EXPECT_FALSE(auth_enabled("off", "0.0.0.0"));
  EXPECT_NE(no_admin_message("0.0.0.0", "/d", "").find("playground user add NAME --role admin"), std::string::npos);
}

TEST(AuthSecret, GeneratedOnceWithMode0600) {
  const auto dir = test::temp_dir("pg_auth_secret") / "data";
  std::filesystem::remove_all(dir);
  auto first = load_or_create_secret("", dir.string());
  ASSERT_TRUE(first) << first.error();
  EXPECT_GE(first->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*load_or_create_secret("", dir.string()), *first);
  EXPECT_EQ(*load_or_create_secret(kSecret, dir.string()), kSecret);
  EXPECT_FALSE(load_or_create_secret("too short", dir.string()));
  test::cleanup(dir.parent_path());
}

}  // namespace
}  // namespace pg::server::auth
