// GgufWriter: serializes metadata and tensors into a deterministic GGUF v3
// image. Values are validated here (the reader must be able to read back
// everything we write). write() never leaves a partial file at the target
// path: it writes a temporary file next to it, syncs it and renames it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string_view>
#include <string>

#include "engine/gguf/checked_math.h"
#include "engine/gguf/gguf.h"
#include "engine/gguf/tensor_layout.h"

namespace pg::gguf {
namespace {

constexpr uint32_t kWriteVersion = 3;
// Padding is materialized in memory, so an absurd alignment would allocate absurdly.
constexpr uint64_t kMaxWriterAlignment = uint64_t{1} << 20;

// Appends little-endian encodings to a byte buffer.
class ByteSink {
 public:
  explicit ByteSink(std::vector<uint8_t>& out) : out_(out) {}
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
    size_t at = out_.size();
    out_.resize(at + n);
    std::memcpy(out_.data() + at, p, n);
  }
  void pad_to(uint64_t alignment) {
    uint64_t size = out_.size();
    uint64_t rem = size % alignment;
    if (rem != 0) out_.resize(size + (alignment - rem), 0);
  }

 private:
  std::vector<uint8_t>& out_;
};

struct EncodeError {
  std::string message;
};

// Checks that a value's payload agrees with its type and fits its range, then
// encodes it. `where` names the key (and element) for error messages.
class ValueEncoder {
 public:
  explicit ValueEncoder(ByteSink& sink) : sink_(sink) {}

  void encode(const Value& v, const std::string& where, int depth) {
    switch (v.type) {
      case ValueType::UINT8: sink_.put(static_cast<uint8_t>(unsigned_in(v, where, UINT8_MAX))); return;
      case ValueType::UINT16: sink_.put(static_cast<uint16_t>(unsigned_in(v, where, UINT16_MAX))); return;
      case ValueType::UINT32: sink_.put(static_cast<uint32_t>(unsigned_in(v, where, UINT32_MAX))); return;
      case ValueType::UINT64: sink_.put(unsigned_in(v, where, UINT64_MAX)); return;
      case ValueType::INT8: sink_.put(static_cast<int8_t>(signed_in(v, where, INT8_MIN, INT8_MAX))); return;
      case ValueType::INT16: sink_.put(static_cast<int16_t>(signed_in(v, where, INT16_MIN, INT16_MAX))); return;
      case ValueType::INT32: sink_.put(static_cast<int32_t>(signed_in(v, where, INT32_MIN, INT32_MAX))); return;
      case ValueType::INT64: sink_.put(signed_in(v, where, INT64_MIN, INT64_MAX)); return;
      case ValueType::FLOAT32: {
        double d = payload<double>(v, where);
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
          fail(where, "value " + std::to_string(d) + " is out of range for FLOAT32");
        }
        sink_.put(narrow_to_float(d));
        return;
      }
      case ValueType::FLOAT64: sink_.put(payload<double>(v, where)); return;
      case ValueType::BOOL: sink_.put(static_cast<uint8_t>(payload<bool>(v, where) ? 1 : 0)); return;
      case ValueType::STRING: sink_.put_string(payload<std::string>(v, where)); return;
      case ValueType::ARRAY: {
        if (depth + 1 > kMaxArrayDepth) {
          fail(where, "arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
        }
        const Array& a = payload<Array>(v, where);
        if (static_cast<uint32_t>(a.elem_type) > static_cast<uint32_t>(ValueType::FLOAT64)) {
          fail(where, "unknown array element type " + std::to_string(static_cast<uint32_t>(a.elem_type)));
        }
        items_ += a.items.size();
        if (items_ > kMaxMetadataItems) {
          fail(where, "metadata arrays hold more than " + std::to_string(kMaxMetadataItems) +
                          " items in total (the reader's limit)");
        }
        sink_.put(static_cast<uint32_t>(a.elem_type));
        sink_.put<uint64_t>(a.items.size());
        for (size_t i = 0; i < a.items.size(); ++i) {
          const Value& item = a.items[i];
          if (item.type != a.elem_type) {
            fail(where + "[" + std::to_string(i) + "]",
                 "element has type " + std::string(value_type_name(item.type)) + " in an array of " +
                     std::string(value_type_name(a.elem_type)));
          }
          encode(item, where, depth + 1);  // element index only matters for type errors
        }
        return;
      }
    }
    fail(where, "unknown value type " + std::to_string(static_cast<uint32_t>(v.type)));
  }

