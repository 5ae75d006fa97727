// GGUF metadata values: type names, typed accessors and the display form used
// by `playground info`. Accessors never trust that `type` and the payload agree
// (a hand-built Value may be inconsistent): they check both.
#include <charconv>
#include <cstdio>
#include <limits>
#include <string>

#include "engine/gguf/checked_math.h"
#include "engine/gguf/gguf.h"

namespace pg::gguf {
namespace {

constexpr size_t kMaxDisplayStringBytes = 200;

bool is_unsigned_type(ValueType t) {
  return t == ValueType::UINT8 || t == ValueType::UINT16 || t == ValueType::UINT32 ||
         t == ValueType::UINT64;
}
bool is_signed_type(ValueType t) {
  return t == ValueType::INT8 || t == ValueType::INT16 || t == ValueType::INT32 ||
         t == ValueType::INT64;
}

// Length of s[0..max] cut back so it does not end inside a UTF-8 sequence.
size_t utf8_safe_prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

void append_quoted(std::string& out, const std::string& s) {
  size_t shown = utf8_safe_prefix(s, kMaxDisplayStringBytes);
  out += '"';
  for (size_t i = 0; i < shown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  if (shown < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
}

template <typename F>
void append_shortest(std::string& out, F v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_display(std::string& out, const Value& v, size_t max_items);

void append_array(std::string& out, const Array& a, size_t max_items) {
  out += '[';
  size_t shown = a.items.size() < max_items ? a.items.size() : max_items;
  for (size_t i = 0; i < shown; ++i) {
    if (i) out += ", ";
    append_display(out, a.items[i], max_items);
  }
  if (shown < a.items.size()) {
    if (shown) out += ", ";
    out += "... (" + std::to_string(a.items.size()) + " items)";
  }
  out += ']';
}

void append_display(std::string& out, const Value& v, size_t max_items) {
  if (is_unsigned_type(v.type)) {
    if (auto* u = std::get_if<uint64_t>(&v.data)) { out += std::to_string(*u); return; }
  } else if (is_signed_type(v.type)) {
    if (auto* i = std::get_if<int64_t>(&v.data)) { out += std::to_string(*i); return; }
  } else if (v.type == ValueType::FLOAT32) {
    if (auto* d = std::get_if<double>(&v.data)) {
      append_shortest(out, narrow_to_float(*d));
      return;
    }
  } else if (v.type == ValueType::FLOAT64) {
    if (auto* d = std::get_if<double>(&v.data)) { append_shortest(out, *d); return; }
  } else if (v.type == ValueType::BOOL) {
    if (auto* b = std::get_if<bool>(&v.data)) { out += *b ? "true" : "false"; return; }
  } else if (v.type == ValueType::STRING) {
    if (auto* s = std::get_if<std::string>(&v.data)) { append_quoted(out, *s); return; }
  } else if (v.type == ValueType::ARRAY) {
    if (auto* a = std::get_if<Array>(&v.data)) { append_array(out, *a, max_items); return; }
  }
  out += "<invalid ";
  out += value_type_name(v.type);
  out += " value>";
}

}  // namespace

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::UINT8: return "UINT8";
    case ValueType::INT8: return "INT8";
    case ValueType::UINT16: return "UINT16";
    case ValueType::INT16: return "INT16";
    case ValueType::UINT32: return "UINT32";
    case ValueType::INT32: return "INT32";
    case ValueType::FLOAT32: return "FLOAT32";
    case ValueType::BOOL: return "BOOL";
    case ValueType::STRING: return "STRING";
    case ValueType::ARRAY: return "ARRAY";
    case ValueType::UINT64: return "UINT64";
    case ValueType::INT64: return "INT64";
    case ValueType::FLOAT64: return "FLOAT64";
  }
  return "UNKNOWN";
}

bool Value::is_integer() const { return is_unsigned_type(type) || is_signed_type(type); }

std::optional<int64_t> Value::as_int() const {
  if (is_unsigned_type(type)) {
    const auto* u = std::get_if<uint64_t>(&data);
    if (!u || *u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (is_signed_type(type)) {
    const auto* i = std::get_if<int64_t>(&data);
    if (!i) return std::nullopt;
    return *i;
  }
  if (type == ValueType::BOOL) {
    const auto* b = std::get_if<bool>(&data);
    if (!b) return std::nullopt;
    return *b ? 1 : 0;
  }
  return std::nullopt;
}

std::optional<double> Value::as_double() const {
  if (is_float()) {
    const auto* d = std::get_if<double>(&data);
    if (!d) return std::nullopt;
    return *d;
  }
  if (is_unsigned_type(type)) {
    const auto* u = std::get_if<uint64_t>(&data);
    if (!u) return std::nullopt;
    return static_cast<double>(*u);
  }
  if (is_signed_type(type)) {
    const auto* i = std::get_if<int64_t>(&data);
    if (!i) return std::nullopt;
    return static_cast<double>(*i);
  }
  return std::nullopt;
}

const std::string* Value::as_string() const {
  return type == ValueType::STRING ? std::get_if<std::string>(&data) : nullptr;
}

const Array* Value::as_array() const {
  return type == ValueType::ARRAY ? std::get_if<Array>(&data) : nullptr;
}

std::string Value::to_display(size_t max_items) const {
  std::string out;
  append_display(out, *this, max_items);
  return out;
}

}  // namespace pg::gguf
