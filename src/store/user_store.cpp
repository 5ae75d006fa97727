// Users and API keys; see user_store.h.
#include "store/user_store.h"

#include <algorithm>
#include <cctype>

#include "store/query.h"
#include "util/unix_time.h"

namespace pg::store {
namespace {

constexpr const char* kUserColumns = "id, username, password_hash, role, token_version, created_at, updated_at";

constexpr const char* kKeyColumns = "id, user_id, name, prefix, created_at, last_used_at";

User read_user(const Statement& st) {
  User u;
  read_columns(st, u.id, u.username, u.password_hash, u.role, u.token_version, u.created_at, u.updated_at);
  return u;
}

ApiKey read_key(const Statement& st) {
  ApiKey k;
  read_columns(st, k.id, k.user_id, k.name, k.prefix, k.created_at, k.last_used_at);
  return k;
}

Result<std::optional<User>> one_user(Database& db, const std::string& where, const auto& bind_value) {
  return query_first(db, std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where, read_user, bind_value);
}

}  // namespace

bool valid_username(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

Result<User> UserStore::create(const std::string& username, const std::string& password_hash,
                               const std::string& role) {
  if (!valid_username(username))
    return Error{"user name '" + username + "' is not valid: use 1 to 64 letters, digits or . _ - @"};
  if (role != "admin" && role != "user") return Error{"role '" + role + "' is not admin or user"};
  auto lock = db_.lock();
  auto existing = find_by_name(username);
  if (!existing) return Error{existing.error()};
  if (*existing) return Error{"user '" + username + "' already exists"};
  const int64_t now = unix_time_now();
  if (Status s = execute(db_,
                         "INSERT INTO users (username, password_hash, role, token_version, created_at, updated_at) "
                         "VALUES (?, ?, ?, 0, ?, ?)",
                         username, password_hash, role, now, now);
      !s)
    return Error{s.message()};
  return User{.id = db_.last_insert_id(), .username = username, .password_hash = password_hash, .role = role,
              .created_at = now, .updated_at = now};
}

Result<std::optional<User>> UserStore::find_by_name(const std::string& username) {
  auto lock = db_.lock();
  return one_user(db_, "username = ?", username);
}

Result<std::optional<User>> UserStore::find_by_id(int64_t id) {
  auto lock = db_.lock();
  return one_user(db_, "id = ?", id);
}

Result<std::vector<User>> UserStore::list() {
  auto lock = db_.lock();
  return query_rows(db_, std::string("SELECT ") + kUserColumns + " FROM users ORDER BY username", read_user);
}

Result<int64_t> UserStore::count_admins() {
  auto lock = db_.lock();
  return query_int64(db_, "SELECT count(*) FROM users WHERE role = 'admin'");
}

Result<bool> UserStore::remove(const std::string& username) {
  auto lock = db_.lock();
  auto user = find_by_name(username);
  if (!user) return Error{user.error()};
  if (!*user) return false;
  if ((*user)->role == "admin") {
    auto admins = count_admins();
    if (!admins) return Error{admins.error()};
    if (*admins <= 1) return Error{"'" + username + "' is the last admin; add another admin before removing it"};
  }
  if (Status s = execute(db_, "DELETE FROM users WHERE id = ?", (*user)->id); !s) return Error{s.message()};
  return true;
}

Result<bool> UserStore::set_password(const std::string& username, const std::string& password_hash) {
  auto lock = db_.lock();
  if (Status s = execute(
          db_, "UPDATE users SET password_hash = ?, token_version = token_version + 1, updated_at = ? WHERE username = ?",
          password_hash, unix_time_now(), username);
      !s)
    return Error{s.message()};
  return db_.changes() > 0;
}

Result<ApiKey> UserStore::create_key(int64_t user_id, const std::string& name, const std::string& prefix,
                                     const std::string& key_hash) {
  auto lock = db_.lock();
  const int64_t now = unix_time_now();
  if (Status s = execute(db_, "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                         user_id, name, prefix, key_hash, now);
      !s)
    return Error{s.message()};
  return ApiKey{.id = db_.last_insert_id(), .user_id = user_id, .name = name, .prefix = prefix, .created_at = now};
}

Result<std::vector<ApiKey>> UserStore::list_keys(int64_t user_id) {
  auto lock = db_.lock();
  return query_rows(db_, std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE user_id = ? ORDER BY id", read_key,
                    user_id);
}

Result<bool> UserStore::remove_key(int64_t user_id, int64_t key_id) {
  auto lock = db_.lock();
  if (Status s = execute(db_, "DELETE FROM api_keys WHERE id = ? AND user_id = ?", key_id, user_id); !s)
    return Error{s.message()};
  return db_.changes() > 0;
}

Result<std::optional<std::pair<ApiKey, User>>> UserStore::use_key(const std::string& key_hash, int64_t now) {
  using Found = std::optional<std::pair<ApiKey, User>>;
  auto lock = db_.lock();
  auto found = query_first(db_, std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE key_hash = ?", read_key,
                           key_hash);
  if (!found) return Error{found.error()};
  if (!*found) return Found();
  ApiKey key = std::move(**found);
  auto user = find_by_id(key.user_id);
  if (!user) return Error{user.error()};
  if (!*user) return Found();
  // Record the use at most once a minute per key (no write per request).
  if (!key.last_used_at || now - *key.last_used_at >= 60) {
    if (Status s = execute(db_, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", now, key.id); !s)
      return Error{s.message()};
    key.last_used_at = now;
  }
  return Found(std::make_pair(std::move(key), std::move(**user)));
}

}  // namespace pg::store
