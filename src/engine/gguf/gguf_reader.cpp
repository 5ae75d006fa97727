// Parses and validates a GGUF v2/v3 image (GgufFile::parse). Every count,
// length, offset, dimension and type read from the file is checked against the
// bytes that remain before it is used, so a hostile file can neither make us
// read out of bounds nor allocate more than a small multiple of its size.
// Errors are thrown as ParseError inside this file only and turned into a
// Status at the end of parse(); nothing here throws past that boundary.
#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <numeric>
#include <string>
#include <utility>

#include "engine/gguf/checked_math.h"
#include "engine/gguf/gguf.h"
#include "engine/gguf/tensor_layout.h"

namespace pg::gguf {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader assumes a little-endian host");

constexpr uint64_t kMaxValueTypeId = static_cast<uint64_t>(ValueType::FLOAT64);
// Smallest possible encodings, used to reject counts the remaining bytes cannot hold.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;            // key length, 1-byte key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;  // name, n_dims, 1 dim, type, offset
constexpr size_t kMaxShownNameBytes = 120;

struct ParseError {
  std::string message;
};

std::string n2s(uint64_t v) { return std::to_string(v); }

// A name from the file made safe to embed in an error message.
std::string printable(std::string_view s) {
  std::string out;
  size_t n = std::min(s.size(), kMaxShownNameBytes);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F || c == '\\' || c == '\'') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  return out;
}

bool is_fixed_size(ValueType t, uint64_t* size) {
  switch (t) {
    case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: *size = 1; return true;
    case ValueType::UINT16: case ValueType::INT16: *size = 2; return true;
    case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: *size = 4; return true;
    case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: *size = 8; return true;
    default: return false;
  }
}

uint64_t min_encoded_size(ValueType t) {
  uint64_t size = 0;
  if (is_fixed_size(t, &size)) return size;
  return t == ValueType::STRING ? 8 : 4 + 8;  // ARRAY: element type + count
}

// Bounds-checked little-endian reads over the image, with enough context to
// say where a failure happened.
class Cursor {
 public:
  Cursor(const uint8_t* base, uint64_t size, const std::string& file)
      : base_(base), size_(size), file_(file) {}

  uint64_t pos() const { return pos_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - pos_; }

  // Where we are, e.g. "metadata key 'foo'[3][0]"; set by the caller.
  void set_context(std::string ctx) {
    context_ = std::move(ctx);
    elem_path_.clear();
  }
  void push_element() { elem_path_.push_back(0); }
  void set_element(uint64_t i) { elem_path_.back() = i; }
  void pop_element() { elem_path_.pop_back(); }

  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError{file_ + ": " + where() + what};
  }

  void need(uint64_t n, const char* field) const {
    if (n > remaining()) {
      fail("truncated file: " + std::string(field) + " at offset " + n2s(pos_) + " needs " +
           n2s(n) + " bytes but only " + n2s(remaining()) + " remain (file size " + n2s(size_) +
           ")");
    }
  }

  template <typename T>
  T read(const char* field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, base_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string read_string(const char* field) {
    uint64_t at = pos_;
    uint64_t len = read<uint64_t>(field);
    if (len > remaining()) {
      fail(std::string(field) + " length " + n2s(len) + " at offset " + n2s(at) +
           " extends past end of file (" + n2s(remaining()) + " bytes remain, file size " +
           n2s(size_) + ")");
    }
    std::string s(reinterpret_cast<const char*>(base_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return s;
  }

 private:
  std::string where() const {
    if (context_.empty()) return "";
    std::string w = context_;
    for (uint64_t i : elem_path_) w += "[" + n2s(i) + "]";
    return w + ": ";
  }

  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
  const std::string& file_;
  std::string context_;
  std::vector<uint64_t> elem_path_;
};

class ValueReader {
 public:
  explicit ValueReader(Cursor& cur) : cur_(cur) {}

  Value read(ValueType type, int depth) {
    switch (type) {
      case ValueType::UINT8: return Value::u8(cur_.read<uint8_t>("UINT8 value"));
      case ValueType::INT8: return Value::i8(cur_.read<int8_t>("INT8 value"));
      case ValueType::UINT16: return Value::u16(cur_.read<uint16_t>("UINT16 value"));
      case ValueType::INT16: return Value::i16(cur_.read<int16_t>("INT16 value"));
      case ValueType::UINT32: return Value::u32(cur_.read<uint32_t>("UINT32 value"));
      case ValueType::INT32: return Value::i32(cur_.read<int32_t>("INT32 value"));
      case ValueType::UINT64: return Value::u64(cur_.read<uint64_t>("UINT64 value"));
      case ValueType::INT64: return Value::i64(cur_.read<int64_t>("INT64 value"));
      case ValueType::FLOAT32: return Value::f32(cur_.read<float>("FLOAT32 value"));
      case ValueType::FLOAT64: return Value::f64(cur_.read<double>("FLOAT64 value"));
      case ValueType::BOOL: {
        uint8_t b = cur_.read<uint8_t>("BOOL value");
        if (b > 1) cur_.fail("invalid BOOL value " + n2s(b) + " (must be 0 or 1)");
        return Value::boolean(b != 0);
      }
      case ValueType::STRING: return Value::str(cur_.read_string("string"));
      case ValueType::ARRAY: return read_array(depth + 1);
    }
    cur_.fail("unknown value type " + n2s(static_cast<uint32_t>(type)));
  }

 private:
  Value read_array(int depth) {
    if (depth > kMaxArrayDepth) {
      cur_.fail("arrays nested deeper than " + n2s(kMaxArrayDepth) + " levels");
    }
    uint32_t elem_id = cur_.read<uint32_t>("array element type");
    if (elem_id > kMaxValueTypeId) cur_.fail("unknown array element type " + n2s(elem_id));
    auto elem = static_cast<ValueType>(elem_id);
    uint64_t count = cur_.read<uint64_t>("array count");
    uint64_t min_size = min_encoded_size(elem);
    if (count > cur_.remaining() / min_size) {
      cur_.fail("array count " + n2s(count) + " of " + std::string(value_type_name(elem)) +
                " is impossible: each element needs at least " + n2s(min_size) +
                " bytes and only " + n2s(cur_.remaining()) + " remain");
    }
    items_ += count;
    if (items_ > kMaxMetadataItems) {
      cur_.fail("metadata arrays hold more than " + n2s(kMaxMetadataItems) + " items in total");
    }
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(count));
    cur_.push_element();
    for (uint64_t i = 0; i < count; ++i) {
      cur_.set_element(i);
      items.push_back(read(elem, depth));
    }
    cur_.pop_element();
    return Value::array(elem, std::move(items));
  }

  Cursor& cur_;
  uint64_t items_ = 0;
};

}  // namespace

