// Token secret; see secret.h.
#include "server/auth/secret.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "server/auth/crypto.h"
#include "store/data_dir.h"

namespace pg::server::auth {
namespace {
constexpr size_t kMinSecretBytes = 32;

Result<std::string> read_secret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read the token secret " + path};
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() < kMinSecretBytes)
    return Error{"the token secret in " + path + " is shorter than " + std::to_string(kMinSecretBytes) +
                 " bytes; delete the file to generate a new one"};
  return s;
}
}  // namespace

Result<std::string> load_or_create_secret(const std::string& configured, const std::string& data_dir) {
  if (!configured.empty()) {
    if (configured.size() < kMinSecretBytes)
      return Error{"secret (PLAYGROUND_SECRET) must be at least " + std::to_string(kMinSecretBytes) + " bytes long"};
    return configured;
  }
  if (Status s = store::ensure_private_dir(data_dir); !s) return Error{s.message()};
  const std::string path = (std::filesystem::path(data_dir) / "secret").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_secret(path);
    return Error{"cannot create the token secret " + path + ": " + std::strerror(errno)};
  }
  const std::string secret = random_hex(32) + "\n";
  const bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
  ::close(fd);
  if (!ok) {
    std::filesystem::remove(path);
    return Error{"cannot write the token secret " + path};
  }
  return read_secret(path);
}

}  // namespace pg::server::auth
