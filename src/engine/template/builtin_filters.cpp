// Jinja2's builtin filters (see builtins.h), after jinja2/filters.py.
#include "engine/template/builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <unordered_set>

#include "engine/template/lookup_table.h"
#include "engine/template/call_args.h"
#include "engine/template/interpreter.h"
#include "engine/template/json_bridge.h"
#include "engine/template/methods.h"
#include "engine/template/objects.h"
#include "engine/template/python_format.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

using FilterFn = Value (*)(Interpreter& in, const Value& v, CallArgs& args);
using Getter = std::function<Value(const Value&)>;

[[noreturn]] void filter_error(const std::string& m) { throw_runtime("FilterArgumentError: " + m); }

Value lower_if_string(const Value& v) {
  if (v.is_string()) return Value::string(text::lower(v.as_string()), v.is_markup());
  return v;
}

// jinja2.filters.make_attrgetter: dotted paths, integer parts index lists.
Getter make_attrgetter(Interpreter& in, const Value* attribute, bool ignore_case, const Value* fallback) {
  std::vector<Value> parts;
  if (attribute && !attribute->is_none()) {
    if (attribute->is_string()) {
      std::string s = attribute->as_string();
      size_t start = 0;
      while (true) {
        const size_t dot = s.find('.', start);
        std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        int64_t idx;
        if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos && py::parse_int(part, 10, idx))
          parts.push_back(Value::integer(idx));
        else
          parts.push_back(Value::string(std::move(part)));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
    } else {
      parts.push_back(*attribute);
    }
  }
  std::optional<Value> def;
  if (fallback && !fallback->is_none()) def = *fallback;
  return [&in, parts, ignore_case, def](const Value& item) {
    Value v = item;
    for (const Value& p : parts) {
      v = in.get_item(v, p);
      if (def && v.is_undefined()) v = *def;
    }
    return ignore_case ? lower_if_string(v) : v;
  };
}

bool python_less(const Value& a, const Value& b) { return py::compare(py::CompareOp::Lt, a, b); }

std::vector<Value> sorted_by(std::vector<Value> items, const Getter& key, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  keyed.reserve(items.size());
  for (Value& v : items) keyed.emplace_back(key(v), std::move(v));
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return reverse ? python_less(b.first, a.first) : python_less(a.first, b.first);
  });
  std::vector<Value> out;
  out.reserve(keyed.size());
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return out;
}

std::string soft_str(const Value& v) { return py::str(v); }

Value str_result(std::string s, const Value& input) { return Value::string(std::move(s), input.is_markup()); }

// ---- filters --------------------------------------------------------------

Value f_abs(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("abs", a, {});
  py::require_defined(v);
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) throw_runtime("OverflowError: integer result does not fit in 64 bits");
    return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_float()) return Value::number(std::fabs(v.as_float()));
  throw_runtime("TypeError: bad operand type for abs(): '" + py::type_name(v) + "'");
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("attr", a, {"name"}, 1);
  const std::string name = py::str(*b.get(0));
  if (v.is_undefined()) py::throw_undefined(v);
  if (v.is_object())
    if (auto r = v.as_object().attribute(in, name)) return *r;
  if (name.rfind("__", 0) != 0)
    if (auto m = find_method(in, v, name)) return *m;
  return Value::undefined(std::string("'") + py::type_name(v) + " object' has no attribute '" + name + "'");
}

Value f_batch(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("batch", a, {"linecount", "fill_with"}, 1);
  if (!b.get(0)->is_integral()) throw_runtime("TypeError: batch() linecount must be an integer");
  const int64_t n = b.get(0)->as_int();
  std::vector<Value> out, tmp;
  for (const Value& item : py::iterate(v)) {
    if (static_cast<int64_t>(tmp.size()) == n) {
      out.push_back(Value::list(std::move(tmp)));
      tmp.clear();
    }
    tmp.push_back(item);
  }
  if (!tmp.empty()) {
    if (b.has(1) && !b.get(1)->is_none()) {
      py::require_items_fit(static_cast<uint64_t>(n));  // the count comes from the template
      while (static_cast<int64_t>(tmp.size()) < n) tmp.push_back(*b.get(1));
    }
    out.push_back(Value::list(std::move(tmp)));
  }
  return make_iterator("generator", std::move(out));
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("capitalize", a, {});
  return str_result(text::capitalize(soft_str(v)), v);
}

