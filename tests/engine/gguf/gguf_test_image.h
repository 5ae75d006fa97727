// Test helper: builds GGUF byte images by hand, field by field, so tests can
// craft both valid files (independently of GgufWriter) and precisely broken
// ones. It never validates anything; that is the point.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace pg::gguf::test {

class ImageBuilder {
 public:
  template <typename T>
  ImageBuilder& put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    bytes_.insert(bytes_.end(), b, b + sizeof(T));
    return *this;
  }
  ImageBuilder& u8(uint8_t v) { return put(v); }
  ImageBuilder& u32(uint32_t v) { return put(v); }
  ImageBuilder& u64(uint64_t v) { return put(v); }
  ImageBuilder& raw(std::string_view s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  ImageBuilder& str(std::string_view s) { return u64(s.size()).raw(s); }
  ImageBuilder& header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    return raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  }
  ImageBuilder& kv_u32(std::string_view key, uint32_t v) { return str(key).u32(4).u32(v); }
  ImageBuilder& kv_str(std::string_view key, std::string_view v) { return str(key).u32(8).str(v); }
  ImageBuilder& tensor(std::string_view name, const std::vector<uint64_t>& dims, uint32_t type,
                       uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  ImageBuilder& pad_to(size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(0);
    return *this;
  }
  ImageBuilder& fill(size_t n, uint8_t byte) {
    bytes_.insert(bytes_.end(), n, byte);
    return *this;
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// One F32 tensor per spec, header then data, aligned to 32: a valid image unless
// a spec says otherwise. `data_bytes` is the size of the data section.
struct TensorSpec {
  std::string name;
  std::vector<uint64_t> dims;
  uint32_t type = 0;
  uint64_t offset = 0;
};

inline std::vector<uint8_t> image_with_tensors(const std::vector<TensorSpec>& specs,
                                               size_t data_bytes) {
  ImageBuilder b;
  b.header(3, specs.size(), 1).kv_str("general.architecture", "llama");
  for (const auto& s : specs) b.tensor(s.name, s.dims, s.type, s.offset);
  b.pad_to(32);
  for (size_t i = 0; i < data_bytes; ++i) b.u8(static_cast<uint8_t>(i * 7 + 1));
  return b.bytes();
}

}  // namespace pg::gguf::test
