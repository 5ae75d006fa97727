// Users and API keys; see user_store.h.
#include "store/user_store.h"

#include <algorithm>
#include <cctype>

#include "store/statement_rows.h"
#include "util/unix_time.h"

namespace pg::store {
namespace {

constexpr const char* kUserColumns = "id, username, password_hash, role, token_version, created_at, updated_at";

User read_user(const Statement& st) {
  User u;
  u.id = st.int64(0);
  u.username = st.text(1);
  u.password_hash = st.text(2);
  u.role = st.text(3);
  u.token_version = st.int64(4);
  u.created_at = st.int64(5);
  u.updated_at = st.int64(6);
  return u;
}

ApiKey read_key(const Statement& st) {
  ApiKey k;
  k.id = st.int64(0);
  k.user_id = st.int64(1);
  k.name = st.text(2);
  k.prefix = st.text(3);
  k.created_at = st.int64(4);
  k.last_used_at = st.optional_int64(5);
  return k;
}

Result<std::optional<User>> one_user(Database& db, const std::string& where, const auto& bind_value) {
  auto st = db.prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where);
  if (!st) return Error{st.error()};
  st->bind(1, bind_value);
  auto row = st->step();
  if (!row) return Error{row.error()};
  if (!*row) return std::optional<User>();
  return std::optional<User>(read_user(*st));
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
  auto st = db_.prepare(
      "INSERT INTO users (username, password_hash, role, token_version, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, username).bind(2, password_hash).bind(3, role).bind(4, now).bind(5, now).run(); !s)
    return Error{s.message()};
  User u;
  u.id = db_.last_insert_id();
  u.username = username;
  u.password_hash = password_hash;
  u.role = role;
  u.created_at = u.updated_at = now;
  return u;
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
  auto st = db_.prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY username");
  if (!st) return Error{st.error()};
  return read_rows(*st, read_user);
}

Result<int64_t> UserStore::count_admins() {
  auto lock = db_.lock();
  auto st = db_.prepare("SELECT count(*) FROM users WHERE role = 'admin'");
  if (!st) return Error{st.error()};
  auto row = st->step();
  if (!row) return Error{row.error()};
  return st->int64(0);
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
  auto st = db_.prepare("DELETE FROM users WHERE id = ?");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, (*user)->id).run(); !s) return Error{s.message()};
  return true;
}

Result<bool> UserStore::set_password(const std::string& username, const std::string& password_hash) {
  auto lock = db_.lock();
  auto st = db_.prepare(
      "UPDATE users SET password_hash = ?, token_version = token_version + 1, updated_at = ? WHERE username = ?");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, password_hash).bind(2, unix_time_now()).bind(3, username).run(); !s) return Error{s.message()};
  return db_.changes() > 0;
}

Result<ApiKey> UserStore::create_key(int64_t user_id, const std::string& name, const std::string& prefix,
                                     const std::string& key_hash) {
  auto lock = db_.lock();
  const int64_t now = unix_time_now();
  auto st = db_.prepare("INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, user_id).bind(2, name).bind(3, prefix).bind(4, key_hash).bind(5, now).run(); !s)
    return Error{s.message()};
  ApiKey k;
  k.id = db_.last_insert_id();
  k.user_id = user_id;
  k.name = name;
  k.prefix = prefix;
  k.created_at = now;
  return k;
}

Result<std::vector<ApiKey>> UserStore::list_keys(int64_t user_id) {
  auto lock = db_.lock();
  auto st = db_.prepare(
      "SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY id");
  if (!st) return Error{st.error()};
  st->bind(1, user_id);
  return read_rows(*st, read_key);
}

Result<bool> UserStore::remove_key(int64_t user_id, int64_t key_id) {
  auto lock = db_.lock();
  auto st = db_.prepare("DELETE FROM api_keys WHERE id = ? AND user_id = ?");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, key_id).bind(2, user_id).run(); !s) return Error{s.message()};
  return db_.changes() > 0;
}

Result<std::optional<std::pair<ApiKey, User>>> UserStore::use_key(const std::string& key_hash, int64_t now) {
  using Found = std::optional<std::pair<ApiKey, User>>;
  auto lock = db_.lock();
  auto st = db_.prepare("SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_keys WHERE key_hash = ?");
  if (!st) return Error{st.error()};
  st->bind(1, key_hash);
  auto row = st->step();
  if (!row) return Error{row.error()};
  if (!*row) return Found();
  ApiKey key = read_key(*st);
  auto user = find_by_id(key.user_id);
  if (!user) return Error{user.error()};
  if (!*user) return Found();
  // Record the use at most once a minute per key (no write per request).
  if (!key.last_used_at || now - *key.last_used_at >= 60) {
    auto up = db_.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?");
    if (!up) return Error{up.error()};
    if (Status s = up->bind(1, now).bind(2, key.id).run(); !s) return Error{s.message()};
    key.last_used_at = now;
  }
  return Found(std::make_pair(std::move(key), std::move(**user)));
}

}  // namespace pg::store
