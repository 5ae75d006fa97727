// Login, the caller's identity, API keys and (for admins) user management:
// POST /api/v1/auth/login, GET /api/v1/auth/me, /api/v1/auth/keys (create,
// list, delete) and /api/v1/users (list, create, delete, change password).
// Passwords and keys never appear in answers or logs, except a new API key,
// shown once in the answer that creates it. Failed logins are throttled
// before any hash is computed (429 too_many_attempts), every hash takes one
// of the server's hash permits (503 busy when none comes free in time), and
// new passwords must pass the password policy (400 weak_password).
#include <chrono>
#include <memory>
#include <mutex>

#include "server/api_error.h"
#include "server/auth/password_policy.h"
#include "server/request_fields.h"
#include "server/routes.h"
#include "store/user_store.h"

namespace pg::server {
namespace {

nlohmann::json user_json(const store::User& u) {
  return {{"id", u.id}, {"username", u.username}, {"role", u.role}, {"created_at", rfc3339_from_unix(u.created_at)}};
}

nlohmann::json key_json(const store::ApiKey& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"created_at", rfc3339_from_unix(k.created_at)},
          {"last_used_at", k.last_used_at ? nlohmann::json(rfc3339_from_unix(*k.last_used_at)) : nlohmann::json()}};
}

// A new password for `username`, checked against the password policy.
std::string password_field(const FieldReader& r, const char* key, const std::string& username) {
  auto p = r.string(key, 1024);
  if (!p) throw invalid_field(key, "is required");
  if (Status s = auth::check_new_password(*p, username); !s)
    throw ApiError(400, "weak_password", std::string("field '") + key + "': " + s.message());
  return *p;
}

// One of the server's password-hash permits, or 503 busy after password_hash_wait.
auth::HashPermits::Permit hash_permit(ServerContext& ctx) {
  auto permit = ctx.hash_permits().acquire(std::chrono::seconds(ctx.config().password_hash_wait));
  if (!permit) {
    ApiError busy(503, "busy", "too many password checks are running at once; retry shortly");
    busy.retry_after = 1;
    throw busy;
  }
  return std::move(*permit);
}

std::string hash_or_throw(ServerContext& ctx, const std::string& password) {
  auto permit = hash_permit(ctx);
  auto h = auth::hash_password(password, ctx.password_cost());
  if (!h) throw ApiError(500, "internal_error", h.error());
  return *h;
}

// 429 too_many_attempts unless `account` may try a password from the caller's address now.
void check_throttle(ServerContext& ctx, const ApiRequest& req, const std::string& account) {
  const auto wait = ctx.login_throttle().check(account, req.http.remote_addr, auth::LoginThrottle::Clock::now());
  if (wait <= auth::LoginThrottle::Clock::duration::zero()) return;
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  ApiError e(429, "too_many_attempts",
             "too many failed logins for this user name or from this address; retry in " + std::to_string(seconds) +
                 " seconds");
  e.retry_after = seconds;
  throw e;
}

void record_failure(ServerContext& ctx, const ApiRequest& req, const std::string& account) {
  ctx.login_throttle().record_failure(account, req.http.remote_addr, auth::LoginThrottle::Clock::now());
}

void require_user(const ApiRequest& req) {
  if (req.user.anonymous())
    throw ApiError(400, "auth_off", "authentication is off on this server, so there is no user to own API keys");
}

}  // namespace