Value f_center(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("center", a, {"width"});
  CallArgs inner;
  inner.positional.push_back(b.get_or(0, Value::integer(80)));
  return call_method(in, Value::string(soft_str(v)), "center", inner);
}

Value f_default(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("default", a, {"default_value", "boolean"});
  const bool boolean = b.has(1) && py::truthy(*b.get(1));
  if (v.is_undefined() || (boolean && !py::truthy(v))) return b.get_or(0, Value::string(""));
  return v;
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("dictsort", a, {"case_sensitive", "by", "reverse"});
  const bool case_sensitive = b.has(0) && py::truthy(*b.get(0));
  const std::string by = b.has(1) ? py::str(*b.get(1)) : "key";
  const bool reverse = b.has(2) && py::truthy(*b.get(2));
  size_t pos;
  if (by == "key") pos = 0;
  else if (by == "value") pos = 1;
  else filter_error("You can only sort by either \"key\" or \"value\"");
  if (!v.is_dict()) throw_runtime("AttributeError: '" + py::type_name(v) + "' object has no attribute 'items'");
  std::vector<Value> items;
  for (const auto& [k, val] : v.as_dict().entries()) items.push_back(Value::list({k, val}, SeqKind::Tuple));
  Getter key = [pos, case_sensitive](const Value& item) {
    const Value& x = item.as_list().items[pos];
    return case_sensitive ? x : lower_if_string(x);
  };
  return Value::list(sorted_by(std::move(items), key, reverse));
}

Value f_escape(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("escape", a, {});
  if (v.is_markup()) return v;
  return Value::string(py::html_escape(soft_str(v)), true);
}

Value f_forceescape(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("forceescape", a, {});
  return Value::string(py::html_escape(soft_str(v)), true);
}

