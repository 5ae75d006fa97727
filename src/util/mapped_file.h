// A whole file mapped read-only into memory. Owns the mapping and unmaps it on
// destruction. It only maps; it never interprets the bytes and never writes to
// the file (the mapping is PROT_READ, so a stray write faults instead of
// corrupting a model on disk).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "util/result.h"

namespace pg {

class MappedFile {
 public:
  // Maps a regular file. An empty file maps to data() == nullptr, size() == 0.
  static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void release();

  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace pg
