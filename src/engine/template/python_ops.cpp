// Python semantics of Values (see python_ops.h). Recursive walks over values
// (repr, ==, hashing) carry a depth counter and a stack of the containers being
// visited, so cyclic or absurdly deep structures fail cleanly.
#include "engine/template/python_ops.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>

#include "engine/template/lookup_table.h"
#include "engine/template/python_format.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja::py {
namespace {

constexpr int kMaxNesting = 256;

[[noreturn]] void type_error(const std::string& message) { throw_runtime("TypeError: " + message); }

struct WalkGuard {
  explicit WalkGuard(int& depth) : depth_(depth) {
    if (++depth_ > kMaxNesting)
      throw_runtime("RecursionError: maximum recursion depth exceeded (value nested more than " +
                    std::to_string(kMaxNesting) + " levels)");
  }
  ~WalkGuard() { --depth_; }
  int& depth_;
};

class Repr {
 public:
  std::string operator()(const Value& v) {
    WalkGuard guard(depth_);
    switch (v.kind()) {
      case Value::Kind::Undefined: return charged("Undefined");
      case Value::Kind::None: return charged("None");
      case Value::Kind::Bool: return charged(v.as_bool() ? "True" : "False");
      case Value::Kind::Int: return charged(int_str(v.as_int()));
      case Value::Kind::Float: return charged(float_repr(v.as_float()));
      case Value::Kind::String:
        return charged(v.is_markup() ? "Markup(" + string_repr(v.as_string()) + ")" : string_repr(v.as_string()));
      case Value::Kind::List: return list(v);
      case Value::Kind::Dict: return dict(v);
      case Value::Kind::Object:
        // Python guards containers, not objects: a namespace holding itself
        // prints as <Namespace {...}> through its attribute dict.
        return v.as_object().repr([this](const Value& c) { return (*this)(c); });
    }
    return "";
  }

 private:
  // Every byte of the text (leaves and punctuation) counts against
  // kMaxBuiltString as it is produced: values that share sub-lists
  // ([[x] * 1000] * 1000) print far more than they hold in memory.
  void charge(size_t n) {
    produced_ += n;
    if (produced_ > kMaxBuiltString) throw_too_large(produced_, true);
  }
  std::string charged(std::string text) {
    charge(text.size());
    return text;
  }

  bool on_stack(const Value& v) const {
    for (const void* p : stack_)
      if (p == v.identity()) return true;
    return false;
  }

  std::string list(const Value& v) {
    const ListData& l = v.as_list();
    if (l.kind == SeqKind::Range) {
      std::string s = "range(" + int_str(l.range_start) + ", " + int_str(l.range_stop);
      if (l.range_step != 1) s += ", " + int_str(l.range_step);
      return s + ")";
    }
    const bool tuple = l.kind == SeqKind::Tuple;
    if (on_stack(v)) return tuple ? "(...)" : "[...]";
    stack_.push_back(v.identity());
    std::string s = tuple ? "(" : "[";
    charge(2);
    for (size_t i = 0; i < l.items.size(); ++i) {
      charge(2);
      if (i) s += ", ";
      s += (*this)(l.items[i]);
    }
    if (tuple && l.items.size() == 1) s += ",";
    s += tuple ? ")" : "]";
    stack_.pop_back();
    switch (l.kind) {
      case SeqKind::DictKeys: return "dict_keys(" + s + ")";
      case SeqKind::DictValues: return "dict_values(" + s + ")";
      case SeqKind::DictItems: return "dict_items(" + s + ")";
      default: return s;
    }
  }

  std::string dict(const Value& v) {
    if (on_stack(v)) return "{...}";
    stack_.push_back(v.identity());
    std::string s = "{";
    charge(2);
    bool first = true;
    for (const auto& [k, val] : v.as_dict().entries()) {
      charge(4);
      if (!first) s += ", ";
      first = false;
      s += (*this)(k);
      s += ": ";
      s += (*this)(val);
    }
    stack_.pop_back();
    return s + "}";
  }

  int depth_ = 0;
  uint64_t produced_ = 0;
  std::vector<const void*> stack_;
};

bool equals_at(const Value& a, const Value& b, int& depth);

bool sequences_equal(const std::vector<Value>& a, const std::vector<Value>& b, int& depth) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!equals_at(a[i], b[i], depth)) return false;
  return true;
}

