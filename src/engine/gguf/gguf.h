// GGUF files: a validating reader over an mmapped (or in-memory) file and a
// deterministic writer. The reader treats every file as hostile: each count,
// length, offset, dimension and type is checked against the file size before it
// is used, and a bad file yields an Error that names the problem and the field.
// This module never interprets model semantics (that is engine/model's job).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/tensor/ggml_type.h"
#include "util/mapped_file.h"
#include "util/result.h"

namespace pg::gguf {

// Limits the reader enforces (the writer enforces the same ones).
inline constexpr uint64_t kDefaultAlignment = 32;
inline constexpr uint32_t kMaxTensorDims = 4;     // GGML_MAX_DIMS
inline constexpr int kMaxArrayDepth = 8;          // arrays nested inside arrays
// Total array elements over all metadata. A parsed item costs ~50 bytes of memory
// but may take 1 byte of file, so this bounds what a hostile file can make us
// allocate. Real vocabularies hold well under 2M items (tokens+scores+merges).
inline constexpr uint64_t kMaxMetadataItems = uint64_t{1} << 25;

enum class ValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
std::string_view value_type_name(ValueType t);

struct Value;
struct Array {
  ValueType elem_type = ValueType::UINT8;
  std::vector<Value> items;
  bool operator==(const Array& other) const;  // element type and items (deep)
};

// One metadata value. Integers keep their GGUF type in `type`; the payload is
// widened to int64/uint64/double for storage.
struct Value {
  ValueType type = ValueType::UINT8;
  std::variant<uint64_t, int64_t, double, bool, std::string, Array> data;

  static Value u8(uint8_t v) { return {ValueType::UINT8, uint64_t{v}}; }
  static Value i8(int8_t v) { return {ValueType::INT8, int64_t{v}}; }
  static Value u16(uint16_t v) { return {ValueType::UINT16, uint64_t{v}}; }
  static Value i16(int16_t v) { return {ValueType::INT16, int64_t{v}}; }
  static Value u32(uint32_t v) { return {ValueType::UINT32, uint64_t{v}}; }
  static Value i32(int32_t v) { return {ValueType::INT32, int64_t{v}}; }
  static Value u64(uint64_t v) { return {ValueType::UINT64, v}; }
  static Value i64(int64_t v) { return {ValueType::INT64, v}; }
  static Value f32(float v) { return {ValueType::FLOAT32, double{v}}; }
  static Value f64(double v) { return {ValueType::FLOAT64, v}; }
  static Value boolean(bool v) { return {ValueType::BOOL, v}; }
  static Value str(std::string v) { return {ValueType::STRING, std::move(v)}; }
  static Value array(ValueType elem, std::vector<Value> items) {
    return {ValueType::ARRAY, Array{elem, std::move(items)}};
  }

  bool is_integer() const;  // any of the 8 integer types
  bool is_float() const { return type == ValueType::FLOAT32 || type == ValueType::FLOAT64; }
  std::optional<int64_t> as_int() const;      // integer types (and bool) only
  std::optional<double> as_double() const;    // integer or float types
  const std::string* as_string() const;       // STRING only
  const Array* as_array() const;              // ARRAY only
  // Short human-readable form for `playground info`: integers in decimal,
  // floats in shortest round-trip form, strings quoted with escapes (cut after
  // 200 bytes, with the full length noted), arrays as
  // `[a, b, c, ... (512 items)]` showing the first `max_items` items.
  std::string to_display(size_t max_items = 8) const;

  // Same GGUF type and same payload (deep for arrays; NaN != NaN).
  bool operator==(const Value& other) const = default;
};

inline bool Array::operator==(const Array& other) const {
  return elem_type == other.elem_type && items == other.items;
}

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // GGML order: dims[0] is the contiguous (row) length
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;         // relative to the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // points into the mapped file
};

class GgufFile {
 public:
  // Opens and validates a file (mmapped read-only).
  // mode: how the tensor data will be read (MapMode::Streamed for inference).
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path, MapMode mode = MapMode::Plain);
  // Parses a copy of an in-memory image (tests, fuzzing).
  static Result<std::unique_ptr<GgufFile>> from_bytes(std::vector<uint8_t> bytes);

  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t file_size() const { return size_; }
  uint64_t data_offset() const { return data_offset_; }  // start of the data section
  const std::string& path() const { return path_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
  const Value* find(std::string_view key) const;

  // Typed getters: nullopt when the key is missing or has an incompatible type.
  // get_int: any integer type (not bool; a UINT64 above INT64_MAX gives nullopt).
  // get_float: float or integer types.
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  // Arrays: nullopt when missing or the element type does not fit.
  std::optional<std::vector<std::string>> get_string_array(std::string_view key) const;
  std::optional<std::vector<float>> get_float_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  Status parse();

  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  MappedFile mapped_;                 // mmap region (when opened from a path)
  std::vector<uint8_t> owned_bytes_;  // when built from bytes
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  std::map<std::string, size_t, std::less<>> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// The bytes before the data section of a GGUF v3 file: metadata and tensor
// infos with offsets, padded to general.alignment (32 unless set), every value
// validated. For writers that produce tensor data later (streamed to disk).
struct TensorInfoSpec {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<uint64_t> dims;
};
struct EncodedHeader {
  std::vector<uint8_t> bytes;
  uint64_t alignment = 0;
  std::vector<uint64_t> tensor_bytes;  // unpadded data size of each tensor
  uint64_t data_bytes = 0;             // the data section, padding included
};
Result<EncodedHeader> encode_header(const std::vector<std::pair<std::string, Value>>& metadata,
                                    const std::vector<TensorInfoSpec>& tensors);

// Writes GGUF v3 files. Output is deterministic: the same calls give the same
// bytes. Tensor data is aligned to `general.alignment` (32 unless set; it must
// be a UINT32 power of two, at most 1 MiB, as llama.cpp requires); padding
// is zero bytes. Values are checked at write time (type/payload agreement,
// integer ranges, array element types) and a bad one fails the write.
// write() goes through a temporary file in the target's directory and renames
// it, so the target is either the old file or the complete new one.
class GgufWriter {
 public:
  void set(std::string key, Value value);  // replaces an existing key in place
  // Adds a tensor; `data` must hold exactly the bytes its type and dims need.
  Status add_tensor(std::string name, GgmlType type, std::vector<uint64_t> dims,
                    std::vector<uint8_t> data);
  Status write(const std::string& path) const;
  Result<std::vector<uint8_t>> to_bytes() const;

 private:
  // Everything before the data section (padded), after validating all values;
  // sets *alignment to the alignment the data section uses.
  Result<std::vector<uint8_t>> header_bytes(uint64_t* alignment) const;

  std::vector<std::pair<std::string, Value>> kv_;
  struct PendingTensor {
    std::string name;
    GgmlType type;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> data;
  };
  std::vector<PendingTensor> tensors_;
};

}  // namespace pg::gguf