 private:
  [[noreturn]] static void fail(const std::string& where, const std::string& what) {
    throw EncodeError{"metadata key '" + where + "': " + what};
  }

  template <typename T>
  static const T& payload(const Value& v, const std::string& where) {
    const T* p = std::get_if<T>(&v.data);
    if (!p) fail(where, std::string(value_type_name(v.type)) + " value holds the wrong payload kind");
    return *p;
  }

  static uint64_t unsigned_in(const Value& v, const std::string& where, uint64_t max) {
    uint64_t u = payload<uint64_t>(v, where);
    if (u > max) {
      fail(where, "value " + std::to_string(u) + " is out of range for " +
                      std::string(value_type_name(v.type)));
    }
    return u;
  }

  static int64_t signed_in(const Value& v, const std::string& where, int64_t min, int64_t max) {
    int64_t i = payload<int64_t>(v, where);
    if (i < min || i > max) {
      fail(where, "value " + std::to_string(i) + " is out of range for " +
                      std::string(value_type_name(v.type)));
    }
    return i;
  }

  ByteSink& sink_;
  uint64_t items_ = 0;
};

// Closes a descriptor and removes the temporary file unless released.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep && !path.empty()) ::unlink(path.c_str());
  }
};

Status write_all(int fd, const uint8_t* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::error(path + ": write failed: " + std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

}  // namespace

void GgufWriter::set(std::string key, Value value) {
  for (auto& kv : kv_) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  kv_.emplace_back(std::move(key), std::move(value));
}

Status GgufWriter::add_tensor(std::string name, GgmlType type, std::vector<uint64_t> dims,
                              std::vector<uint8_t> data) {
  if (name.empty()) return Status::error("add_tensor: empty tensor name");
  for (const auto& t : tensors_) {
    if (t.name == name) return Status::error("add_tensor: duplicate tensor name '" + name + "'");
  }
  auto layout = tensor_layout(static_cast<uint32_t>(type), dims);
  if (!layout) return Status::error("add_tensor: tensor '" + name + "': " + layout.error());
  if (data.size() != layout->n_bytes) {
    return Status::error("add_tensor: tensor '" + name + "' (" + std::string(ggml_type_name(type)) +
                         ", " + std::to_string(layout->n_elements) + " elements) needs " +
                         std::to_string(layout->n_bytes) + " bytes of data, got " +
                         std::to_string(data.size()));
  }
  tensors_.push_back({std::move(name), type, std::move(dims), std::move(data)});
  return Status::ok();
}

namespace {

// The alignment the output will use: general.alignment if set (validated).
Result<uint64_t> writer_alignment(const std::vector<std::pair<std::string, Value>>& kv) {
  for (const auto& [key, value] : kv) {
    if (key != "general.alignment") continue;
    if (value.type != ValueType::UINT32) {
      // llama.cpp reads this key only as a UINT32 and aborts on any other type.
      return Error{"general.alignment must be a UINT32, not " +
                   std::string(value_type_name(value.type))};
    }
    int64_t v = value.is_integer() ? value.as_int().value_or(0) : 0;
    if (v <= 0 || !is_power_of_two(static_cast<uint64_t>(v))) {
      return Error{"general.alignment = " + value.to_display() +
                   " is not a non-zero power of two integer"};
    }
    if (static_cast<uint64_t>(v) > kMaxWriterAlignment) {
      return Error{"general.alignment = " + std::to_string(v) + " exceeds the writer's limit of " +
                   std::to_string(kMaxWriterAlignment) + " bytes"};
    }
    return static_cast<uint64_t>(v);
  }
  return kDefaultAlignment;
}

uint64_t padding_after(uint64_t size, uint64_t alignment) {
  return (alignment - size % alignment) % alignment;
}

}  // namespace

Result<EncodedHeader> encode_header(const std::vector<std::pair<std::string, Value>>& metadata,
                                    const std::vector<TensorInfoSpec>& tensors) {
  auto align = writer_alignment(metadata);
  if (!align) return Error{align.error()};
  EncodedHeader h;
  h.alignment = *align;
  ByteSink sink(h.bytes);
  sink.put<uint32_t>(0x46554747u);  // "GGUF" read as a little-endian u32
  sink.put<uint32_t>(kWriteVersion);
  sink.put<uint64_t>(tensors.size());
  sink.put<uint64_t>(metadata.size());
  ValueEncoder encoder(sink);
  std::set<std::string_view> keys;
  try {
    for (const auto& [key, value] : metadata) {
      if (key.empty()) return Error{"metadata key is empty"};
      if (!keys.insert(key).second) return Error{"metadata key '" + key + "' appears twice"};
      sink.put_string(key);
      sink.put(static_cast<uint32_t>(value.type));
      encoder.encode(value, key, 0);
    }
  } catch (const EncodeError& e) {
    return Error{e.message};
  }
  std::set<std::string_view> names;
  for (const TensorInfoSpec& t : tensors) {
    if (t.name.empty()) return Error{"tensor with an empty name"};
    if (!names.insert(t.name).second) return Error{"tensor '" + t.name + "' appears twice"};
    auto layout = tensor_layout(static_cast<uint32_t>(t.type), t.dims);
    if (!layout) return Error{"tensor '" + t.name + "': " + layout.error()};
    const uint64_t padded = layout->n_bytes + padding_after(layout->n_bytes, h.alignment);
    if (padded < layout->n_bytes || h.data_bytes + padded < h.data_bytes)
      return Error{"tensor '" + t.name + "' makes the file too large"};
    sink.put_string(t.name);
    sink.put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) sink.put(d);
    sink.put(static_cast<uint32_t>(t.type));
    sink.put(h.data_bytes);
    h.tensor_bytes.push_back(layout->n_bytes);
    h.data_bytes += padded;
  }
  sink.pad_to(h.alignment);
  return h;
}