bool set_like_equal(const std::vector<Value>& a, const std::vector<Value>& b, int& depth) {
  if (a.size() != b.size()) return false;
  for (const Value& x : a) {
    bool found = false;
    for (const Value& y : b)
      if (equals_at(x, y, depth)) { found = true; break; }
    if (!found) return false;
  }
  return true;
}

// Compares an int with a float exactly, as Python does (no rounding of the
// int): -1, 0 or 1; 2 when the float is NaN (unordered).
int compare_int_float(int64_t i, double d) {
  if (std::isnan(d)) return 2;
  if (d >= 9.223372036854775807e18) return -1;
  if (d < -9.223372036854775808e18) return 1;
  const double t = std::trunc(d);
  const auto ti = static_cast<int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  if (d == t) return 0;
  return d > t ? -1 : 1;  // same integer part: the fraction decides
}

// Numeric comparison with Python's exactness; 2 means unordered (NaN).
int compare_numbers(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
  if (a.is_integral()) return compare_int_float(a.as_int(), b.as_float());
  if (b.is_integral()) {
    const int c = compare_int_float(b.as_int(), a.as_float());
    return c == 2 ? 2 : -c;
  }
  const double x = a.as_float(), y = b.as_float();
  if (std::isnan(x) || std::isnan(y)) return 2;
  return x < y ? -1 : x > y ? 1 : 0;
}

bool equals_at(const Value& a, const Value& b, int& depth) {
  WalkGuard guard(depth);
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.as_string() == b.as_string();
    case Value::Kind::List: {
      if (a.identity() == b.identity()) return true;
      const SeqKind ka = a.seq_kind(), kb = b.seq_kind();
      const bool list_like_a = ka == SeqKind::List, list_like_b = kb == SeqKind::List;
      if (list_like_a != list_like_b) return false;
      if (ka == SeqKind::DictValues || kb == SeqKind::DictValues) return false;  // identity only
      if (ka != kb) return false;
      if (ka == SeqKind::DictKeys || ka == SeqKind::DictItems)
        return set_like_equal(a.as_list().items, b.as_list().items, depth);
      return sequences_equal(a.as_list().items, b.as_list().items, depth);
    }
    case Value::Kind::Dict: {
      if (a.identity() == b.identity()) return true;
      const DictData& da = a.as_dict();
      const DictData& db = b.as_dict();
      if (da.size() != db.size()) return false;
      for (const auto& [k, v] : da.entries()) {
        const Value* other = db.find(k);
        if (!other || !equals_at(v, *other, depth)) return false;
      }
      return true;
    }
    case Value::Kind::Object: return a.identity() == b.identity();
    default: return false;
  }
}

bool ordered_sequence(const Value& v) {
  return v.is_list() && (v.seq_kind() == SeqKind::List || v.seq_kind() == SeqKind::Tuple);
}

bool compare_at(CompareOp op, const Value& a, const Value& b, int& depth) {
  WalkGuard guard(depth);
  if (op == CompareOp::Eq) return equals_at(a, b, depth);
  if (op == CompareOp::Ne) return !equals_at(a, b, depth);
  if (a.is_undefined()) throw_undefined(a);
  if (b.is_undefined()) throw_undefined(b);
  if (a.is_number() && b.is_number()) {
    const int c = compare_numbers(a, b);
    if (c == 2) return false;
    switch (op) {
      case CompareOp::Lt: return c < 0;
      case CompareOp::Le: return c <= 0;
      case CompareOp::Gt: return c > 0;
      default: return c >= 0;
    }
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());
    switch (op) {
      case CompareOp::Lt: return c < 0;
      case CompareOp::Le: return c <= 0;
      case CompareOp::Gt: return c > 0;
      default: return c >= 0;
    }
  }
  if (ordered_sequence(a) && ordered_sequence(b) && a.seq_kind() == b.seq_kind()) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    size_t i = 0;
    while (i < x.size() && i < y.size() && equals_at(x[i], y[i], depth)) ++i;
    if (i < x.size() && i < y.size()) return compare_at(op, x[i], y[i], depth);
    const Value lx = Value::integer(static_cast<int64_t>(x.size()));
    const Value ly = Value::integer(static_cast<int64_t>(y.size()));
    return compare_at(op, lx, ly, depth);
  }
  type_error(std::string("'") + std::string(compare_op_symbol(op)) + "' not supported between instances of '" +
             type_name(a) + "' and '" + type_name(b) + "'");
}

