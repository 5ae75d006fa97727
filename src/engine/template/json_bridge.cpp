// JSON <-> Value conversions (see json_bridge.h).
#include "engine/template/json_bridge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/template/lookup_table.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

// json.dumps's two-character escapes; other control characters become \uXXXX.
constexpr TableEntry<char32_t, std::string_view> kJsonEscapes[] = {
    {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"}, {'\b', "\\b"}, {'\f', "\\f"},
};

template <typename Json>
Value convert(const Json& j, int depth) {
  if (depth > kMaxJsonDepth)
    throw_runtime("context value nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value::none();
    case nlohmann::json::value_t::boolean: return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value::number(static_cast<double>(u));
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return Value::number(j.template get<double>());
    case nlohmann::json::value_t::string: return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(convert(e, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      auto d = std::make_shared<DictData>();
      for (auto it = j.begin(); it != j.end(); ++it) d->set(Value::string(it.key()), convert(it.value(), depth + 1));
      return Value::dict(std::move(d));
    }
    default: return Value::none();  // binary and discarded values do not occur in parsed JSON
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : opt_(o) {
    if (opt_.indent && opt_.item_separator == ", ") opt_.item_separator = ",";
  }

  void value(const Value& v, int level) {
    if (level > 256) throw_runtime("ValueError: Circular reference detected");
    fits();
    switch (v.kind()) {
      case Value::Kind::None: out_ += "null"; return;
      case Value::Kind::Bool: out_ += v.as_bool() ? "true" : "false"; return;
      case Value::Kind::Int: out_ += py::int_str(v.as_int()); return;
      case Value::Kind::Float: out_ += float_text(v.as_float()); return;
      case Value::Kind::String: string(v.as_string()); return;
      case Value::Kind::List:
        if (v.seq_kind() == SeqKind::List || v.seq_kind() == SeqKind::Tuple) {
          array(v.as_list().items, level);
          return;
        }
        break;
      case Value::Kind::Dict: object(v.as_dict(), level); return;
      default: break;
    }
    throw_runtime("TypeError: Object of type " + py::type_name(v) + " is not JSON serializable");
  }

  std::string take() { return std::move(out_); }

 private:
  static std::string float_text(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
    return py::float_repr(d);
  }

  void newline(int level) {
    if (!opt_.indent) return;
    out_ += '\n';
    for (int i = 0; i < level; ++i) {
      out_ += *opt_.indent;
      fits();
    }
  }

  // The text so far within kMaxBuiltString: values that share sub-lists and a
  // template-chosen indent can print far more than they hold in memory.
  void fits() const {
    if (out_.size() > py::kMaxBuiltString) py::throw_too_large(out_.size(), true);
  }

  void array(const std::vector<Value>& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out_ += opt_.item_separator;
      newline(level + 1);
      value(items[i], level + 1);
    }
    newline(level);
    out_ += ']';
  }

  std::string key_text(const Value& k) {
    switch (k.kind()) {
      case Value::Kind::String: return k.as_string();
      case Value::Kind::None: return "null";
      case Value::Kind::Bool: return k.as_bool() ? "true" : "false";
      case Value::Kind::Int: return py::int_str(k.as_int());
      case Value::Kind::Float: return float_text(k.as_float());
      default:
        throw_runtime("TypeError: keys must be str, int, float, bool or None, not " + py::type_name(k));
    }
  }

  void object(const DictData& d, int level) {
    if (d.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (opt_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        return py::compare(py::CompareOp::Lt, a->first, b->first);
      });
    }
    out_ += '{';
    bool first = true;
    for (const auto* e : entries) {
      if (!first) out_ += opt_.item_separator;
      first = false;
      newline(level + 1);
      string(key_text(e->first));
      out_ += opt_.key_separator;
      value(e->second, level + 1);
    }
    newline(level);
    out_ += '}';
  }

  void string(const std::string& s) {
    out_ += '"';
    for (char32_t c : text::decode(s)) {
      if (const std::string_view* escape = find_in_table(kJsonEscapes, c)) {
        out_ += *escape;
        continue;
      }
      char buf[16];
      if (c < 0x20 || (opt_.ensure_ascii && c >= 0x7F)) {
        if (c >= 0x10000) {
          const char32_t v = c - 0x10000;
          std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                        static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
        } else {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        }
        out_ += buf;
      } else {
        text::append_utf8(out_, c);
      }
    }
    out_ += '"';
  }

  JsonDumpOptions opt_;
  std::string out_;
};

}  // namespace

Value value_from_json(const nlohmann::ordered_json& j) { return convert(j, 0); }
Value value_from_json(const nlohmann::json& j) { return convert(j, 0); }

std::string dump_json(const Value& v, const JsonDumpOptions& options) {
  Dumper d(options);
  d.value(v, 0);
  return d.take();
}

}  // namespace pg::jinja
