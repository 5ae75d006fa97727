// The key that signs access tokens: the configured `secret` (at least 32
// bytes), or else the file <data_dir>/secret, generated once with 256 random
// bits and mode 0600. Never logs or prints the secret.
#pragma once

#include <string>

#include "util/result.h"

namespace pg::server::auth {

Result<std::string> load_or_create_secret(const std::string& configured, const std::string& data_dir);

}  // namespace pg::server::auth
