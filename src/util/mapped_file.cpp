// Read-only mmap of a whole file (POSIX). Never writes to the mapped file and
// never copies its contents.
#include "util/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

namespace pg {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes the descriptor when the scope ends; the mapping stays valid after close.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

constexpr uint64_t kHugePage = 2ull << 20;
constexpr uint64_t kMinStreamedSize = 4 * kHugePage;

// Maps size bytes of fd read-only at an address that is a multiple of 2 MiB,
// so file offsets and addresses agree modulo a huge page; nullptr on failure.
void* map_huge_aligned(int fd, uint64_t size) {
  const size_t span = static_cast<size_t>(size + kHugePage);
  void* reserved = ::mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(reserved);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  void* p = ::mmap(reinterpret_cast<void*>(aligned), static_cast<size_t>(size), PROT_READ, MAP_PRIVATE | MAP_FIXED,
                   fd, 0);
  if (p == MAP_FAILED) {
    ::munmap(reserved, span);
    return nullptr;
  }
  const long page = ::sysconf(_SC_PAGESIZE);
  const uintptr_t end = aligned + ((size + static_cast<uint64_t>(page) - 1) & ~(static_cast<uint64_t>(page) - 1));
  if (aligned > start) ::munmap(reserved, aligned - start);
  if (start + span > end) ::munmap(reinterpret_cast<void*>(end), start + span - end);
  ::madvise(p, static_cast<size_t>(size), MADV_HUGEPAGE);  // a hint: ignored where unsupported
  return p;
}

// FilePmdMapped of the mapping containing `address`, from /proc/self/smaps.
uint64_t pmd_mapped_bytes(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto target = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      inside = target >= lo && target < hi;
      continue;
    }
    unsigned long long kb = 0;
    if (inside && std::sscanf(line.c_str(), "FilePmdMapped: %llu kB", &kb) == 1) return kb * 1024;
  }
  return 0;
}

// Reads one byte in every whole huge page of the file, so the kernel maps them
// all (with 2 MiB pages where the cache holds the file that way); true if at
// least 9 in 10 got one. A file cached in small pages (written, or read with
// read(), before) fails this and gets its cache dropped. The weights are all
// read by the first token anyway; this only reads them at load instead.
bool huge_page_probe(const uint8_t* data, uint64_t size) {
  const uint64_t chunks = size / kHugePage;
  for (uint64_t k = 0; k < chunks; ++k) {
    const volatile uint8_t* byte = data + k * kHugePage;
    (void)*byte;
  }
  return chunks > 0 && pmd_mapped_bytes(data) * 10 >= chunks * kHugePage * 9;
}

}  // namespace

uint64_t MappedFile::huge_page_bytes() const { return data_ != nullptr ? pmd_mapped_bytes(data_) : 0; }

Result<MappedFile> MappedFile::open(const std::string& path, MapMode mode) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Error{path + ": cannot open file: " + errno_text(err)};
  }
  FdCloser closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    return Error{path + ": cannot stat file: " + errno_text(err)};
  }
  if (!S_ISREG(st.st_mode)) return Error{path + ": not a regular file"};
  if (st.st_size < 0) return Error{path + ": negative file size"};

  MappedFile file;
  file.path_ = path;
  file.size_ = static_cast<uint64_t>(st.st_size);
  if (file.size_ == 0) return file;  // mmap rejects length 0; nothing to map.

  if (mode == MapMode::Streamed && file.size_ >= kMinStreamedSize) {
    if (void* p = map_huge_aligned(fd, file.size_)) {
      file.data_ = static_cast<const uint8_t*>(p);
      if (!huge_page_probe(file.data_, file.size_)) {
        // Cached in small pages: drop that cache (clean pages only; other
        // processes' mappings keep theirs) and map again.
        ::munmap(p, static_cast<size_t>(file.size_));
        file.data_ = nullptr;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (void* again = map_huge_aligned(fd, file.size_)) {
          file.data_ = static_cast<const uint8_t*>(again);
          (void)huge_page_probe(file.data_, file.size_);
        }
      }
      if (file.data_ != nullptr) return file;
    }
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(file.size_), PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    return Error{path + ": cannot map " + std::to_string(file.size_) + " bytes: " + errno_text(err)};
  }
  file.data_ = static_cast<const uint8_t*>(p);
  return file;
}

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void MappedFile::release() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), static_cast<size_t>(size_));
  data_ = nullptr;
  size_ = 0;
}

}  // namespace pg
