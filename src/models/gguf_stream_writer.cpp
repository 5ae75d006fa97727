// GgufStreamWriter: header serialization (GGUF v3 layout: magic, version,
// tensor count, kv count, key/values, tensor infos, padding) and ordered,
// checked data appends into a temporary file that is renamed on success.
#include "models/gguf_stream_writer.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

#include "util/write_fully.h"

namespace pg {
namespace {

uint64_t padding_after(uint64_t size, uint64_t alignment) { return (alignment - size % alignment) % alignment; }

struct Layout {
  std::vector<uint8_t> header;  // padded to the alignment
  std::vector<uint64_t> sizes;  // data bytes per tensor (unpadded)
  uint64_t alignment = 0;
  uint64_t total = 0;           // whole file
};

Result<Layout> plan(const GgufStreamWriter::Metadata& metadata, const std::vector<StreamTensorSpec>& tensors) {
  std::vector<gguf::TensorInfoSpec> infos;
  infos.reserve(tensors.size());
  for (const StreamTensorSpec& t : tensors) infos.push_back({t.name, t.type, t.dims});
  auto header = gguf::encode_header(metadata, infos);
  if (!header) return Error{header.error()};
  Layout out;
  out.alignment = header->alignment;
  out.sizes = std::move(header->tensor_bytes);
  out.total = header->bytes.size() + header->data_bytes;
  out.header = std::move(header->bytes);
  return out;
}

}  // namespace

Result<uint64_t> GgufStreamWriter::file_size(const Metadata& metadata, const std::vector<StreamTensorSpec>& tensors) {
  auto layout = plan(metadata, tensors);
  if (!layout) return Error{layout.error()};
  return layout->total;
}

Result<std::unique_ptr<GgufStreamWriter>> GgufStreamWriter::create(const std::string& path, const Metadata& metadata,
                                                                   const std::vector<StreamTensorSpec>& tensors) {
  auto layout = plan(metadata, tensors);
  if (!layout) return Error{path + ": " + layout.error()};

  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0)
    return Error{path + ": cannot write there (" + dir.string() + ": " + std::strerror(errno) + ")"};
  const uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
  if (free_bytes < layout->total)
    return Error{path + ": not enough free disk space: the file needs " + std::to_string(layout->total) +
                 " bytes, " + dir.string() + " has " + std::to_string(free_bytes) + " free"};

  std::unique_ptr<GgufStreamWriter> w(new GgufStreamWriter());
  w->path_ = path;
  w->alignment_ = layout->alignment;
  w->sizes_ = layout->sizes;
  for (const auto& t : tensors) w->names_.push_back(t.name);
  std::random_device rd;
  for (int attempt = 0; attempt < 16 && w->fd_ < 0; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".tmp.%08x", static_cast<unsigned>(rd()));
    std::string candidate = path + suffix;
    int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      w->fd_ = fd;
      w->tmp_path_ = candidate;
    } else if (errno != EEXIST) {
      return Error{candidate + ": cannot create temporary file: " + std::strerror(errno)};
    }
  }
  if (w->fd_ < 0) return Error{path + ": cannot create a unique temporary file"};
  if (Status s = w->write_bytes(layout->header.data(), layout->header.size()); !s) return Error{s.message()};
  // Zero-sized tensors cannot exist (dims are checked), so no tensor is complete yet.
  return w;
}

GgufStreamWriter::~GgufStreamWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!done_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

Status GgufStreamWriter::write_bytes(const void* data, uint64_t n) {
  if (Status s = write_fully(fd_, data, static_cast<size_t>(n)); !s)
    return Status::error(tmp_path_ + ": write failed: " + s.message());
  return Status::ok();
}

Status GgufStreamWriter::append(const void* data, uint64_t n_bytes) {
  if (fd_ < 0 || done_) return Status::error(path_ + ": append after the writer was closed");
  if (current_ >= sizes_.size()) return Status::error(path_ + ": append after the last tensor was complete");
  if (n_bytes > sizes_[current_] - filled_)
    return Status::error(path_ + ": tensor '" + names_[current_] + "' needs " + std::to_string(sizes_[current_]) +
                         " bytes; appending " + std::to_string(n_bytes) + " after " + std::to_string(filled_) +
                         " would overrun it");
  if (Status s = write_bytes(data, n_bytes); !s) return s;
  filled_ += n_bytes;
  if (filled_ == sizes_[current_]) {
    static constexpr uint8_t kZeros[64] = {};
    uint64_t pad = padding_after(sizes_[current_], alignment_);
    while (pad > 0) {
      const uint64_t n = pad < sizeof kZeros ? pad : sizeof kZeros;
      if (Status s = write_bytes(kZeros, n); !s) return s;
      pad -= n;
    }
    ++current_;
    filled_ = 0;
  }
  return Status::ok();
}

Status GgufStreamWriter::finish() {
  if (fd_ < 0 || done_) return Status::error(path_ + ": finish() called twice");
  if (current_ != sizes_.size())
    return Status::error(path_ + ": tensor '" + names_[current_] + "' is incomplete (" + std::to_string(filled_) +
                         " of " + std::to_string(sizes_[current_]) + " bytes)");
  if (::fsync(fd_) != 0) return Status::error(tmp_path_ + ": fsync failed: " + std::strerror(errno));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Status::error(tmp_path_ + ": close failed: " + std::strerror(errno));
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    return Status::error(path_ + ": cannot rename " + tmp_path_ + " into place: " + std::strerror(errno));
  done_ = true;
  return Status::ok();
}

}  // namespace pg