void hash_key_at(const Value& v, std::string& out, int& depth) {
  WalkGuard guard(depth);
  switch (v.kind()) {
    case Value::Kind::Undefined: out += 'u'; return;
    case Value::Kind::None: out += 'n'; return;
    case Value::Kind::Bool:
    case Value::Kind::Int: out += 'i'; out += int_str(v.as_int()); return;
    case Value::Kind::Float: {
      const double d = v.as_float();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
        out += 'i';
        out += int_str(static_cast<int64_t>(d));
      } else {
        out += 'f';
        out += float_repr(d);
      }
      return;
    }
    case Value::Kind::String:
      out += 's';
      out += int_str(static_cast<int64_t>(v.as_string().size()));
      out += ':';
      out += v.as_string();
      return;
    case Value::Kind::List:
      if (v.seq_kind() == SeqKind::Tuple) {
        out += "t(";
        for (const Value& item : v.as_list().items) {
          hash_key_at(item, out, depth);
          out += ',';
        }
        out += ')';
        return;
      }
      break;
    case Value::Kind::Object: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "o%p", v.identity());
      out += buf;
      return;
    }
    default: break;
  }
  type_error("unhashable type: '" + type_name(v) + "'");
}

std::string concat_strings(const Value& a, const Value& b) {
  if (a.as_string().size() + b.as_string().size() > kMaxBuiltString)
    throw_too_large(a.as_string().size() + b.as_string().size(), true);
  const bool markup = a.is_markup() || b.is_markup();
  if (!markup) {
    std::string s;
    s.reserve(a.as_string().size() + b.as_string().size());
    s += a.as_string();
    s += b.as_string();
    return s;
  }
  std::string s = a.is_markup() ? a.as_string() : html_escape(a.as_string());
  s += b.is_markup() ? b.as_string() : html_escape(b.as_string());
  return s;
}

int64_t checked(bool overflow, int64_t value) {
  if (overflow) throw_runtime("OverflowError: integer result does not fit in 64 bits");
  return value;
}

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  type_error(std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) + "' and '" +
             type_name(b) + "'");
}

void require_both_defined(const Value& a, const Value& b) {
  require_defined(a);
  require_defined(b);
}

Value repeat(const Value& seq, int64_t count) {
  if (count < 0) count = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<uint64_t>(count) > kMaxBuiltString / s.size())
      throw_runtime("MemoryError: string repetition result larger than " + std::to_string(kMaxBuiltString) + " bytes");
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) out += s;
    return Value::string(std::move(out), seq.is_markup());
  }
  const auto& items = seq.as_list().items;
  if (!items.empty() && static_cast<uint64_t>(count) > kMaxBuiltItems / items.size())
    throw_runtime("MemoryError: list repetition result longer than " + std::to_string(kMaxBuiltItems) + " items");
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::list(std::move(out), seq.seq_kind());
}

bool is_repeatable(const Value& v) {
  return v.is_string() || (v.is_list() && (v.seq_kind() == SeqKind::List || v.seq_kind() == SeqKind::Tuple));
}

void float_divmod(double x, double y, double& div_out, double& mod_out) {
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0) {
    if ((y < 0) != (mod < 0)) {
      mod += y;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, y);
  }
  double floordiv;
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, x / y);
  }
  div_out = floordiv;
  mod_out = mod;
}

}  // namespace

void throw_too_large(uint64_t size, bool is_string) {
  if (is_string)
    throw_runtime("MemoryError: a string of " + std::to_string(size) + " bytes exceeds the limit of " +
                  std::to_string(kMaxBuiltString) + " bytes");
  throw_runtime("MemoryError: a list of " + std::to_string(size) + " items exceeds the limit of " +
                std::to_string(kMaxBuiltItems) + " items");
}

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
  return a * b;
}

