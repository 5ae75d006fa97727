// GgufFile construction (mmap or in-memory copy) and the typed metadata and
// tensor lookups. Parsing and validation live in gguf_reader.cpp; nothing here
// reads the file bytes directly.
#include <memory>
#include <utility>

#include "engine/gguf/checked_math.h"
#include "engine/gguf/gguf.h"

namespace pg::gguf {

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path, MapMode mode) {
  auto mapped = MappedFile::open(path, mode);
  if (!mapped) return Error{mapped.error()};
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->mapped_ = std::move(mapped).value();
  file->base_ = file->mapped_.data();
  file->size_ = file->mapped_.size();
  Status st = file->parse();
  if (!st) return st;
  return file;
}

Result<std::unique_ptr<GgufFile>> GgufFile::from_bytes(std::vector<uint8_t> bytes) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = "<memory>";
  file->owned_bytes_ = std::move(bytes);
  file->base_ = file->owned_bytes_.data();
  file->size_ = file->owned_bytes_.size();
  Status st = file->parse();
  if (!st) return st;
  return file;
}

GgufFile::~GgufFile() = default;

const Value* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (!v || !v->is_integer()) return std::nullopt;
  return v->as_int();
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  return v->as_double();
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v || v->type != ValueType::BOOL) return std::nullopt;
  const bool* b = std::get_if<bool>(&v->data);
  if (!b) return std::nullopt;
  return *b;
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  const std::string* s = v->as_string();
  if (!s) return std::nullopt;
  return *s;
}

namespace {

// Every item of the array at `value`, converted; nullopt when there is no such
// array, accept(element type) refuses it, or any item does not convert.
template <typename T, typename Accept, typename Convert>
std::optional<std::vector<T>> convert_array(const Value* value, Accept accept, Convert convert) {
  const Array* a = value ? value->as_array() : nullptr;
  if (!a || !accept(a->elem_type)) return std::nullopt;
  std::vector<T> out;
  out.reserve(a->items.size());
  for (const Value& item : a->items) {
    std::optional<T> converted = convert(item);
    if (!converted) return std::nullopt;
    out.push_back(std::move(*converted));
  }
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> GgufFile::get_string_array(std::string_view key) const {
  return convert_array<std::string>(
      find(key), [](ValueType type) { return type == ValueType::STRING; },
      [](const Value& item) -> std::optional<std::string> {
        const std::string* s = item.as_string();
        if (!s) return std::nullopt;
        return *s;
      });
}

std::optional<std::vector<float>> GgufFile::get_float_array(std::string_view key) const {
  return convert_array<float>(
      find(key),
      [](ValueType type) {
        Value probe{type, uint64_t{0}};
        return probe.is_float() || probe.is_integer();
      },
      [](const Value& item) -> std::optional<float> {
        auto d = item.as_double();
        if (!d) return std::nullopt;
        return narrow_to_float(*d);
      });
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  return convert_array<int64_t>(
      find(key), [](ValueType type) { return Value{type, uint64_t{0}}.is_integer(); },
      [](const Value& item) -> std::optional<int64_t> {
        if (!item.is_integer()) return std::nullopt;
        return item.as_int();
      });
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace pg::gguf
