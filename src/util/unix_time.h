// The current time as Unix seconds (UTC), the unit the database and tokens
// store. One definition for every module; nothing else lives here.
#pragma once

#include <chrono>
#include <cstdint>

namespace pg {

inline int64_t unix_time_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace pg