uint64_t saturating_add(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

void require_string_fits(uint64_t bytes) {
  if (bytes > kMaxBuiltString) throw_too_large(bytes, true);
}

void require_items_fit(uint64_t items) {
  if (items > kMaxBuiltItems) throw_too_large(items, false);
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "Undefined";
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return v.is_markup() ? "Markup" : "str";
    case Value::Kind::List:
      switch (v.seq_kind()) {
        case SeqKind::List: return "list";
        case SeqKind::Tuple: return "tuple";
        case SeqKind::DictKeys: return "dict_keys";
        case SeqKind::DictValues: return "dict_values";
        case SeqKind::DictItems: return "dict_items";
        case SeqKind::Range: return "range";
      }
      return "list";
    case Value::Kind::Dict: return "dict";
    case Value::Kind::Object: return v.as_object().type_name();
  }
  return "object";
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return false;
    case Value::Kind::Bool: return v.as_bool();
    case Value::Kind::Int: return v.as_int() != 0;
    case Value::Kind::Float: return v.as_float() != 0.0;
    case Value::Kind::String: return !v.as_string().empty();
    case Value::Kind::List: return !v.as_list().items.empty();
    case Value::Kind::Dict: return !v.as_dict().empty();
    case Value::Kind::Object: return true;
  }
  return false;
}

std::string int_str(int64_t i) { return std::to_string(i); }

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  char buf[64];
  const double mag = std::fabs(d);
  auto res = std::to_chars(buf, buf + sizeof buf, mag, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (size_t i = 0; i < e_pos; ++i)
    if (sci[i] != '.') digits += sci[i];
  const int exponent = std::atoi(sci.c_str() + e_pos + 1);
  const int decpt = exponent + 1;
  std::string out = std::signbit(d) ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out += digits;
      out.append(static_cast<size_t>(decpt) - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(decpt));
      out += '.';
      out += digits.substr(static_cast<size_t>(decpt));
    }
  } else {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    const int e = decpt - 1;
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    out += eb;
  }
  return out;
}

std::string string_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : text::decode(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (text::is_printable(c)) {
      text::append_utf8(out, c);
    } else {
      char buf[16];
      if (c <= 0xFF) std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      else if (c <= 0xFFFF) std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      else std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  out += quote;
  return out;
}

std::string repr(const Value& v) { return Repr()(v); }

std::string str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::String: return v.as_string();
    default: return repr(v);
  }
}

void throw_undefined(const Value& undefined) {
  std::string hint(undefined.undefined_hint());
  if (hint.empty()) hint = "value is undefined";
  if (undefined.is_unsafe_undefined()) throw_runtime("SecurityError: " + hint);
  throw_runtime("UndefinedError: " + hint);
}

bool equals(const Value& a, const Value& b) {
  int depth = 0;
  return equals_at(a, b, depth);
}

bool compare(CompareOp op, const Value& a, const Value& b) {
  int depth = 0;
  return compare_at(op, a, b, depth);
}

std::string_view compare_op_symbol(CompareOp op) {
  switch (op) {
    case CompareOp::Eq: return "==";
    case CompareOp::Ne: return "!=";
    case CompareOp::Lt: return "<";
    case CompareOp::Le: return "<=";
    case CompareOp::Gt: return ">";
    case CompareOp::Ge: return ">=";
  }
  return "?";
}

std::string hash_key(const Value& key) {
  std::string out;
  int depth = 0;
  hash_key_at(key, out, depth);
  return out;
}

