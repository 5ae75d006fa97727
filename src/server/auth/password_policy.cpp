// New-password rules; see password_policy.h.
#include "server/auth/password_policy.h"

#include <string>

#include "server/auth/common_passwords.h"

namespace pg::server::auth {
namespace {

constexpr size_t kMinBytes = 8;
constexpr size_t kMaxBytes = 1024;
// Shorter user names are not looked for inside passwords ("al" is in "sally").
constexpr size_t kMinNameInside = 3;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

Status check_new_password(std::string_view password, std::string_view username) {
  if (password.size() < kMinBytes) return Status::error("the password must be at least 8 bytes long");
  if (password.size() > kMaxBytes) return Status::error("the password must be at most 1024 bytes long");
  if (password.find('\0') != std::string_view::npos) return Status::error("the password must not contain NUL");
  const std::string pw = lower(password);
  if (is_common_password(pw))
    return Status::error("the password is one of the most common passwords; choose a less guessable one");
  if (!username.empty()) {
    const std::string name = lower(username);
    if (pw == name) return Status::error("the password must not be the user name");
    if (name.size() >= kMinNameInside && pw.find(name) != std::string::npos)
      return Status::error("the password must not contain the user name");
  }
  return Status::ok();
}

}  // namespace pg::server::auth
