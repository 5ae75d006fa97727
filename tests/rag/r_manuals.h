// Where the tests find real PDFs: the R manuals of Debian's r-doc-pdf package.
// Tests that need them call PG_REQUIRE_R_MANUALS(), which skips with a message
// naming the package when it is not installed (`make test` installs it).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace pg::rag::test {

inline std::string r_manual_dir() {
  for (const char* dir : {"/usr/share/R/doc/manual", "/usr/share/doc/r-doc-pdf/manual"})
    if (std::filesystem::exists(std::string(dir) + "/R-intro.pdf")) return dir;
  return "";
}

// Every PDF of the manual directory, sorted by name.
inline std::vector<std::string> r_manual_pdfs() {
  std::vector<std::string> files;
  const std::string dir = r_manual_dir();
  if (dir.empty()) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".pdf") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace pg::rag::test

#define PG_REQUIRE_R_MANUALS()                                                               \
  do {                                                                                       \
    if (::pg::rag::test::r_manual_dir().empty())                                             \
      GTEST_SKIP() << "the R manuals (Debian package r-doc-pdf) are not installed; "         \
                      "`make test` installs them, or: sudo apt-get install r-doc-pdf";       \
  } while (0)