int64_t length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return 0;
    case Value::Kind::String: return static_cast<int64_t>(text::codepoint_count(v.as_string()));
    case Value::Kind::List: return static_cast<int64_t>(v.as_list().items.size());
    case Value::Kind::Dict: return static_cast<int64_t>(v.as_dict().size());
    default: type_error("object of type '" + type_name(v) + "' has no len()");
  }
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::String: {
      std::vector<Value> out;
      const std::string& s = v.as_string();
      if (text::is_ascii(s)) {
        out.reserve(s.size());
        for (char c : s) out.push_back(Value::string(std::string(1, c)));  // iterating Markup gives str
      } else {
        for (char32_t c : text::decode(s)) {
          std::string one;
          text::append_utf8(one, c);
          out.push_back(Value::string(std::move(one)));
        }
      }
      return out;
    }
    case Value::Kind::List: return v.as_list().items;
    case Value::Kind::Dict: {
      std::vector<Value> out;
      out.reserve(v.as_dict().size());
      for (const auto& [k, val] : v.as_dict().entries()) out.push_back(k);
      return out;
    }
    case Value::Kind::Object:
      if (v.as_object().is_iterator()) return v.as_object().drain();
      [[fallthrough]];
    default: type_error(std::string("'") + type_name(v) + "' object is not iterable");
  }
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::Undefined: return false;
    case Value::Kind::String:
      if (item.is_undefined()) throw_undefined(item);
      if (!item.is_string())
        type_error("'in <string>' requires string as left operand, not " + type_name(item));
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const Value& x : container.as_list().items)
        if (equals(x, item)) return true;
      return false;
    case Value::Kind::Dict: return container.as_dict().find(item) != nullptr;
    case Value::Kind::Object:
      if (container.as_object().is_iterator()) {
        for (const Value& x : container.as_object().drain())
          if (equals(x, item)) return true;
        return false;
      }
      [[fallthrough]];
    default: type_error("argument of type '" + type_name(container) + "' is not iterable");
  }
}

// +, - and * when both operands are numbers (nullopt otherwise): exact on two
// integers, raising OverflowError past 64 bits, else in floating point.
template <typename IntOp, typename FloatOp>
std::optional<Value> number_arithmetic(const Value& a, const Value& b, IntOp int_op, FloatOp float_op) {
  require_both_defined(a, b);
  if (!a.is_number() || !b.is_number()) return std::nullopt;
  if (a.is_integral() && b.is_integral()) {
    int64_t r = 0;
    const bool overflow = int_op(a.as_int(), b.as_int(), &r);
    return Value::integer(checked(overflow, r));
  }
  return Value::number(float_op(a.as_float(), b.as_float()));
}

Value add(const Value& a, const Value& b) {
  const auto int_op = [](int64_t x, int64_t y, int64_t* r) { return __builtin_add_overflow(x, y, r); };
  if (std::optional<Value> r = number_arithmetic(a, b, int_op, std::plus<>())) return std::move(*r);
  if (a.is_string() && b.is_string()) return Value::string(concat_strings(a, b), a.is_markup() || b.is_markup());
  if (a.is_string() && !a.is_markup())
    type_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
  if (a.is_list() && b.is_list() && a.seq_kind() == b.seq_kind() &&
      (a.seq_kind() == SeqKind::List || a.seq_kind() == SeqKind::Tuple)) {
    if (a.as_list().items.size() + b.as_list().items.size() > kMaxBuiltItems)
      throw_too_large(a.as_list().items.size() + b.as_list().items.size(), false);
    std::vector<Value> items = a.as_list().items;
    items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
    return Value::list(std::move(items), a.seq_kind());
  }
  if (a.is_list() && (a.seq_kind() == SeqKind::List || a.seq_kind() == SeqKind::Tuple)) {
    const std::string t = type_name(a);
    type_error("can only concatenate " + t + " (not \"" + type_name(b) + "\") to " + t);
  }
  unsupported("+", a, b);
}

Value subtract(const Value& a, const Value& b) {
  const auto int_op = [](int64_t x, int64_t y, int64_t* r) { return __builtin_sub_overflow(x, y, r); };
  if (std::optional<Value> r = number_arithmetic(a, b, int_op, std::minus<>())) return std::move(*r);
  unsupported("-", a, b);
}

Value multiply(const Value& a, const Value& b) {
  const auto int_op = [](int64_t x, int64_t y, int64_t* r) { return __builtin_mul_overflow(x, y, r); };
  if (std::optional<Value> r = number_arithmetic(a, b, int_op, std::multiplies<>())) return std::move(*r);
  if (is_repeatable(a) && b.is_integral()) return repeat(a, b.as_int());
  if (a.is_integral() && is_repeatable(b)) return repeat(b, a.as_int());
  if (is_repeatable(a) || is_repeatable(b)) {
    const Value& other = is_repeatable(a) ? b : a;
    type_error("can't multiply sequence by non-int of type '" + type_name(other) + "'");
  }
  unsupported("*", a, b);
}

