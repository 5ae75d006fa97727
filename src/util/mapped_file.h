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

// How a mapping will be read.
enum class MapMode {
  Plain,     // a few reads (headers, metadata): the kernel's defaults
  Streamed,  // read start to end over and over (model weights during inference):
             // mapped in 2 MiB pages where the kernel can (see MappedFile::open)
};

class MappedFile {
 public:
  // Maps a regular file. An empty file maps to data() == nullptr, size() == 0.
  // Streamed: the mapping starts on a 2 MiB boundary and asks for transparent
  // huge pages, which Linux gives file mappings when the filesystem caches the
  // file in large folios (ext4/xfs on Linux >= 6.x). Streaming weights through
  // 2 MiB pages avoids a TLB miss every 4 KiB, which inside a VM costs a
  // two-level page walk: measured +35-40% read bandwidth per core. When the
  // file is already cached in 4 KiB pages (it was just written, or read with
  // read()), that cache is dropped once so it is read back in large folios.
  // Everything else behaves as Plain; the bytes seen are the same either way.
  static Result<MappedFile> open(const std::string& path, MapMode mode = MapMode::Plain);

  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Bytes of the mapping currently backed by 2 MiB pages (0 where unknown).
  uint64_t huge_page_bytes() const;

 private:
  void release();

  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace pg
