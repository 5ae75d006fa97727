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

namespace pg {
namespace {

constexpr uint32_t kGgufMagic = 0x46554747u;  // "GGUF" as a little-endian u32
constexpr uint32_t kGgufVersion = 3;
constexpr uint64_t kMaxAlignment = uint64_t{1} << 20;

struct EncodeError {
  std::string message;
};

class HeaderSink {
 public:
  std::vector<uint8_t> bytes;

  template <typename T>
  void put(T v) {
    append(&v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    append(s.data(), s.size());
  }
  void append(const void* p, size_t n) {
    if (n == 0) return;
    const size_t at = bytes.size();
    bytes.resize(at + n);
    std::memcpy(bytes.data() + at, p, n);
  }

  void put_value(const gguf::Value& v, const std::string& key, int depth) {
    using gguf::ValueType;
    switch (v.type) {
      case ValueType::UINT8: put(static_cast<uint8_t>(unsigned_in(v, key, UINT8_MAX))); return;
      case ValueType::UINT16: put(static_cast<uint16_t>(unsigned_in(v, key, UINT16_MAX))); return;
      case ValueType::UINT32: put(static_cast<uint32_t>(unsigned_in(v, key, UINT32_MAX))); return;
      case ValueType::UINT64: put(unsigned_in(v, key, UINT64_MAX)); return;
      case ValueType::INT8: put(static_cast<int8_t>(signed_in(v, key, INT8_MIN, INT8_MAX))); return;
      case ValueType::INT16: put(static_cast<int16_t>(signed_in(v, key, INT16_MIN, INT16_MAX))); return;
      case ValueType::INT32: put(static_cast<int32_t>(signed_in(v, key, INT32_MIN, INT32_MAX))); return;
      case ValueType::INT64: put(signed_in(v, key, INT64_MIN, INT64_MAX)); return;
      case ValueType::FLOAT32: {
        double d = payload<double>(v, key);
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
          fail(key, "value out of range for FLOAT32");
        put(static_cast<float>(d));
        return;
      }
      case ValueType::FLOAT64: put(payload<double>(v, key)); return;
      case ValueType::BOOL: put(static_cast<uint8_t>(payload<bool>(v, key) ? 1 : 0)); return;
      case ValueType::STRING: put_string(payload<std::string>(v, key)); return;
      case ValueType::ARRAY: {
        if (depth + 1 > gguf::kMaxArrayDepth) fail(key, "arrays nested too deeply");
        const gguf::Array& a = payload<gguf::Array>(v, key);
        if (static_cast<uint32_t>(a.elem_type) > static_cast<uint32_t>(ValueType::FLOAT64))
          fail(key, "unknown array element type");
        items_ += a.items.size();
        if (items_ > gguf::kMaxMetadataItems) fail(key, "too many metadata array items in total");
        put(static_cast<uint32_t>(a.elem_type));
        put<uint64_t>(a.items.size());
        for (const gguf::Value& item : a.items) {
          if (item.type != a.elem_type) fail(key, "array element of the wrong type");
          put_value(item, key, depth + 1);
        }
        return;
      }
    }
    fail(key, "unknown value type " + std::to_string(static_cast<uint32_t>(v.type)));
  }

 private:
  [[noreturn]] static void fail(const std::string& key, const std::string& what) {
    throw EncodeError{"metadata key '" + key + "': " + what};
  }
  template <typename T>
  static const T& payload(const gguf::Value& v, const std::string& key) {
    const T* p = std::get_if<T>(&v.data);
    if (!p) fail(key, std::string(gguf::value_type_name(v.type)) + " value holds the wrong payload kind");
    return *p;
  }
  static uint64_t unsigned_in(const gguf::Value& v, const std::string& key, uint64_t max) {
    uint64_t u = payload<uint64_t>(v, key);
    if (u > max) fail(key, "value " + std::to_string(u) + " out of range");
    return u;
  }
  static int64_t signed_in(const gguf::Value& v, const std::string& key, int64_t min, int64_t max) {
    int64_t i = payload<int64_t>(v, key);
    if (i < min || i > max) fail(key, "value " + std::to_string(i) + " out of range");
    return i;
  }
  uint64_t items_ = 0;
};

uint64_t padding_after(uint64_t size, uint64_t alignment) { return (alignment - size % alignment) % alignment; }

Result<uint64_t> alignment_of(const GgufStreamWriter::Metadata& metadata) {
  for (const auto& [key, value] : metadata) {
    if (key != "general.alignment") continue;
    auto v = value.as_int();
    if (value.type != gguf::ValueType::UINT32 || !v || *v <= 0 || (*v & (*v - 1)) != 0 ||
        static_cast<uint64_t>(*v) > kMaxAlignment)
      return Error{"general.alignment must be a UINT32 power of two up to 1 MiB, got " + value.to_display()};
    return static_cast<uint64_t>(*v);
  }
  return gguf::kDefaultAlignment;
}

struct Layout {
  std::vector<uint8_t> header;  // padded to the alignment
  std::vector<uint64_t> sizes;  // data bytes per tensor (unpadded)
  uint64_t alignment = 0;
  uint64_t total = 0;           // whole file
};

Result<Layout> plan(const GgufStreamWriter::Metadata& metadata, const std::vector<StreamTensorSpec>& tensors) {
  Layout out;
  auto align = alignment_of(metadata);
  if (!align) return Error{align.error()};
  out.alignment = *align;
  HeaderSink sink;
  sink.put(kGgufMagic);
  sink.put(kGgufVersion);
  sink.put<uint64_t>(tensors.size());
  sink.put<uint64_t>(metadata.size());
  std::set<std::string> keys;
  try {
    for (const auto& [key, value] : metadata) {
      if (key.empty()) return Error{"metadata key is empty"};
      if (!keys.insert(key).second) return Error{"metadata key '" + key + "' appears twice"};
      sink.put_string(key);
      sink.put(static_cast<uint32_t>(value.type));
      sink.put_value(value, key, 0);
    }
  } catch (const EncodeError& e) {
    return Error{e.message};
  }
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const StreamTensorSpec& t : tensors) {
    if (t.name.empty()) return Error{"tensor with an empty name"};
    if (!names.insert(t.name).second) return Error{"tensor '" + t.name + "' appears twice"};
    if (t.dims.empty() || t.dims.size() > gguf::kMaxTensorDims)
      return Error{"tensor '" + t.name + "' has " + std::to_string(t.dims.size()) + " dimensions (1 to 4 allowed)"};
    uint64_t rows = 1;
    for (size_t d = 1; d < t.dims.size(); ++d) {
      if (t.dims[d] == 0 || rows > (uint64_t{1} << 48) / t.dims[d])
        return Error{"tensor '" + t.name + "' has a bad dimension " + std::to_string(t.dims[d])};
      rows *= t.dims[d];
    }
    auto row = ggml_row_bytes(t.type, t.dims[0]);
    if (!row || t.dims[0] == 0)
      return Error{"tensor '" + t.name + "': row length " + std::to_string(t.dims[0]) + " does not fit type " +
                   std::string(ggml_type_name(t.type))};
    if (*row > (uint64_t{1} << 48) / rows) return Error{"tensor '" + t.name + "' is too large"};
    const uint64_t size = *row * rows;
    out.sizes.push_back(size);
    sink.put_string(t.name);
    sink.put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) sink.put(d);
    sink.put(static_cast<uint32_t>(t.type));
    sink.put(offset);
    offset += size + padding_after(size, out.alignment);
  }
  sink.bytes.resize(sink.bytes.size() + padding_after(sink.bytes.size(), out.alignment), 0);
  out.header = std::move(sink.bytes);
  out.total = out.header.size() + offset;
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
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    const size_t chunk = n > (uint64_t{1} << 30) ? size_t{1} << 30 : static_cast<size_t>(n);
    ssize_t w = ::write(fd_, p, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::error(tmp_path_ + ": write failed: " + std::strerror(errno));
    }
    p += w;
    n -= static_cast<uint64_t>(w);
  }
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
