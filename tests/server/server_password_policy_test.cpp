// Weak passwords (issue 18, defect 5): shorter than 8 bytes, one of the
// most common passwords, or the user name (or containing it) are refused with
// 400 weak_password by the users API and a password change, and by the rules
// on their own. The CLI's refusal is in server_cli_test.cpp.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "server/auth/common_passwords.h"
#include "server/auth/password_policy.h"
#include "server_auth_support.h"

namespace pg::test {
namespace {

app::ServerConfig policy_config() {
  auto c = test_server_config();
  c.auth = "on";
  c.secret = "server-password-policy-test-secret-012345";
  add_user_to(c.data_dir, "root", "Tr0ub4dor-and-3", "admin");
  return c;
}

TEST(ServerWeakPasswords, AreRefusedByTheUsersApiAndPasswordChanges) {
  TestServer srv(policy_config());
  const auto admin = bearer(login_token(srv, "root", "Tr0ub4dor-and-3"));
  auto create = [&](const std::string& name, const std::string& password) {
    return post_json(srv, "/api/v1/users", {{"username", name}, {"password", password}}, admin);
  };
  for (const auto& [name, password] : std::vector<std::pair<std::string, std::string>>{
           {"frank", "short"},            // under 8 bytes
           {"frank", "password123"},      // common
           {"frank", "QWERTY123"},        // common, whatever the case
           {"franklin", "Franklin"},      // the user name
           {"frank", "frank-2024-x"},     // contains the user name
       }) {
    auto r = create(name, password);
    EXPECT_EQ(r.status, 400) << password << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "weak_password") << password << ": " << r.raw;
    EXPECT_EQ(r.raw.find(password), std::string::npos) << "the answer quotes the password";
  }
  ASSERT_EQ(create("frank", "gentle-otter-lamp").status, 201);
  auto c = srv.client();
  auto weak = c.Put("/api/v1/users/frank/password", admin, R"({"password":"iloveyou1"})", "application/json");
  ASSERT_TRUE(weak);
  EXPECT_EQ(weak->status, 400) << weak->body;
  EXPECT_NE(weak->body.find("weak_password"), std::string::npos) << weak->body;
  auto own = c.Put("/api/v1/users/frank/password", admin, R"({"password":"my-frank-secret"})", "application/json");
  EXPECT_EQ(own->status, 400) << own->body;
  EXPECT_EQ(c.Put("/api/v1/users/frank/password", admin, R"({"password":"quiet-river-stone"})", "application/json")->status,
            200);
  EXPECT_FALSE(login_token(srv, "frank", "quiet-river-stone").empty());
}

TEST(ServerPasswordPolicy, RefusesShortCommonAndNameBasedPasswords) {
  using server::auth::check_new_password;
  EXPECT_FALSE(check_new_password("Ab3$xyz", "bob"));  // 7 bytes
  EXPECT_FALSE(check_new_password("password", ""));
  EXPECT_FALSE(check_new_password("Password1", ""));
  EXPECT_FALSE(check_new_password("1q2w3e4r5t", ""));
  EXPECT_FALSE(check_new_password("JohnSmith", "johnsmith"));
  EXPECT_FALSE(check_new_password("xx-margaret-xx", "Margaret"));
  EXPECT_FALSE(check_new_password(std::string("abc\0defgh", 9), ""));
  EXPECT_FALSE(check_new_password(std::string(1025, 'x'), ""));
  EXPECT_TRUE(check_new_password("al-is-in-sally", "al"));  // two letters are not looked for inside
  EXPECT_TRUE(check_new_password("gentle-otter-lamp", "frank"));
  EXPECT_GE(server::auth::common_password_count(), 300u);
  EXPECT_TRUE(server::auth::is_common_password("123456"));
  EXPECT_TRUE(server::auth::is_common_password("qwertyuiop"));
  EXPECT_FALSE(server::auth::is_common_password("gentle-otter-lamp"));
}

}  // namespace
}  // namespace pg::test