Result<std::vector<uint8_t>> GgufWriter::header_bytes(uint64_t* alignment) const {
  std::vector<TensorInfoSpec> infos;
  infos.reserve(tensors_.size());
  for (const auto& t : tensors_) infos.push_back({t.name, t.type, t.dims});
  auto header = encode_header(kv_, infos);
  if (!header) return Error{header.error()};
  *alignment = header->alignment;
  return std::move(header->bytes);
}

Result<std::vector<uint8_t>> GgufWriter::to_bytes() const {
  uint64_t alignment = 0;
  auto header = header_bytes(&alignment);
  if (!header) return header;
  std::vector<uint8_t> out = std::move(header).value();
  ByteSink sink(out);
  for (const auto& t : tensors_) {
    sink.append(t.data.data(), t.data.size());
    sink.pad_to(alignment);
  }
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  uint64_t alignment = 0;
  auto header = header_bytes(&alignment);
  if (!header) return Status::error(path + ": " + header.error());

  // A unique name in the same directory so the final rename is atomic.
  TempFile tmp;
  std::random_device rd;
  for (int attempt = 0; attempt < 16 && tmp.fd < 0; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".tmp.%08x", static_cast<unsigned>(rd()));
    std::string candidate = path + suffix;
    int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      tmp.path = candidate;
      tmp.fd = fd;
    } else if (errno != EEXIST) {
      return Status::error(candidate + ": cannot create temporary file: " + std::strerror(errno));
    }
  }
  if (tmp.fd < 0) return Status::error(path + ": cannot create a unique temporary file");

  Status st = write_all(tmp.fd, header->data(), header->size(), tmp.path);
  static constexpr uint8_t kZeros[256] = {};
  for (const auto& t : tensors_) {
    if (!st) break;
    st = write_all(tmp.fd, t.data.data(), t.data.size(), tmp.path);
    uint64_t pad = padding_after(t.data.size(), alignment);
    while (st && pad > 0) {
      size_t n = pad < sizeof kZeros ? static_cast<size_t>(pad) : sizeof kZeros;
      st = write_all(tmp.fd, kZeros, n, tmp.path);
      pad -= n;
    }
  }
  if (!st) return st;
  if (::fsync(tmp.fd) != 0) return Status::error(tmp.path + ": fsync failed: " + std::strerror(errno));
  int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) return Status::error(tmp.path + ": close failed: " + std::strerror(errno));
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) {
    return Status::error(path + ": cannot rename " + tmp.path + " into place: " + std::strerror(errno));
  }
  tmp.keep = true;
  return Status::ok();
}

}  // namespace pg::gguf
