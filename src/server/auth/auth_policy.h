// When authentication is on: the `auth` setting (auto, on, off) and the
// address the server binds to. Loopback binds (127.0.0.0/8, ::1, localhost)
// may run without auth (auto = off); any other bind requires it (auto = on)
// and refuses `off`. Pure decisions, no I/O.
#pragma once

#include <string>

#include "util/result.h"

namespace pg::server::auth {

bool is_loopback_host(const std::string& host);

// True when auth is on; an error for `off` on a non-loopback bind.
Result<bool> auth_enabled(const std::string& mode, const std::string& host);

// What `serve` says when auth is on and no admin exists yet.
std::string no_admin_message(const std::string& host, const std::string& data_dir, const std::string& database);

}  // namespace pg::server::auth
