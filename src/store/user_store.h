// Users and their API keys in the database: create, find, list, delete,
// change a password (which also ends the user's existing tokens), and API
// keys stored only as a SHA-256 hash with a short display prefix. Knows no
// cryptography and no HTTP: callers pass hashes in. Every call takes the
// database lock for its duration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace pg::store {

struct User {
  int64_t id = 0;
  std::string username;
  std::string password_hash;
  std::string role;  // "admin" or "user"
  int64_t token_version = 0;  // bumped by a password change: older tokens stop working
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct ApiKey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string prefix;  // the first characters of the key, to recognise it in lists
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
};

// 1 to 64 bytes of letters, digits and . _ - @
bool valid_username(const std::string& name);

class UserStore {
 public:
  explicit UserStore(Database& db) : db_(db) {}

  // Error "exists" style message when the name is taken.
  Result<User> create(const std::string& username, const std::string& password_hash, const std::string& role);
  Result<std::optional<User>> find_by_name(const std::string& username);
  Result<std::optional<User>> find_by_id(int64_t id);
  Result<std::vector<User>> list();
  Result<int64_t> count_admins();
  // False when no such user. Refuses to delete the last admin.
  Result<bool> remove(const std::string& username);
  // False when no such user; bumps token_version.
  Result<bool> set_password(const std::string& username, const std::string& password_hash);

  Result<ApiKey> create_key(int64_t user_id, const std::string& name, const std::string& prefix,
                            const std::string& key_hash);
  Result<std::vector<ApiKey>> list_keys(int64_t user_id);
  // False when the user has no key with this id.
  Result<bool> remove_key(int64_t user_id, int64_t key_id);
  // The key with this hash and its user (and records the use), or nullopt.
  Result<std::optional<std::pair<ApiKey, User>>> use_key(const std::string& key_hash, int64_t now);

 private:
  Database& db_;
};

}  // namespace pg::store