Status GgufFile::parse() {
  kv_.clear();
  kv_index_.clear();
  tensors_.clear();
  tensor_index_.clear();
  alignment_ = kDefaultAlignment;
  try {
    Cursor cur(base_, size_, path_);

    // Header.
    cur.need(4, "magic");
    if (std::memcmp(base_, "GGUF", 4) != 0) {
      cur.fail("bad magic \"" + printable(std::string_view(reinterpret_cast<const char*>(base_), 4)) +
               "\" (expected \"GGUF\"): not a GGUF file");
    }
    cur.read<uint32_t>("magic");
    version_ = cur.read<uint32_t>("version");
    if (version_ != 2 && version_ != 3) {
      std::string hint;
      if (version_ == 1) hint = " (GGUF v1 is obsolete; re-convert the model)";
      if (version_ == 0x02000000u || version_ == 0x03000000u) hint = " (big-endian file?)";
      cur.fail("unsupported GGUF version " + n2s(version_) + hint +
               "; this reader supports versions 2 and 3");
    }
    uint64_t tensor_count = cur.read<uint64_t>("tensor count");
    uint64_t kv_count = cur.read<uint64_t>("metadata kv count");
    if (kv_count > cur.remaining() / kMinKvBytes) {
      cur.fail("metadata kv count " + n2s(kv_count) + " is impossible: the remaining " +
               n2s(cur.remaining()) + " bytes hold at most " +
               n2s(cur.remaining() / kMinKvBytes) + " entries");
    }
    if (tensor_count > cur.remaining() / kMinTensorInfoBytes) {
      cur.fail("tensor count " + n2s(tensor_count) + " is impossible: the remaining " +
               n2s(cur.remaining()) + " bytes hold at most " +
               n2s(cur.remaining() / kMinTensorInfoBytes) + " tensor infos");
    }

    // Metadata.
    kv_.reserve(static_cast<size_t>(kv_count));
    ValueReader values(cur);
    for (uint64_t i = 0; i < kv_count; ++i) {
      cur.set_context("metadata kv #" + n2s(i));
      std::string key = cur.read_string("key");
      if (key.empty()) cur.fail("empty metadata key");
      cur.set_context("metadata key '" + printable(key) + "'");
      uint32_t type_id = cur.read<uint32_t>("value type");
      if (type_id > kMaxValueTypeId) cur.fail("unknown value type " + n2s(type_id));
      Value value = values.read(static_cast<ValueType>(type_id), 0);
      auto [it, inserted] = kv_index_.emplace(key, kv_.size());
      if (!inserted) {
        cur.fail("duplicate metadata key (entries #" + n2s(it->second) + " and #" + n2s(i) + ")");
      }
      kv_.emplace_back(std::move(key), std::move(value));
    }
    cur.set_context("");

    if (const Value* a = find("general.alignment")) {
      if (!a->is_integer()) {
        cur.fail("general.alignment has type " + std::string(value_type_name(a->type)) +
                 ", expected an integer");
      }
      int64_t v = a->as_int().value_or(0);  // nullopt only for a UINT64 above INT64_MAX
      if (v <= 0 || !is_power_of_two(static_cast<uint64_t>(v))) {
        cur.fail("general.alignment = " + a->to_display() + " is not a non-zero power of two");
      }
      alignment_ = static_cast<uint64_t>(v);
    }

    // Tensor infos.
    if (tensor_count > cur.remaining() / kMinTensorInfoBytes) {
      cur.fail("tensor count " + n2s(tensor_count) + " is impossible: the remaining " +
               n2s(cur.remaining()) + " bytes after the metadata hold at most " +
               n2s(cur.remaining() / kMinTensorInfoBytes) + " tensor infos");
    }
    tensors_.reserve(static_cast<size_t>(tensor_count));
    for (uint64_t i = 0; i < tensor_count; ++i) {
      cur.set_context("tensor #" + n2s(i));
      TensorInfo t;
      t.name = cur.read_string("name");
      if (t.name.empty()) cur.fail("empty tensor name");
      cur.set_context("tensor '" + printable(t.name) + "'");
      uint32_t n_dims = cur.read<uint32_t>("n_dims");
      if (n_dims == 0 || n_dims > kMaxTensorDims) {
        cur.fail("n_dims " + n2s(n_dims) + " is not in 1.." + n2s(kMaxTensorDims));
      }
      t.dims.resize(n_dims);
      for (uint32_t d = 0; d < n_dims; ++d) t.dims[d] = cur.read<uint64_t>("dim");
      uint32_t type_id = cur.read<uint32_t>("type");
      t.offset = cur.read<uint64_t>("data offset");
      auto layout = tensor_layout(type_id, t.dims);
      if (!layout) cur.fail(layout.error());
      t.type = layout->type;
      t.n_elements = layout->n_elements;
      t.n_bytes = layout->n_bytes;
      auto [it, inserted] = tensor_index_.emplace(t.name, tensors_.size());
      if (!inserted) {
        cur.fail("duplicate tensor name (tensors #" + n2s(it->second) + " and #" + n2s(i) + ")");
      }
      tensors_.push_back(std::move(t));
    }
    cur.set_context("");

    // Data section.
    uint64_t header_end = cur.pos();
    if (!checked_align_up(header_end, alignment_, &data_offset_)) {
      cur.fail("data section offset overflows (header ends at " + n2s(header_end) +
               ", alignment " + n2s(alignment_) + ")");
    }
    if (!tensors_.empty() && data_offset_ > size_) {
      cur.fail("data section starts at offset " + n2s(data_offset_) + " (header ends at " +
               n2s(header_end) + ", alignment " + n2s(alignment_) + "), past end of file (" +
               n2s(size_) + " bytes)");
    }
    for (TensorInfo& t : tensors_) {
      std::string span = "tensor '" + printable(t.name) + "' data [offset " + n2s(t.offset) + ", " +
                         n2s(t.n_bytes) + " bytes]";
      if (t.offset % alignment_ != 0) {
        cur.fail(span + " is not aligned to " + n2s(alignment_) + " bytes");
      }
      uint64_t start = 0, end = 0;
      if (!checked_add(data_offset_, t.offset, &start) || !checked_add(start, t.n_bytes, &end) ||
          end > size_) {
        cur.fail(span + " extends past end of file (" + n2s(size_) +
                 " bytes; data section starts at " + n2s(data_offset_) + ")");
      }
      t.data = base_ + start;
    }
    std::vector<size_t> order(tensors_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const TensorInfo& prev = tensors_[order[k - 1]];
      const TensorInfo& next = tensors_[order[k]];
      if (prev.offset + prev.n_bytes > next.offset) {  // both bounded by size_: no overflow
        cur.fail("tensor '" + printable(prev.name) + "' data [offset " + n2s(prev.offset) + ", " +
                 n2s(prev.n_bytes) + " bytes] overlaps tensor '" + printable(next.name) +
                 "' data [offset " + n2s(next.offset) + ", " + n2s(next.n_bytes) + " bytes]");
      }
    }
  } catch (const ParseError& e) {
    return Status::error(e.message);
  } catch (const std::bad_alloc&) {
    return Status::error(path_ + ": out of memory while parsing the GGUF header");
  }
  return Status::ok();
}

}  // namespace pg::gguf