Value f_filesizeformat(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("filesizeformat", a, {"binary"});
  const bool binary = b.has(0) && py::truthy(*b.get(0));
  double bytes;
  if (v.is_number()) bytes = v.as_float();
  else if (!v.is_string() || !py::parse_float(v.as_string(), bytes))
    throw_runtime("ValueError: could not convert " + py::type_name(v) + " to float: " + py::repr(v));
  const double base = binary ? 1024 : 1000;
  static constexpr const char* kDecimal[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  static constexpr const char* kBinary[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  if (bytes == 1) return Value::string("1 Byte");
  if (bytes < base) return Value::string(std::to_string(py::float_to_int(bytes)) + " Bytes");
  double unit = base;
  const char* prefix = "";
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    prefix = binary ? kBinary[i] : kDecimal[i];
    if (bytes < unit) break;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f %s", base * bytes / unit, prefix);
  return Value::string(buf);
}

Value f_first(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("first", a, {});
  if (v.is_object()) {
    if (auto* it = dynamic_cast<IteratorObject*>(&v.as_object())) {
      if (auto x = it->next_item()) return *x;
      return Value::undefined("No first item, sequence was empty.");
    }
  }
  if (v.is_list()) {
    if (v.as_list().items.empty()) return Value::undefined("No first item, sequence was empty.");
    return v.as_list().items.front();
  }
  std::vector<Value> items = py::iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("last", a, {});
  if (v.is_object() && v.as_object().is_iterator())
    throw_runtime("TypeError: '" + py::type_name(v) + "' object is not reversible");
  std::vector<Value> items = py::iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_float(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("float", a, {"default"});
  py::require_defined(v);
  if (v.is_number()) return Value::number(v.as_float());
  double d;
  if (v.is_string() && py::parse_float(v.as_string(), d)) return Value::number(d);
  return b.get_or(0, Value::number(0.0));
}

Value f_format(Interpreter&, const Value& v, CallArgs& a) {
  if (!a.positional.empty() && !a.keyword.empty())
    filter_error("can't handle positional and keyword arguments at the same time");
  Value args;
  if (!a.keyword.empty()) {
    auto d = std::make_shared<DictData>();
    for (const auto& [k, val] : a.keyword) d->set(Value::string(k), val);
    args = Value::dict(std::move(d));
  } else {
    args = Value::list(a.positional, SeqKind::Tuple);
  }
  return str_result(py::percent_format(soft_str(v), args), v);
}

Value f_groupby(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("groupby", a, {"attribute", "default", "case_sensitive"}, 1);
  const bool case_sensitive = b.has(2) && py::truthy(*b.get(2));
  Getter key = make_attrgetter(in, b.get(0), !case_sensitive, b.get(1));
  Getter real_key = make_attrgetter(in, b.get(0), false, b.get(1));
  std::vector<Value> sorted = sorted_by(py::iterate(v), key, false);
  static const auto kFields = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"grouper", "list"});
  std::vector<Value> groups;
  size_t i = 0;
  while (i < sorted.size()) {
    const Value k = key(sorted[i]);
    std::vector<Value> members;
    size_t j = i;
    while (j < sorted.size() && py::equals(key(sorted[j]), k)) members.push_back(sorted[j++]);
    const Value grouper = case_sensitive ? k : real_key(members.front());
    auto tuple = std::make_shared<ListData>(std::vector<Value>{grouper, Value::list(std::move(members))}, SeqKind::Tuple);
    tuple->field_names = kFields;
    groups.push_back(Value::from_list(std::move(tuple)));
    i = j;
  }
  return Value::list(std::move(groups));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("indent", a, {"width", "first", "blank"});
  std::string indention;
  const Value width = b.get_or(0, Value::integer(4));
  if (width.is_string()) {
    indention = width.as_string();
  } else {
    if (!width.is_integral()) throw_runtime("TypeError: can't multiply sequence by non-int of type '" + py::type_name(width) + "'");
    indention.assign(static_cast<size_t>(std::clamp<int64_t>(width.as_int(), 0, 100000)), ' ');
  }
  const bool first = b.has(1) && py::truthy(*b.get(1));
  const bool blank = b.has(2) && py::truthy(*b.get(2));
  py::require_defined(v);
  if (!v.is_string())  // Jinja appends "\n" to the value itself
    throw_runtime("TypeError: unsupported operand type(s) for +=: '" + py::type_name(v) + "' and 'str'");
  std::string s = v.as_string() + "\n";
  std::vector<std::string> lines = split_lines(s, false);
  // The width comes from the template: the result's size is checked before it is built.
  py::require_string_fits(py::saturating_add(py::saturating_mul(lines.size() + 1, indention.size()), s.size()));
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? lines[i] : indention + lines[i]);
  }
  if (first) rv = indention + rv;
  return str_result(std::move(rv), v);
}

Value f_int(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("int", a, {"default", "base"});
  py::require_defined(v);
  const Value fallback = b.get_or(0, Value::integer(0));
  if (v.is_integral()) return Value::integer(v.as_int());
  if (v.is_float()) return Value::integer(py::float_to_int(v.as_float()));
  if (v.is_string()) {
    int64_t base = 10;
    if (b.has(1)) {
      if (!b.get(1)->is_integral()) return fallback;
      base = b.get(1)->as_int();
    }
    int64_t out;
    if (base >= 0 && base <= 36 && base != 1 && py::parse_int(v.as_string(), static_cast<int>(base), out))
      return Value::integer(out);
    double d;
    if (py::parse_float(v.as_string(), d)) return Value::integer(py::float_to_int(d));
  }
  return fallback;
}

