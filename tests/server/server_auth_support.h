// Helpers of the server tests that run with auth on: users written straight
// into a data directory's database (as `playground user add` would, without
// the password policy), logging in, and streaming requests that carry a
// bearer credential. Tests only.
#pragma once

#include <string>

#include "server/auth/crypto.h"
#include "server/auth/jwt.h"
#include "util/unix_time.h"
#include "server_test_support.h"
#include "store/data_dir.h"
#include "store/user_store.h"

namespace pg::test {

inline void add_user_to(const std::string& data_dir, const std::string& name, const std::string& password,
                        const std::string& role,
                        server::auth::PasswordCost cost = server::auth::PasswordCost::Min) {
  auto db = store::open_store(data_dir, "");
  ASSERT_TRUE(db) << db.error();
  auto hash = server::auth::hash_password(password, cost);
  ASSERT_TRUE(hash);
  ASSERT_TRUE(store::UserStore(**db).create(name, *hash, role));
}

// An access token for user `name`, signed with `secret` as the server would
// issue it, without logging in (so no password hash runs).
inline std::string token_for(const std::string& data_dir, const std::string& name, const std::string& secret) {
  auto db = store::open_store(data_dir, "");
  EXPECT_TRUE(db) << db.error();
  if (!db) return "";
  auto user = store::UserStore(**db).find_by_name(name);
  EXPECT_TRUE(user && *user) << name;
  if (!user || !*user) return "";
  server::auth::TokenClaims c;
  c.user_id = (*user)->id;
  c.username = (*user)->username;
  c.role = (*user)->role;
  c.token_version = (*user)->token_version;
  c.issued_at = unix_time_now();
  c.expires_at = c.issued_at + 3600;
  return server::auth::sign_token(c, secret).value();
}

inline JsonReply try_login(const TestServer& srv, const std::string& user, const std::string& password) {
  return post_json(srv, "/api/v1/auth/login", {{"username", user}, {"password", password}});
}

inline std::string login_token(const TestServer& srv, const std::string& user, const std::string& password) {
  auto r = try_login(srv, user, password);
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.body.value("access_token", "");
}

// post_streaming with extra headers (e.g. bearer(token)).
inline httplib::Result post_streaming_as(const TestServer& srv, const std::string& path, const nlohmann::json& body,
                                         const httplib::Headers& headers,
                                         const std::function<bool(std::string_view)>& on_chunk) {
  return post_streaming(srv, path, body, on_chunk, headers);
}

}  // namespace pg::test
