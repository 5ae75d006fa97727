// A fixed list of the most common passwords (from public breach-corpus top
// lists), as data, lowercase. Only answers "is this one of them"; it must
// never grow into a dictionary loaded from disk or the network.
#pragma once

#include <string_view>

namespace pg::server::auth {

// True when `lowercase_password` (already lowercased) is in the list.
bool is_common_password(std::string_view lowercase_password);
// How many passwords the list holds (for tests).
size_t common_password_count();

}  // namespace pg::server::auth