Value f_items(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("items", a, {});
  if (v.is_undefined()) return make_iterator("generator", {});
  if (!v.is_dict()) throw_runtime("TypeError: Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.as_dict().entries()) out.push_back(Value::list({k, val}, SeqKind::Tuple));
  return make_iterator("generator", std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("join", a, {"d", "attribute"});
  const std::string sep = b.has(0) ? py::str(*b.get(0)) : "";
  std::vector<Value> items = py::iterate(v);
  if (b.has(1) && !b.get(1)->is_none()) {
    Getter g = make_attrgetter(in, b.get(1), false, nullptr);
    for (Value& item : items) item = g(item);
  }
  std::string out;
  const bool escape = in.autoescape();
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) {
      py::require_string_fits(out.size() + sep.size());
      out += sep;
    }
    out += escape && !items[i].is_markup() ? py::html_escape(py::str(items[i])) : py::str(items[i]);
  }
  return Value::string(std::move(out), escape);
}

Value f_length(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("length", a, {});
  return Value::integer(py::length(v));
}

Value f_list(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("list", a, {});
  return Value::list(py::iterate(v));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("lower", a, {});
  return str_result(text::lower(soft_str(v)), v);
}

Value f_upper(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("upper", a, {});
  return str_result(text::upper(soft_str(v)), v);
}

Value f_map(Interpreter& in, const Value& v, CallArgs& a) {
  if (!py::truthy(v)) return make_iterator("generator", {});
  std::vector<Value> items = py::iterate(v);
  std::vector<Value> out;
  out.reserve(items.size());
  const bool by_attribute =
      a.positional.empty() && std::any_of(a.keyword.begin(), a.keyword.end(), [](const auto& kv) { return kv.first == "attribute"; });
  if (by_attribute) {
    const Value* attribute = nullptr;
    const Value* fallback = nullptr;
    for (const auto& [k, val] : a.keyword) {
      if (k == "attribute") attribute = &val;
      else if (k == "default") fallback = &val;
      else filter_error("Unexpected keyword argument '" + k + "'");
    }
    Getter g = make_attrgetter(in, attribute, false, fallback);
    for (const Value& item : items) out.push_back(g(item));
  } else {
    if (a.positional.empty()) filter_error("map requires a filter argument");
    const std::string name = py::str(a.positional[0]);
    CallArgs rest;
    rest.positional.assign(a.positional.begin() + 1, a.positional.end());
    rest.keyword = a.keyword;
    for (const Value& item : items) {
      CallArgs copy = rest;
      out.push_back(in.apply_filter(name, item, copy));
    }
  }
  return make_iterator("generator", std::move(out));
}

Value min_max(Interpreter& in, const Value& v, CallArgs& a, bool want_max, const char* name) {
  ArgBinder b(name, a, {"case_sensitive", "attribute"});
  const bool case_sensitive = b.has(0) && py::truthy(*b.get(0));
  std::vector<Value> items = py::iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  Getter key = make_attrgetter(in, b.get(1), !case_sensitive, nullptr);
  size_t best = 0;
  Value best_key = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? python_less(best_key, k) : python_less(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, true, "max"); }
Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, false, "min"); }

Value f_pprint(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("pprint", a, {});
  return Value::string(py::repr(v));
}

