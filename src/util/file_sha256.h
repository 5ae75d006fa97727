// The SHA-256 of a file's bytes as lowercase hex, read in 1 MiB pieces (never
// the whole file in memory). `stop`, when given and set, ends the read early
// with an error. Reads only; never writes or caches.
#pragma once

#include <atomic>
#include <string>

#include "util/result.h"

namespace pg {

Result<std::string> sha256_of_file(const std::string& path, const std::atomic<bool>* stop = nullptr);

}  // namespace pg
