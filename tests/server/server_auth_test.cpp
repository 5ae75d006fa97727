// Authentication over HTTP with auth on (on loopback, so nothing listens on
// another address): login gives a token that works until it expires; no
// token, a forged, `alg: none` or expired token, a wrong password are 401
// with {"error":{"code":"unauthorized"}}; API keys are shown once, listed
// without the key, work as Bearer credentials and stop working when deleted;
// users are admin-only (403); public routes answer without a token; a
// password change ends old tokens; Ollama routes answer Ollama's error shape.
#include <gtest/gtest.h>

#include <thread>

#include "server/auth/crypto.h"
#include "server/auth/jwt.h"
#include "shared_server_fixture.h"
#include "store/data_dir.h"
#include "store/user_store.h"

namespace pg::test {
namespace {

const std::string kSecret = "server-auth-test-secret-0123456789abcdef";

// Creates users in the data directory's database, as `playground user add` does.
void add_user(const std::string& data_dir, const std::string& name, const std::string& password, const std::string& role) {
  auto db = store::open_store(data_dir, "");
  ASSERT_TRUE(db) << db.error();
  auto hash = server::auth::hash_password(password, server::auth::PasswordCost::Min);
  ASSERT_TRUE(hash);
  ASSERT_TRUE(store::UserStore(**db).create(name, *hash, role));
}

app::ServerConfig auth_config(int64_t ttl = 3600) {
  auto c = test_server_config();
  c.auth = "on";
  c.secret = kSecret;
  c.token_ttl = ttl;
  add_user(c.data_dir, "root", "root-password", "admin");
  add_user(c.data_dir, "alice", "alice-password", "user");
  return c;
}

std::string login(const TestServer& srv, const std::string& user, const std::string& password) {
  auto r = post_json(srv, "/api/v1/auth/login", {{"username", user}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.body.value("access_token", "");
}

void expect_unauthorized(const JsonReply& r) {
  EXPECT_EQ(r.status, 401) << r.raw;
  ASSERT_TRUE(r.body.is_object()) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthorized") << r.raw;
}

class ServerAuth : public SharedServerTest<ServerAuth> {
 public:
  static app::ServerConfig suite_config() { return auth_config(); }
};

TEST_F(ServerAuth, PublicRoutesAnswerWithoutAToken) {
  EXPECT_EQ(get_json(srv(), "/api/v1/health").status, 200);
  EXPECT_EQ(get_json(srv(), "/openapi.json").status, 200);
  auto c = srv().client();
  EXPECT_EQ(c.Get("/docs")->status, 200);
}

TEST_F(ServerAuth, EverythingElseNeedsAToken) {
  expect_unauthorized(get_json(srv(), "/api/v1/models"));
  expect_unauthorized(post_json(srv(), "/v1/chat/completions", {{"messages", {{{"role", "user"}, {"content", "x"}}}}}));
  expect_unauthorized(get_json(srv(), "/metrics"));
  expect_unauthorized(get_json(srv(), "/api/v1/conversations"));
  expect_unauthorized(get_json(srv(), "/api/v1/models", {{"Authorization", "Basic cm9vdDpyb290"}}));
  // Ollama's routes say it Ollama's way.
  auto ollama = get_json(srv(), "/api/tags");
  EXPECT_EQ(ollama.status, 401);
  EXPECT_TRUE(ollama.body["error"].is_string()) << ollama.raw;
}

TEST_F(ServerAuth, LoginGivesATokenThatIdentifiesTheUser) {
  const std::string token = login(srv(), "alice", "alice-password");
  ASSERT_FALSE(token.empty());
  auto me = get_json(srv(), "/api/v1/auth/me", bearer(token));
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["auth"], true);
  EXPECT_EQ(me.body["method"], "token");
  EXPECT_EQ(me.body["user"]["username"], "alice");
  EXPECT_EQ(me.body["user"]["role"], "user");
  EXPECT_EQ(get_json(srv(), "/api/v1/models", bearer(token)).status, 200);
}

TEST_F(ServerAuth, WrongPasswordsAndUnknownUsersAre401) {
  auto wrong = post_json(srv(), "/api/v1/auth/login", {{"username", "alice"}, {"password", "nope-nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body["error"]["code"], "invalid_credentials");
  auto unknown = post_json(srv(), "/api/v1/auth/login", {{"username", "mallory"}, {"password", "whatever1"}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body["error"]["message"], wrong.body["error"]["message"]);
  EXPECT_EQ(post_json(srv(), "/api/v1/auth/login", {{"username", 5}}).status, 400);
  EXPECT_EQ(post_raw(srv(), "/api/v1/auth/login", "{nope").status, 400);
}

TEST_F(ServerAuth, ForgedNoneAndExpiredTokensAre401) {
  const std::string token = login(srv(), "alice", "alice-password");
  // Another secret.
  server::auth::TokenClaims c;
  c.user_id = 1;
  c.username = "root";
  c.role = "admin";
  c.issued_at = 1;
  c.expires_at = 4000000000;
  expect_unauthorized(get_json(srv(), "/api/v1/users", bearer(*server::auth::sign_token(c, "another-secret-another-secret-xx"))));
  // alg: none with alice's payload and root's id.
  const std::string payload = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  expect_unauthorized(get_json(srv(), "/api/v1/auth/me", bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + ".")));
  // A flipped signature character.
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  expect_unauthorized(get_json(srv(), "/api/v1/auth/me", bearer(flipped)));
  // Expired, though signed with the right secret.
  c.expires_at = 1000;
  expect_unauthorized(get_json(srv(), "/api/v1/auth/me", bearer(*server::auth::sign_token(c, kSecret))));
  expect_unauthorized(get_json(srv(), "/api/v1/auth/me", bearer("not-a-token")));
}

TEST_F(ServerAuth, AdminOnlyRoutesAre403ForUsers) {
  const std::string user = login(srv(), "alice", "alice-password");
  const std::string admin = login(srv(), "root", "root-password");
  auto refused = get_json(srv(), "/api/v1/users", bearer(user));
  EXPECT_EQ(refused.status, 403) << refused.raw;
  auto list = get_json(srv(), "/api/v1/users", bearer(admin));
  ASSERT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(list.body["users"].size(), 2u);
  for (const auto& u : list.body["users"]) EXPECT_FALSE(u.contains("password_hash"));
  EXPECT_EQ(post_json(srv(), "/api/v1/users", {{"username", "bob"}, {"password", "lantern-quay-77"}}, bearer(user)).status, 403);
  auto created = post_json(srv(), "/api/v1/users", {{"username", "bob"}, {"password", "lantern-quay-77"}}, bearer(admin));
  EXPECT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(post_json(srv(), "/api/v1/users", {{"username", "bob"}, {"password", "lantern-quay-77"}}, bearer(admin)).status, 409);
  EXPECT_EQ(post_json(srv(), "/api/v1/users", {{"username", "bad name"}, {"password", "lantern-quay-77"}}, bearer(admin)).status, 400);
  EXPECT_EQ(post_json(srv(), "/api/v1/users", {{"username", "carol"}, {"password", "short"}}, bearer(admin)).status, 400);
  EXPECT_FALSE(login(srv(), "bob", "lantern-quay-77").empty());
  auto c = srv().client();
  auto del = c.Delete("/api/v1/users/bob", bearer(admin));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_EQ(c.Delete("/api/v1/users/bob", bearer(admin))->status, 404);
  EXPECT_EQ(c.Delete("/api/v1/users/root", bearer(admin))->status, 409);  // the last admin
}

TEST_F(ServerAuth, ApiKeysAreShownOnceAndWorkUntilDeleted) {
  const std::string token = login(srv(), "alice", "alice-password");
  auto created = post_json(srv(), "/api/v1/auth/keys", {{"name", "ci"}}, bearer(token));
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string key = created.body["key"];
  EXPECT_EQ(key.rfind("pgk_", 0), 0u);
  auto list = get_json(srv(), "/api/v1/auth/keys", bearer(token));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["keys"].size(), 1u);
  EXPECT_FALSE(list.body["keys"][0].contains("key"));
  EXPECT_EQ(list.raw.find(key), std::string::npos);
  EXPECT_EQ(key.rfind(list.body["keys"][0]["prefix"].get<std::string>(), 0), 0u);
  auto me = get_json(srv(), "/api/v1/auth/me", bearer(key));
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["method"], "api_key");
  EXPECT_EQ(me.body["user"]["username"], "alice");
  EXPECT_EQ(get_json(srv(), "/v1/models", bearer(key)).status, 200);
  EXPECT_FALSE(get_json(srv(), "/api/v1/auth/keys", bearer(key)).body["keys"][0]["last_used_at"].is_null());
  auto c = srv().client();
  const std::string path = "/api/v1/auth/keys/" + std::to_string(created.body["id"].get<int64_t>());
  EXPECT_EQ(c.Delete(path, bearer(token))->status, 200);
  expect_unauthorized(get_json(srv(), "/v1/models", bearer(key)));
  EXPECT_EQ(c.Delete(path, bearer(token))->status, 404);
  expect_unauthorized(get_json(srv(), "/v1/models", bearer("pgk_" + std::string(64, '0'))));
}

TEST_F(ServerAuth, APasswordChangeEndsOldTokens) {
  const std::string admin = login(srv(), "root", "root-password");
  ASSERT_EQ(post_json(srv(), "/api/v1/users", {{"username", "dave"}, {"password", "otter-lamp-2024"}}, bearer(admin)).status, 201);
  const std::string old_token = login(srv(), "dave", "otter-lamp-2024");
  auto c = srv().client();
  auto no_current = c.Put("/api/v1/users/dave/password", bearer(old_token), R"({"password":"quiet-river-stone"})",
                          "application/json");
  EXPECT_EQ(no_current->status, 400) << no_current->body;
  auto changed = c.Put("/api/v1/users/dave/password", bearer(old_token),
                       R"({"password":"quiet-river-stone","current_password":"otter-lamp-2024"})", "application/json");
  EXPECT_EQ(changed->status, 200) << changed->body;
  expect_unauthorized(get_json(srv(), "/api/v1/auth/me", bearer(old_token)));
  EXPECT_FALSE(login(srv(), "dave", "quiet-river-stone").empty());
  // Another user's password: admins only.
  const std::string user = login(srv(), "alice", "alice-password");
  EXPECT_EQ(c.Put("/api/v1/users/dave/password", bearer(user), R"({"password":"xxxxxxxxxx"})", "application/json")->status, 403);
}

TEST(ServerAuthExpiry, ATokenStopsWorkingAfterTokenTtl) {
  TestServer srv(auth_config(1));
  const std::string token = login(srv, "alice", "alice-password");
  EXPECT_EQ(get_json(srv, "/api/v1/auth/me", bearer(token)).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  expect_unauthorized(get_json(srv, "/api/v1/auth/me", bearer(token)));
}

TEST(ServerAuthOff, LoopbackWithoutAuthNeedsNoToken) {
  TestServer srv;
  auto me = get_json(srv, "/api/v1/auth/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.body["auth"], false);
  EXPECT_TRUE(me.body["user"].is_null());
  EXPECT_EQ(get_json(srv, "/api/v1/models", bearer("anything")).status, 200);
  EXPECT_EQ(post_json(srv, "/api/v1/auth/keys", {{"name", "x"}}).status, 400);
}

TEST(ServerAuthStart, AuthOnWithoutAnAdminRefusesToStart) {
  auto c = test_server_config();
  c.auth = "on";
  server::PlaygroundServer srv(c);
  const Status s = srv.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("playground user add NAME --role admin"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace pg::test
