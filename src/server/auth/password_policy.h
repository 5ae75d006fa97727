// Which new passwords are acceptable: at least 8 and at most 1024 bytes, no
// NUL, not one of the most common passwords (common_passwords.h), and not the
// user name nor containing it (both compared without regard to case). Used
// wherever a password is set: the users API, a password change and
// `playground user add|passwd`. Pure checks; never logs or keeps a password.
#pragma once

#include <string_view>

#include "util/result.h"

namespace pg::server::auth {

// Ok, or the reason the password is refused (it never quotes the password).
// `username` may be empty (then only the other rules apply).
Status check_new_password(std::string_view password, std::string_view username);

}  // namespace pg::server::auth
