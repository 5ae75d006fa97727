// Tests of util/MappedFile (owned by the GGUF module): contents, empty files,
// errors that name the path, and ownership transfer on move.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "engine/gguf/gguf.h"
#include "util/mapped_file.h"

namespace pg {
namespace {

namespace fs = std::filesystem;

fs::path write_temp(const std::string& name, const std::string& contents) {
  fs::path p = fs::temp_directory_path() / ("pg_mapped_" + name + "_" + std::to_string(::getpid()));
  std::ofstream out(p, std::ios::binary);
  out << contents;
  return p;
}

TEST(GgufMappedFile, MapsTheFileContents) {
  fs::path p = write_temp("contents", std::string("GGUF\0\x01\x02", 7));
  auto m = MappedFile::open(p.string());
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->size(), 7u);
  EXPECT_EQ(std::memcmp(m->data(), "GGUF\0\x01\x02", 7), 0);
  EXPECT_EQ(m->path(), p.string());

  MappedFile moved = std::move(*m);
  EXPECT_EQ(moved.size(), 7u);
  EXPECT_EQ(moved.data()[0], 'G');
  EXPECT_EQ(m->data(), nullptr);  // the source gave up the mapping
  EXPECT_EQ(m->size(), 0u);
  fs::remove(p);
}

TEST(GgufMappedFile, EmptyFileMapsToNothing) {
  fs::path p = write_temp("empty", "");
  auto m = MappedFile::open(p.string());
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->size(), 0u);
  EXPECT_EQ(m->data(), nullptr);

  auto g = gguf::GgufFile::open(p.string());
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().rfind(p.string() + ": truncated file: magic", 0), 0u) << g.error();
  fs::remove(p);
}

TEST(GgufMappedFile, ErrorsNameThePath) {
  auto missing = MappedFile::open("/nonexistent/pg/file.bin");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/pg/file.bin: cannot open file"), std::string::npos)
      << missing.error();
  auto dir = MappedFile::open(fs::temp_directory_path().string());
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().find("not a regular file"), std::string::npos) << dir.error();
}

}  // namespace
}  // namespace pg

namespace pg {
namespace {

// Streamed mappings (2 MiB-aligned, huge pages where the kernel gives them,
// the file's small-page cache dropped once) show exactly the file's bytes,
// for files below and above the streamed minimum and of odd lengths.
TEST(GgufMappedFile, StreamedMappingShowsTheSameBytes) {
  for (size_t size : {size_t{4096 * 3 + 17}, size_t{(9u << 20) + 12345}}) {
    std::string contents(size, '\0');
    for (size_t i = 0; i < size; ++i) contents[i] = static_cast<char>((i * 2654435761u) >> 24);
    fs::path p = write_temp("streamed_" + std::to_string(size), contents);
    auto streamed = MappedFile::open(p.string(), MapMode::Streamed);
    ASSERT_TRUE(streamed) << streamed.error();
    ASSERT_EQ(streamed->size(), size);
    EXPECT_EQ(0, std::memcmp(streamed->data(), contents.data(), size));
    if (size >= (8u << 20)) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(streamed->data()) % (2u << 20), 0u) << "not 2 MiB aligned";
    }
    EXPECT_LE(streamed->huge_page_bytes(), size + (2u << 20));
    auto plain = MappedFile::open(p.string());
    ASSERT_TRUE(plain) << plain.error();
    EXPECT_EQ(0, std::memcmp(plain->data(), streamed->data(), size));
    fs::remove(p);
  }
}

}  // namespace
}  // namespace pg
