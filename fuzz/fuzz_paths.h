// Where a fuzz target finds the shared test data (../shared next to the
// checkout): $PG_SHARED_DIR when set, else PG_FUZZ_SOURCE_DIR/../shared.
// Read-only lookups; it must never create or change files.
#pragma once

#include <cstdlib>
#include <string>

namespace pg::fuzz {

inline std::string shared_dir() {
  if (const char* env = std::getenv("PG_SHARED_DIR"); env && *env) return env;
  return std::string(PG_FUZZ_SOURCE_DIR) + "/../shared";
}

}  // namespace pg::fuzz