Value true_divide(const Value& a, const Value& b) {
  require_both_defined(a, b);
  if (!a.is_number() || !b.is_number()) unsupported("/", a, b);
  if (b.as_float() == 0.0)
    throw_runtime(a.is_integral() && b.is_integral() ? "ZeroDivisionError: division by zero"
                                                     : "ZeroDivisionError: float division by zero");
  return Value::number(a.as_float() / b.as_float());
}

// Python's // (quotient) or % (remainder) of two numbers, both rounding the
// quotient toward negative infinity, with Python's ZeroDivisionError messages.
Value floored_division(const Value& a, const Value& b, bool remainder) {
  if (a.is_integral() && b.is_integral()) {
    const int64_t x = a.as_int(), y = b.as_int();
    if (y == 0) throw_runtime("ZeroDivisionError: integer division or modulo by zero");
    if (remainder) {
      if (y == -1) return Value::integer(0);
      int64_t r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return Value::integer(r);
    }
    if (x == std::numeric_limits<int64_t>::min() && y == -1) checked(true, 0);
    int64_t q = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
    return Value::integer(q);
  }
  if (b.as_float() == 0.0)
    throw_runtime(remainder ? "ZeroDivisionError: float modulo" : "ZeroDivisionError: float floor division by zero");
  double div, mod;
  float_divmod(a.as_float(), b.as_float(), div, mod);
  return Value::number(remainder ? mod : div);
}

Value floor_divide(const Value& a, const Value& b) {
  require_both_defined(a, b);
  if (!a.is_number() || !b.is_number()) unsupported("//", a, b);
  return floored_division(a, b, false);
}

Value modulo(const Value& a, const Value& b) {
  require_defined(a);
  if (a.is_string()) return Value::string(percent_format(a.as_string(), b), a.is_markup());
  require_defined(b);
  if (!a.is_number() || !b.is_number()) unsupported("%", a, b);
  return floored_division(a, b, true);
}

Value power(const Value& a, const Value& b) {
  require_both_defined(a, b);
  if (!a.is_number() || !b.is_number()) unsupported("** or pow()", a, b);
  if (a.is_integral() && b.is_integral() && b.as_int() >= 0) {
    int64_t base = a.as_int(), exp = b.as_int(), result = 1;
    while (exp > 0) {
      if (exp & 1) checked(__builtin_mul_overflow(result, base, &result), 0);
      exp >>= 1;
      if (exp > 0) checked(__builtin_mul_overflow(base, base, &base), 0);
    }
    return Value::integer(result);
  }
  const double x = a.as_float(), y = b.as_float();
  if (x == 0.0 && y < 0)
    throw_runtime("ZeroDivisionError: 0.0 cannot be raised to a negative power");
  if (x < 0 && y != std::floor(y))
    throw_runtime("ValueError: negative number raised to a fractional power gives a complex number");
  return Value::number(std::pow(x, y));
}

Value negate(const Value& a) {
  require_defined(a);
  if (a.is_integral()) {
    if (a.as_int() == std::numeric_limits<int64_t>::min()) checked(true, 0);
    return Value::integer(-a.as_int());
  }
  if (a.is_float()) return Value::number(-a.as_float());
  type_error("bad operand type for unary -: '" + type_name(a) + "'");
}

Value unary_plus(const Value& a) {
  require_defined(a);
  if (a.is_integral()) return Value::integer(a.as_int());
  if (a.is_float()) return a;
  type_error("bad operand type for unary +: '" + type_name(a) + "'");
}

int64_t float_to_int(double d) {
  if (std::isnan(d)) throw_runtime("ValueError: cannot convert float NaN to integer");
  if (std::isinf(d)) throw_runtime("OverflowError: cannot convert float infinity to integer");
  const double t = std::trunc(d);
  if (t >= 9.223372036854775807e18 || t < -9.223372036854775808e18)
    throw_runtime("OverflowError: integer does not fit in 64 bits");
  return static_cast<int64_t>(t);
}

namespace {

std::string strip_ascii_and_unicode_space(std::string_view s) {
  std::u32string cps = text::decode(s);
  size_t b = 0, e = cps.size();
  while (b < e && text::is_space(cps[b])) ++b;
  while (e > b && text::is_space(cps[e - 1])) --e;
  return text::encode(std::u32string_view(cps).substr(b, e - b));
}

}  // namespace

