// Paths the tests use: the repository, ../shared test data, the built binary.
// Tests that need ../shared call PG_REQUIRE_SHARED() first, which skips them with
// a clear message when the directory is absent.
#pragma once

#include <gtest/gtest.h>

#include "test_build_paths.h"

#include <filesystem>
#include <string>

namespace pg::test {

inline std::string source_dir() { return PG_SOURCE_DIR; }
inline std::string shared_dir() { return PG_SHARED_DIR; }
inline std::string shared_path(const std::string& rel) { return shared_dir() + "/" + rel; }
inline std::string binary_path() { return PG_BINARY; }
inline bool shared_available() {
  return std::filesystem::exists(shared_dir() + "/testdata");
}

}  // namespace pg::test

#define PG_REQUIRE_SHARED()                                                        \
  do {                                                                             \
    if (!::pg::test::shared_available())                                           \
      GTEST_SKIP() << "../shared/testdata not found next to the repository; "      \
                      "this test needs the shared test data";                      \
  } while (0)