// select/reject/selectattr/rejectattr.
Value select_or_reject(Interpreter& in, const Value& v, CallArgs& a, bool select, bool by_attribute) {
  if (!py::truthy(v)) return make_iterator("generator", {});  // Jinja: `if value:` before anything else
  std::vector<Value> items = py::iterate(v);
  size_t off = 0;
  Getter transform = [](const Value& x) { return x; };
  if (by_attribute) {
    if (a.positional.empty()) filter_error("Missing parameter for attribute name");
    transform = make_attrgetter(in, &a.positional[0], false, nullptr);
    off = 1;
  }
  std::optional<std::string> test;
  CallArgs test_args;
  if (a.positional.size() > off) {
    test = py::str(a.positional[off]);
    test_args.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(off + 1), a.positional.end());
    test_args.keyword = a.keyword;
  }
  std::vector<Value> out;
  for (const Value& item : items) {
    const Value x = transform(item);
    bool ok;
    if (test) {
      CallArgs copy = test_args;
      ok = in.apply_test(*test, x, copy);
    } else {
      ok = py::truthy(x);
    }
    if (ok == select) out.push_back(item);
  }
  return make_iterator("generator", std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, false); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, true); }

Value f_replace(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("replace", a, {"old", "new", "count"}, 2);
  int64_t count = -1;
  if (b.has(2) && !b.get(2)->is_none()) {
    if (!b.get(2)->is_integral()) throw_runtime("TypeError: 'count' must be an integer");
    count = b.get(2)->as_int();
  }
  return Value::string(replace_string(soft_str(v), py::str(*b.get(0)), py::str(*b.get(1)), count));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("reverse", a, {});
  if (v.is_string()) {
    std::u32string cps = text::decode(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value::string(text::encode(cps), v.is_markup());
  }
  if (v.is_object() && v.as_object().is_iterator()) {
    std::vector<Value> items = py::iterate(v);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  std::vector<Value> items = py::iterate(v);
  std::reverse(items.begin(), items.end());
  const char* type = v.is_dict() ? "dict_reversekeyiterator" : "list_reverseiterator";
  return make_iterator(type, std::move(items));
}

double round_half_even_scaled(double x, int64_t digits) {
  if (digits >= 0) {
    if (digits > 300 || !std::isfinite(x)) return x;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
    return std::strtod(buf, nullptr);
  }
  const double scale = std::pow(10.0, static_cast<double>(-digits));
  if (!std::isfinite(scale)) return 0.0 * x;
  return std::nearbyint(x / scale) * scale;
}

Value f_round(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("round", a, {"precision", "method"});
  const Value precision_v = b.get_or(0, Value::integer(0));
  const std::string method = b.has(1) ? py::str(*b.get(1)) : "common";
  if (method != "common" && method != "ceil" && method != "floor") filter_error("method must be common, ceil or floor");
  py::require_defined(v);
  if (!precision_v.is_integral())
    throw_runtime("TypeError: '" + py::type_name(precision_v) + "' object cannot be interpreted as an integer");
  const int64_t precision = precision_v.as_int();
  if (!v.is_number()) throw_runtime("TypeError: type " + py::type_name(v) + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return Value::integer(v.as_int());
      return Value::integer(static_cast<int64_t>(round_half_even_scaled(static_cast<double>(v.as_int()), precision)));
    }
    return Value::number(round_half_even_scaled(v.as_float(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_float() * scale;
  const double r = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value::number(r / scale);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("safe", a, {});
  if (v.is_markup()) return v;
  return Value::string(soft_str(v), true);
}

Value f_slice(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("slice", a, {"slices", "fill_with"}, 1);
  if (!b.get(0)->is_integral() || b.get(0)->as_int() <= 0)
    throw_runtime("ZeroDivisionError: slice() needs a positive number of slices");
  const int64_t slices = b.get(0)->as_int();
  std::vector<Value> seq = py::iterate(v);
  const auto length = static_cast<int64_t>(seq.size());
  const int64_t per = length / slices, extra = length % slices;
  int64_t offset = 0;
  std::vector<Value> out;
  for (int64_t n = 0; n < slices && n < 100000; ++n) {
    const int64_t start = offset + n * per;
    if (n < extra) ++offset;
    const int64_t end = offset + (n + 1) * per;
    std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
    if (b.has(1) && !b.get(1)->is_none() && n >= extra) tmp.push_back(*b.get(1));
    out.push_back(Value::list(std::move(tmp)));
  }
  return make_iterator("generator", std::move(out));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("sort", a, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = b.has(0) && py::truthy(*b.get(0));
  const bool case_sensitive = b.has(1) && py::truthy(*b.get(1));
  Getter key;
  const Value* attribute = b.get(2);
  if (attribute && attribute->is_string() && attribute->as_string().find(',') != std::string::npos) {
    std::vector<Getter> getters;
    std::string s = attribute->as_string();
    size_t start = 0;
    while (true) {
      const size_t comma = s.find(',', start);
      const Value part = Value::string(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      getters.push_back(make_attrgetter(in, &part, !case_sensitive, nullptr));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    key = [getters](const Value& item) {
      std::vector<Value> parts;
      for (const Getter& g : getters) parts.push_back(g(item));
      return Value::list(std::move(parts));
    };
  } else {
    key = make_attrgetter(in, attribute, !case_sensitive, nullptr);
  }
  return Value::list(sorted_by(py::iterate(v), key, reverse));
}

Value f_string(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("string", a, {});
  if (v.is_string()) return v;
  return Value::string(soft_str(v));
}

std::string html_unescape(const std::string& s) {
  static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"},
      {"copy", "\xC2\xA9"}, {"reg", "\xC2\xAE"}, {"hellip", "\xE2\x80\xA6"}, {"mdash", "\xE2\x80\x94"},
      {"ndash", "\xE2\x80\x93"}};
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi != std::string::npos && semi - i <= 32) {
      const std::string name = s.substr(i + 1, semi - i - 1);
      if (!name.empty() && name[0] == '#') {
        int64_t cp;
        const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        if (py::parse_int(name.substr(hex ? 2 : 1), hex ? 16 : 10, cp) && cp > 0 && cp <= 0x10FFFF) {
          text::append_utf8(out, static_cast<char32_t>(cp));
          i = semi + 1;
          continue;
        }
      }
      bool done = false;
      for (const auto& [ent, rep] : kEntities)
        if (name == ent) {
          out += rep;
          i = semi + 1;
          done = true;
          break;
        }
      if (done) continue;
    }
    out += s[i++];
  }
  return out;
}

// `value` with every span from `open` to the next `close` (both included) cut out.
std::string without_spans(std::string value, std::string_view open, std::string_view close) {
  while (true) {
    const size_t start = value.find(open);
    if (start == std::string::npos) break;
    const size_t end = value.find(close, start);
    if (end == std::string::npos) break;
    value = value.substr(0, start) + value.substr(end + close.size());
  }
  return value;
}

Value f_striptags(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("striptags", a, {});
  const std::string value = without_spans(without_spans(soft_str(v), "<!--", "-->"), "<", ">");
  std::string collapsed;
  for (const Value& w : split_string(value, nullptr, -1, false)) {
    if (!collapsed.empty()) collapsed += ' ';
    collapsed += w.as_string();
  }
  return Value::string(html_unescape(collapsed));
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("sum", a, {"attribute", "start"});
  Value total = b.get_or(1, Value::integer(0));
  if (total.is_string()) throw_runtime("TypeError: sum() can't sum strings [use ''.join(seq) instead]");
  std::vector<Value> items = py::iterate(v);
  Getter g = make_attrgetter(in, b.get(0), false, nullptr);
  for (const Value& item : items) {
    total = py::add(total, b.has(0) ? g(item) : item);
    in.charge_for(total);
  }
  return total;
}

Value f_title(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("title", a, {});
  // Jinja splits before runs of [-\s({\[<] and capitalizes each piece.
  const std::u32string cps = text::decode(soft_str(v));
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || text::is_space(c); };
  std::string out;
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i;
    const bool sep_run = is_sep(cps[i]);
    while (j < cps.size() && is_sep(cps[j]) == sep_run) ++j;
    const std::u32string_view piece(cps.data() + i, j - i);
    if (sep_run) {
      out += text::encode(piece);
    } else {
      out += text::upper(text::encode(piece.substr(0, 1)));
      out += text::lower(text::encode(piece.substr(1)));
    }
    i = j;
  }
  return str_result(std::move(out), v);
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("tojson", a, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions opt;
  opt.ensure_ascii = b.has(0) && py::truthy(*b.get(0));
  if (b.has(1) && !b.get(1)->is_none()) {
    const Value& indent = *b.get(1);
    if (indent.is_string()) opt.indent = indent.as_string();
    else if (indent.is_integral()) opt.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 1000)), ' ');
    else throw_runtime("TypeError: indent must be an int or a str, not " + py::type_name(indent));
  }
  if (b.has(2) && !b.get(2)->is_none()) {
    std::vector<Value> seps = py::iterate(*b.get(2));
    if (seps.size() != 2 || !seps[0].is_string() || !seps[1].is_string())
      throw_runtime("ValueError: separators must be a pair of strings");
    opt.item_separator = seps[0].as_string();
    opt.key_separator = seps[1].as_string();
  } else if (opt.indent) {
    opt.item_separator = ",";
  }
  opt.sort_keys = b.has(3) && py::truthy(*b.get(3));
  return Value::string(dump_json(v, opt));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("trim", a, {"chars"});
  std::string chars;
  const bool has_chars = b.has(0) && !b.get(0)->is_none();
  if (has_chars) {
    if (!b.get(0)->is_string()) throw_runtime("TypeError: strip arg must be None or str");
    chars = b.get(0)->as_string();
  }
  return str_result(strip_string(soft_str(v), has_chars ? &chars : nullptr, 'b'), v);
}

Value f_truncate(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("truncate", a, {"length", "killwords", "end", "leeway"});
  const Value length_v = b.get_or(0, Value::integer(255));
  const Value leeway_v = b.get_or(3, Value::integer(5));
  if (!length_v.is_integral() || !leeway_v.is_integral()) throw_runtime("TypeError: truncate() length and leeway must be integers");
  const int64_t length = length_v.as_int();
  const int64_t leeway = leeway_v.is_none() ? 5 : leeway_v.as_int();
  const bool killwords = b.has(1) && py::truthy(*b.get(1));
  const std::string end = b.has(2) ? py::str(*b.get(2)) : "...";
  const auto end_len = static_cast<int64_t>(text::codepoint_count(end));
  if (length < end_len) throw_runtime("AssertionError: expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0) throw_runtime("AssertionError: expected leeway >= 0, got " + std::to_string(leeway));
  if (!v.is_string()) {
    // Jinja measures len() of whatever it gets and only then treats it as text.
    if (py::length(v) <= length + leeway) return v;
    throw_runtime("AttributeError: '" + py::type_name(v) + "' object has no attribute 'rsplit'");
  }
  const std::string& s = v.as_string();
  const std::u32string cps = text::decode(s);
  if (static_cast<int64_t>(cps.size()) <= length + leeway) return v;
  const std::u32string head = cps.substr(0, static_cast<size_t>(length - end_len));
  if (killwords) return Value::string(text::encode(head) + end);
  const size_t space = head.rfind(U' ');
  const std::u32string kept = space == std::u32string::npos ? head : head.substr(0, space);
  return Value::string(text::encode(kept) + end);
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& a) {
  ArgBinder b("unique", a, {"case_sensitive", "attribute"});
  const bool case_sensitive = b.has(0) && py::truthy(*b.get(0));
  Getter key = make_attrgetter(in, b.get(1), !case_sensitive, nullptr);
  std::unordered_set<std::string> seen;
  std::vector<Value> out;
  for (const Value& item : py::iterate(v))
    if (seen.insert(py::hash_key(key(item))).second) out.push_back(item);
  return make_iterator("generator", std::move(out));
}

std::string url_quote(const std::string& s, bool for_qs) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
        c == '-' || c == '~' || (!for_qs && c == '/')) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  if (for_qs) out = replace_string(out, "%20", "+", -1);
  return out;
}