bool parse_int(std::string_view input, int base, int64_t& out) {
  std::string s = strip_ascii_and_unicode_space(input);
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  auto has_prefix = [&](char p) {
    return i + 1 < s.size() && s[i] == '0' && (s[i + 1] == p || s[i + 1] == (p - 32));
  };
  if (base == 0) {
    base = 10;
    if (has_prefix('x')) base = 16;
    else if (has_prefix('o')) base = 8;
    else if (has_prefix('b')) base = 2;
    if (base != 10) i += 2;
  } else if ((base == 16 && has_prefix('x')) || (base == 8 && has_prefix('o')) || (base == 2 && has_prefix('b'))) {
    i += 2;
    if (i < s.size() && s[i] == '_') ++i;
  }
  if (base < 2 || base > 36 || i >= s.size()) return false;
  uint64_t value = 0;
  bool any = false, last_underscore = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (!any || last_underscore) return false;
      last_underscore = true;
      continue;
    }
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    else return false;
    if (d >= base) return false;
    if (value > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      throw_runtime("OverflowError: integer does not fit in 64 bits");
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    any = true;
    last_underscore = false;
  }
  if (!any || last_underscore) return false;
  if (value > (negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1))
    throw_runtime("OverflowError: integer does not fit in 64 bits");
  out = negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  return true;
}

bool parse_float(std::string_view input, double& out) {
  std::string s = strip_ascii_and_unicode_space(input);
  std::string lower = text::lower(s);
  std::string body = lower;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body = body.substr(1);
  }
  if (body == "inf" || body == "infinity") {
    out = negative ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (body == "nan") {
    out = std::nan("");
    return true;
  }
  // digits with single underscores between digits, optional fraction/exponent
  std::string clean;
  char prev = 0;
  for (char c : body) {
    if (c == '_') {
      if (!(prev >= '0' && prev <= '9')) return false;
    } else {
      if (prev == '_' && !(c >= '0' && c <= '9')) return false;
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' || c == '-')) return false;
      clean += c;
    }
    prev = c;
  }
  if (prev == '_' || clean.empty()) return false;
  double value = 0;
  auto res = std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (res.ec == std::errc::result_out_of_range) {
    value = clean.find('e') != std::string::npos && clean.find("e-") != std::string::npos ? 0.0 : HUGE_VAL;
  } else if (res.ec != std::errc() || res.ptr != clean.data() + clean.size()) {
    return false;
  }
  out = negative ? -value : value;
  return true;
}

// markupsafe.escape's replacements.
constexpr TableEntry<char, std::string_view> kHtmlEntities[] = {
    {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'\'', "&#39;"}, {'"', "&#34;"},
};

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (const std::string_view* entity = find_in_table(kHtmlEntities, c)) out += *entity;
    else out += c;
  }
  return out;
}

std::u32string to_codepoints(const std::string& s) { return text::decode(s); }

int64_t adjust_slice(int64_t length, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step,
                     int64_t& out_start, int64_t& out_step, int64_t* out_stop) {
  if (step == 0) throw_runtime("ValueError: slice step cannot be zero");
  int64_t lo, hi;
  if (step > 0) {
    lo = start.value_or(0);
    hi = stop.value_or(length);
    if (lo < 0) lo = std::max<int64_t>(lo + length, 0);
    else lo = std::min(lo, length);
    if (hi < 0) hi = std::max<int64_t>(hi + length, 0);
    else hi = std::min(hi, length);
    out_start = lo;
    out_step = step;
    if (out_stop) *out_stop = hi;
    return hi > lo ? (hi - lo - 1) / step + 1 : 0;
  }
  lo = start.has_value() ? *start : length - 1;
  hi = stop.has_value() ? *stop : -1 - length;  // "before the first item"
  if (lo < 0) lo = std::max<int64_t>(lo + length, -1);
  else lo = std::min(lo, length - 1);
  if (stop.has_value()) {
    if (hi < 0) hi = std::max<int64_t>(hi + length, -1);
    else hi = std::min(hi, length - 1);
  } else {
    hi = -1;
  }
  out_start = lo;
  out_step = step;
  if (out_stop) *out_stop = hi;
  return lo > hi ? (lo - hi - 1) / (-step) + 1 : 0;
}

}  // namespace pg::jinja::py