void add_auth_routes(RouteTable& routes, ServerContext& ctx) {
  // Unknown names cost one argon2id verification too, so timing does not tell which names exist.
  struct Dummy {
    std::once_flag once;
    std::string hash;
  };
  auto dummy = std::make_shared<Dummy>();

  routes.add("POST", "/api/v1/auth/login", "/api/v1/auth/login",
             [&ctx, dummy](const ApiRequest& req, httplib::Response& res) {
               const nlohmann::json body = request_json(req);
               FieldReader r(body);
               auto username = r.string("username", 256);
               auto password = r.string("password", 1024);
               if (!username) throw invalid_field("username", "is required");
               if (!password) throw invalid_field("password", "is required");
               check_throttle(ctx, req, *username);  // before any hash
               auto user = db_checked(ctx.users().find_by_name(*username));
               bool ok = false;
               {
                 auto permit = hash_permit(ctx);
                 if (user) {
                   ok = auth::verify_password(*password, user->password_hash);
                 } else {
                   std::call_once(dummy->once, [&] {
                     dummy->hash = auth::hash_password("not a password", ctx.password_cost()).value();
                   });
                   (void)auth::verify_password(*password, dummy->hash);
                 }
               }
               if (!ok) {
                 record_failure(ctx, req, *username);
                 throw ApiError(401, "invalid_credentials", "wrong user name or password");
               }
               ctx.login_throttle().record_success(*username);
               auto token = ctx.authenticator().issue_token(*user);
               if (!token) throw ApiError(500, "internal_error", token.error());
               send_json(res, 200,
                         {{"access_token", token->first},
                          {"token_type", "bearer"},
                          {"expires_at", rfc3339_from_unix(token->second)},
                          {"expires_in", ctx.authenticator().token_ttl()},
                          {"user", user_json(*user)}});
             });

  routes.add("GET", "/api/v1/auth/me", "/api/v1/auth/me", [&ctx](const ApiRequest& req, httplib::Response& res) {
    nlohmann::json user = nullptr;
    if (!req.user.anonymous())
      user = {{"id", req.user.user_id}, {"username", req.user.username}, {"role", req.user.role}};
    send_json(res, 200, {{"auth", ctx.auth_on()}, {"method", req.user.method}, {"user", user}});
  });

  routes.add("POST", "/api/v1/auth/keys", "/api/v1/auth/keys", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_user(req);
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    const std::string name = r.string("name", 128).value_or("");
    if (name.empty()) throw invalid_field("name", "is required (a label such as \"ci\")");
    auto issued = ctx.authenticator().create_api_key(req.user.user_id, name);
    if (!issued) throw ApiError(500, "database_error", issued.error());
    nlohmann::json j = key_json(issued->key);
    j["key"] = issued->secret;
    send_json(res, 201, j);
  });

  routes.add("GET", "/api/v1/auth/keys", "/api/v1/auth/keys", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_user(req);
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& k : db_checked(ctx.users().list_keys(req.user.user_id))) keys.push_back(key_json(k));
    send_json(res, 200, {{"keys", keys}});
  });

  routes.add("DELETE", R"(/api/v1/auth/keys/(\d{1,18}))", "/api/v1/auth/keys/{id}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_user(req);
               const std::string id = req.http.matches[1];
               if (!db_checked(ctx.users().remove_key(req.user.user_id, std::stoll(id))))
                 throw ApiError(404, "key_not_found", "you have no API key with id " + id);
               send_json(res, 200, {{"id", std::stoll(id)}, {"deleted", true}});
             });

  routes.add("GET", "/api/v1/users", "/api/v1/users", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    nlohmann::json users = nlohmann::json::array();
    for (const auto& u : db_checked(ctx.users().list())) users.push_back(user_json(u));
    send_json(res, 200, {{"users", users}});
  });

  routes.add("POST", "/api/v1/users", "/api/v1/users", [&ctx](const ApiRequest& req, httplib::Response& res) {
    require_admin(req);
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    auto username = r.string("username", 64);
    if (!username) throw invalid_field("username", "is required");
    if (!store::valid_username(*username))
      throw invalid_field("username", "must be 1 to 64 letters, digits or . _ - @");
    const std::string role = r.string("role", 16).value_or("user");
    if (role != "admin" && role != "user") throw invalid_field("role", "must be \"admin\" or \"user\"");
    const std::string password = password_field(r, "password", *username);
    if (db_checked(ctx.users().find_by_name(*username)))
      throw ApiError(409, "user_exists", "user '" + *username + "' already exists");
    auto user = ctx.users().create(*username, hash_or_throw(ctx, password), role);
    if (!user) throw ApiError(409, "user_exists", user.error());
    send_json(res, 201, user_json(*user));
  });

  routes.add("DELETE", R"(/api/v1/users/([A-Za-z0-9._@-]{1,64}))", "/api/v1/users/{username}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               require_admin(req);
               const std::string name = req.http.matches[1];
               auto removed = ctx.users().remove(name);
               if (!removed) throw ApiError(409, "last_admin", removed.error());
               if (!*removed) throw ApiError(404, "user_not_found", "no user '" + name + "'");
               send_json(res, 200, {{"username", name}, {"deleted", true}});
             });

  // Admins set anyone's password; users their own, with their current one.
  routes.add("PUT", R"(/api/v1/users/([A-Za-z0-9._@-]{1,64})/password)", "/api/v1/users/{username}/password",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const std::string name = req.http.matches[1];
               const nlohmann::json body = request_json(req);
               FieldReader r(body);
               const bool self = !req.user.anonymous() && req.user.username == name;
               if (!self) require_admin(req);
               const std::string password = password_field(r, "password", name);
               auto user = db_checked(ctx.users().find_by_name(name));
               if (!user) throw ApiError(404, "user_not_found", "no user '" + name + "'");
               if (self && !req.user.is_admin()) {
                 auto current = r.string("current_password", 1024);
                 if (!current) throw invalid_field("current_password", "is required to change your own password");
                 // Guessing the current password with a stolen token is throttled like logging in.
                 check_throttle(ctx, req, name);
                 bool ok = false;
                 {
                   auto permit = hash_permit(ctx);
                   ok = auth::verify_password(*current, user->password_hash);
                 }
                 if (!ok) {
                   record_failure(ctx, req, name);
                   throw ApiError(403, "invalid_credentials", "current_password is wrong");
                 }
               }
               if (!db_checked(ctx.users().set_password(name, hash_or_throw(ctx, password))))
                 throw ApiError(404, "user_not_found", "no user '" + name + "'");
               send_json(res, 200, {{"username", name}, {"password_changed", true}});
             });
}

std::string auth_metrics_text(ServerContext& ctx) {
  const auth::HashPermits& permits = ctx.hash_permits();
  const auth::LoginThrottle& throttle = ctx.login_throttle();
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, long long value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
  };
  metric("playground_password_hash_permits", "gauge", "Password hashes that may run at once.", permits.capacity());
  metric("playground_password_hashes_running", "gauge", "Password hashes running now.", permits.in_use());
  metric("playground_password_hashes_peak", "gauge", "Most password hashes that ever ran at once.", permits.peak());
  metric("playground_password_hashes_total", "counter", "Password hashes and verifications started.",
         static_cast<long long>(permits.granted()));
  metric("playground_password_hash_busy_total", "counter", "Requests answered 503 busy waiting for a hash permit.",
         static_cast<long long>(permits.timed_out()));
  metric("playground_login_failures_total", "counter", "Failed logins (wrong user name or password).",
         static_cast<long long>(throttle.failures()));
  metric("playground_login_throttled_total", "counter", "Logins refused with 429 too_many_attempts.",
         static_cast<long long>(throttle.refused()));
  return out;
}

}  // namespace pg::server
