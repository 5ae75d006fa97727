// Whole-buffer writes; see write_fully.h.
#include "util/write_fully.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace pg {

Status write_fully(int fd, const void* data, size_t n) {
  constexpr size_t kMaxPiece = size_t{1} << 30;
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n > kMaxPiece ? kMaxPiece : n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::error(std::strerror(errno));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

}  // namespace pg
