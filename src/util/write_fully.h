// Writing a whole buffer to a file descriptor: write(2) again after a short
// write or an interruption (EINTR), in pieces of at most 1 GiB. The error is
// strerror(errno) alone: the caller says which file. Never opens, syncs or
// closes the descriptor.
#pragma once

#include <cstddef>

#include "util/result.h"

namespace pg {

Status write_fully(int fd, const void* data, size_t n);

}  // namespace pg