Value f_urlencode(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("urlencode", a, {});
  if (v.is_string() || !(v.is_list() || v.is_dict() || v.is_undefined())) return Value::string(url_quote(py::str(v), false));
  std::vector<Value> pairs;
  if (v.is_dict()) {
    for (const auto& [k, val] : v.as_dict().entries()) pairs.push_back(Value::list({k, val}, SeqKind::Tuple));
  } else {
    pairs = py::iterate(v);
  }
  std::string out;
  for (const Value& p : pairs) {
    std::vector<Value> kv = py::iterate(p);
    if (kv.size() != 2) throw_runtime("ValueError: urlencode needs (key, value) pairs");
    if (!out.empty()) out += '&';
    out += url_quote(py::str(kv[0]), true) + "=" + url_quote(py::str(kv[1]), true);
  }
  return Value::string(std::move(out));
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder("wordcount", a, {});
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : text::decode(soft_str(v))) {
    const bool w = text::is_word_char(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

Value f_xmlattr(Interpreter&, const Value& v, CallArgs& a) {
  ArgBinder b("xmlattr", a, {"autospace"});
  const bool autospace = !b.has(0) || py::truthy(*b.get(0));
  if (!v.is_dict()) throw_runtime("AttributeError: '" + py::type_name(v) + "' object has no attribute 'items'");
  std::string rv;
  for (const auto& [k, val] : v.as_dict().entries()) {
    if (val.is_none() || val.is_undefined()) continue;
    const std::string key = py::str(k);
    for (char32_t c : text::decode(key))
      if (text::is_space(c) || c == '/' || c == '>' || c == '=')
        throw_runtime("ValueError: Invalid character in attribute name: " + py::string_repr(key));
    if (!rv.empty()) rv += ' ';
    rv += py::html_escape(key) + "=\"" + (val.is_markup() ? val.as_string() : py::html_escape(py::str(val))) + "\"";
  }
  if (autospace && !rv.empty()) rv = " " + rv;
  return Value::string(std::move(rv), true);
}

constexpr TableEntry<std::string_view, FilterFn> kFilters[] = {
    {"abs", f_abs},           {"attr", f_attr},           {"batch", f_batch},
    {"capitalize", f_capitalize}, {"center", f_center},   {"count", f_length},
    {"d", f_default},         {"default", f_default},     {"dictsort", f_dictsort},
    {"e", f_escape},          {"escape", f_escape},       {"filesizeformat", f_filesizeformat},
    {"first", f_first},       {"float", f_float},         {"forceescape", f_forceescape},
    {"format", f_format},     {"groupby", f_groupby},     {"indent", f_indent},
    {"int", f_int},           {"items", f_items},         {"join", f_join},
    {"last", f_last},         {"length", f_length},       {"list", f_list},
    {"lower", f_lower},       {"map", f_map},             {"max", f_max},
    {"min", f_min},           {"pprint", f_pprint},       {"reject", f_reject},
    {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
    {"round", f_round},       {"safe", f_safe},           {"select", f_select},
    {"selectattr", f_selectattr}, {"slice", f_slice},     {"sort", f_sort},
    {"string", f_string},     {"striptags", f_striptags}, {"sum", f_sum},
    {"title", f_title},       {"tojson", f_tojson},       {"trim", f_trim},
    {"truncate", f_truncate}, {"unique", f_unique},       {"upper", f_upper},
    {"urlencode", f_urlencode}, {"wordcount", f_wordcount}, {"xmlattr", f_xmlattr},
};

}  // namespace

bool is_known_filter(std::string_view name) { return find_in_table(kFilters, name) != nullptr; }

Value apply_builtin_filter(Interpreter& in, std::string_view name, const Value& input, CallArgs& args) {
  return require_builtin(kFilters, "filter", name)(in, input, args);
}

}  // namespace pg::jinja
