// Python str/list/dict methods (see methods.h). Strings are handled as code
// points, like Python's str.
#include "engine/template/methods.h"

#include <algorithm>

#include "engine/template/call_args.h"
#include "engine/template/interpreter.h"
#include "engine/template/objects.h"
#include "engine/template/python_format.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

constexpr std::string_view kStringMethods[] = {
    "capitalize", "casefold", "center", "count", "endswith", "expandtabs", "find", "format", "index",
    "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
    "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
    "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill"};
constexpr std::string_view kListMethods[] = {"count", "index", "copy"};
constexpr std::string_view kListMutators[] = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
constexpr std::string_view kDictMethods[] = {"get", "items", "keys", "values", "copy"};
constexpr std::string_view kDictMutators[] = {"pop", "popitem", "setdefault", "update", "clear"};

template <size_t N>
bool contains_name(const std::string_view (&names)[N], std::string_view name) {
  for (std::string_view n : names)
    if (n == name) return true;
  return false;
}

[[noreturn]] void type_error(const std::string& m) { throw_runtime("TypeError: " + m); }

const std::string& require_string(const Value& v, const char* method, const char* what = "argument") {
  if (!v.is_string())
    type_error(std::string(method) + "() " + what + " must be str, not " + py::type_name(v));
  return v.as_string();
}

int64_t require_int(const Value& v, const char* method) {
  if (!v.is_integral()) type_error(std::string("'") + py::type_name(v) + "' object cannot be interpreted as an integer (in " + method + ")");
  return v.as_int();
}

std::optional<int64_t> optional_index(const ArgBinder& b, size_t i, const char* method) {
  const Value* v = b.get(i);
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_integral()) type_error("slice indices must be integers or None or have an __index__ method");
  (void)method;
  return v->as_int();
}

// Python's (start, end) handling for find/count/startswith.
void adjust_range(int64_t len, std::optional<int64_t> start, std::optional<int64_t> end, int64_t& lo, int64_t& hi) {
  lo = start.value_or(0);
  hi = end.value_or(len);
  if (lo < 0) lo = std::max<int64_t>(lo + len, 0);
  if (hi < 0) hi = std::max<int64_t>(hi + len, 0);
  if (hi > len) hi = len;
}

Value make_string(std::u32string_view cps, bool markup) { return Value::string(text::encode(cps), markup); }

bool is_whitespace_set_member(char32_t c, const std::u32string* chars) {
  if (!chars) return text::is_space(c);
  return chars->find(c) != std::u32string::npos;
}

int64_t find_in(const std::u32string& hay, const std::u32string& needle, int64_t lo, int64_t hi, bool reverse) {
  if (lo > static_cast<int64_t>(hay.size()) || hi - lo < static_cast<int64_t>(needle.size())) return -1;
  const std::u32string_view window(hay.data() + lo, static_cast<size_t>(hi - lo));
  const size_t pos = reverse ? window.rfind(needle) : window.find(needle);
  return pos == std::u32string_view::npos ? -1 : lo + static_cast<int64_t>(pos);
}

bool affix_match(const std::u32string& s, const Value& affix, int64_t lo, int64_t hi, bool suffix, const char* method) {
  auto one = [&](const Value& a) {
    const std::u32string p = text::decode(require_string(a, method, "first arg"));
    if (lo > static_cast<int64_t>(s.size())) return false;
    if (hi - lo < static_cast<int64_t>(p.size())) return false;
    const std::u32string_view window(s.data() + lo, static_cast<size_t>(hi - lo));
    return suffix ? window.substr(window.size() - p.size()) == p : window.substr(0, p.size()) == p;
  };
  if (affix.is_tuple()) {
    for (const Value& a : affix.as_list().items)
      if (one(a)) return true;
    return false;
  }
  if (!affix.is_string())
    type_error(std::string(method) + " first arg must be str or a tuple of str, not " + py::type_name(affix));
  return one(affix);
}

std::string pad_string(const std::u32string& s, int64_t width, char32_t fill, char align) {
  if (width <= static_cast<int64_t>(s.size())) return text::encode(s);
  const int64_t marg = width - static_cast<int64_t>(s.size());
  int64_t left = 0;
  if (align == 'r') left = marg;
  else if (align == 'c') left = marg / 2 + (marg & width & 1);
  std::string fill_s;
  text::append_utf8(fill_s, fill);
  const std::string body = text::encode(s);
  // The width comes from the template: the result's size is checked before it is built.
  py::require_string_fits(
      py::saturating_add(py::saturating_mul(static_cast<uint64_t>(marg), fill_s.size()), body.size()));
  std::string out;
  out.reserve(static_cast<size_t>(marg) * fill_s.size() + body.size());
  for (int64_t i = 0; i < left; ++i) out += fill_s;
  out += body;
  for (int64_t i = left; i < marg; ++i) out += fill_s;
  return out;
}

char32_t fill_char(const ArgBinder& b, size_t i, const char* method) {
  if (!b.has(i)) return ' ';
  const std::u32string f = text::decode(require_string(*b.get(i), method));
  if (f.size() != 1) type_error("The fill character must be exactly one character long");
  return f[0];
}

Value string_method(Interpreter& in, const Value& receiver, const std::string& name, CallArgs& args) {
  const std::string& s = receiver.as_string();
  const bool mk = receiver.is_markup();
  const char* m = name.c_str();
  auto no_args = [&] { ArgBinder(name, args, {}); };
  auto classify = [&](bool (*pred)(char32_t), bool empty_result) {
    no_args();
    const std::u32string cps = text::decode(s);
    if (cps.empty()) return Value::boolean(empty_result);
    for (char32_t c : cps)
      if (!pred(c)) return Value::boolean(false);
    return Value::boolean(true);
  };
  if (name == "upper") { no_args(); return Value::string(text::upper(s), mk); }
  if (name == "lower" || name == "casefold") { no_args(); return Value::string(text::lower(s), mk); }
  if (name == "title") { no_args(); return Value::string(text::title(s), mk); }
  if (name == "capitalize") { no_args(); return Value::string(text::capitalize(s), mk); }
  if (name == "swapcase") { no_args(); return Value::string(text::swapcase(s), mk); }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgBinder b(name, args, {"chars"});
    const Value* chars = b.get(0);
    std::string chars_s;
    if (chars && !chars->is_none()) chars_s = require_string(*chars, m, "arg");
    const char which = name[0] == 'l' ? 'l' : name[0] == 'r' ? 'r' : 'b';
    return Value::string(strip_string(s, chars && !chars->is_none() ? &chars_s : nullptr, which), mk);
  }
  if (name == "split" || name == "rsplit") {
    ArgBinder b(name, args, {"sep", "maxsplit"});
    const Value* sep = b.get(0);
    std::string sep_s;
    if (sep && !sep->is_none()) sep_s = require_string(*sep, m, "sep");
    const int64_t maxsplit = b.has(1) ? require_int(*b.get(1), m) : -1;
    std::vector<Value> parts = split_string(s, sep && !sep->is_none() ? &sep_s : nullptr, maxsplit, name == "rsplit");
    if (mk)
      for (Value& p : parts) p = Value::string(p.as_string(), true);
    return Value::list(std::move(parts));
  }
  if (name == "splitlines") {
    ArgBinder b(name, args, {"keepends"});
    std::vector<Value> out;
    for (std::string& line : split_lines(s, b.has(0) && py::truthy(*b.get(0))))
      out.push_back(Value::string(std::move(line), mk));
    return Value::list(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    ArgBinder b(name, args, {"prefix", "start", "end"}, 1);
    const std::u32string cps = text::decode(s);
    int64_t lo, hi;
    adjust_range(static_cast<int64_t>(cps.size()), optional_index(b, 1, m), optional_index(b, 2, m), lo, hi);
    return Value::boolean(affix_match(cps, *b.get(0), lo, hi, name == "endswith", m));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    ArgBinder b(name, args, {"sub", "start", "end"}, 1);
    const std::u32string cps = text::decode(s);
    const std::u32string sub = text::decode(require_string(*b.get(0), m, "argument"));
    int64_t lo, hi;
    adjust_range(static_cast<int64_t>(cps.size()), optional_index(b, 1, m), optional_index(b, 2, m), lo, hi);
    if (name == "count") {
      if (lo > static_cast<int64_t>(cps.size()) || hi < lo) return Value::integer(0);
      if (sub.empty()) return Value::integer(hi - lo + 1);
      int64_t n = 0;
      int64_t p = lo;
      while (true) {
        const int64_t f = find_in(cps, sub, p, hi, false);
        if (f < 0) break;
        ++n;
        p = f + static_cast<int64_t>(sub.size());
      }
      return Value::integer(n);
    }
    const int64_t pos = find_in(cps, sub, lo, hi, name[0] == 'r');
    if (pos < 0 && (name == "index" || name == "rindex")) throw_runtime("ValueError: substring not found");
    return Value::integer(pos);
  }
  if (name == "replace") {
    ArgBinder b(name, args, {"old", "new", "count"}, 2);
    const int64_t count = b.has(2) ? require_int(*b.get(2), m) : -1;
    return Value::string(replace_string(s, require_string(*b.get(0), m), require_string(*b.get(1), m), count), mk);
  }
  if (name == "join") {
    ArgBinder b(name, args, {"iterable"}, 1);
    std::string out;
    size_t k = 0;
    for (const Value& item : py::iterate(*b.get(0))) {
      if (!item.is_string())
        type_error("sequence item " + std::to_string(k) + ": expected str instance, " + py::type_name(item) + " found");
      py::require_string_fits(out.size() + s.size() + item.as_string().size());
      if (k++) out += s;
      out += mk && !item.is_markup() ? py::html_escape(item.as_string()) : item.as_string();
    }
    return Value::string(std::move(out), mk);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    ArgBinder b(name, args, {"width", "fillchar"}, 1);
    const char align = name == "center" ? 'c' : name == "ljust" ? 'l' : 'r';
    return Value::string(pad_string(text::decode(s), require_int(*b.get(0), m), fill_char(b, 1, m), align), mk);
  }
  if (name == "zfill") {
    ArgBinder b(name, args, {"width"}, 1);
    std::u32string cps = text::decode(s);
    const int64_t width = require_int(*b.get(0), m);
    if (width <= static_cast<int64_t>(cps.size())) return receiver;
    const size_t fill = static_cast<size_t>(width) - cps.size();
    py::require_string_fits(py::saturating_add(fill, s.size()));
    const size_t at = !cps.empty() && (cps[0] == '+' || cps[0] == '-') ? 1 : 0;
    cps.insert(at, fill, U'0');
    return make_string(cps, mk);
  }
  if (name == "partition" || name == "rpartition") {
    ArgBinder b(name, args, {"sep"}, 1);
    const std::string& sep = require_string(*b.get(0), m);
    if (sep.empty()) throw_runtime("ValueError: empty separator");
    const size_t pos = name == "partition" ? s.find(sep) : s.rfind(sep);
    std::vector<Value> parts;
    if (pos == std::string::npos) {
      if (name == "partition") parts = {Value::string(s, mk), Value::string("", mk), Value::string("", mk)};
      else parts = {Value::string("", mk), Value::string("", mk), Value::string(s, mk)};
    } else {
      parts = {Value::string(s.substr(0, pos), mk), Value::string(sep, mk), Value::string(s.substr(pos + sep.size()), mk)};
    }
    return Value::list(std::move(parts), SeqKind::Tuple);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    ArgBinder b(name, args, {"affix"}, 1);
    const std::string& a = require_string(*b.get(0), m);
    if (name == "removeprefix" && s.compare(0, a.size(), a) == 0) return Value::string(s.substr(a.size()), mk);
    if (name == "removesuffix" && !a.empty() && s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0)
      return Value::string(s.substr(0, s.size() - a.size()), mk);
    return receiver;
  }
  if (name == "expandtabs") {
    ArgBinder b(name, args, {"tabsize"});
    const int64_t tab = b.has(0) ? require_int(*b.get(0), m) : 8;
    std::u32string out;
    int64_t column = 0;
    for (char32_t c : text::decode(s)) {
      if (c == '\t') {
        if (tab > 0) {
          const int64_t n = tab - column % tab;
          py::require_string_fits(py::saturating_add(out.size(), static_cast<uint64_t>(n)));
          out.append(static_cast<size_t>(n), U' ');
          column += n;
        }
      } else {
        out += c;
        column = (c == '\n' || c == '\r') ? 0 : column + 1;
      }
    }
    return make_string(out, mk);
  }
  if (name == "format") {
    auto access = [&in](const Value& obj, const std::string& key, bool is_index) -> Value {
      if (!is_index) return in.get_attr(obj, key);
      int64_t idx;
      if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos && py::parse_int(key, 10, idx))
        return in.get_item(obj, Value::integer(idx));
      return in.get_item(obj, Value::string(key));
    };
    return Value::string(py::str_format(s, args, access), mk);
  }
  if (name == "isalnum") return classify(text::is_alnum, false);
  if (name == "isalpha") return classify(text::is_alpha, false);
  if (name == "isascii") return classify([](char32_t c) { return c < 0x80; }, true);
  if (name == "isdecimal") return classify(text::is_decimal, false);
  if (name == "isdigit") return classify(text::is_digit, false);
  if (name == "isnumeric") return classify(text::is_numeric, false);
  if (name == "isspace") return classify(text::is_space, false);
  if (name == "isprintable") return classify(text::is_printable, true);
  if (name == "isidentifier") {
    no_args();
    const std::u32string cps = text::decode(s);
    if (cps.empty() || text::is_digit(cps[0]) || !text::is_word_char(cps[0])) return Value::boolean(false);
    for (char32_t c : cps)
      if (!text::is_word_char(c)) return Value::boolean(false);
    return Value::boolean(true);
  }
  if (name == "islower" || name == "isupper") {
    no_args();
    bool cased = false;
    for (char32_t c : text::decode(s)) {
      if (name == "islower" ? text::is_upper(c) : text::is_lower(c)) return Value::boolean(false);
      cased = cased || text::is_cased(c);
    }
    return Value::boolean(cased);
  }
  if (name == "istitle") {
    no_args();
    bool cased = false, previous_cased = false;
    for (char32_t c : text::decode(s)) {
      if (text::is_upper(c)) {
        if (previous_cased) return Value::boolean(false);
        previous_cased = cased = true;
      } else if (text::is_lower(c)) {
        if (!previous_cased) return Value::boolean(false);
        previous_cased = cased = true;
      } else {
        previous_cased = false;
      }
    }
    return Value::boolean(cased);
  }
  throw_runtime("AttributeError: 'str' object has no attribute '" + name + "'");
}

Value list_method(Interpreter& in, const Value& receiver, const std::string& name, CallArgs& args) {
  ListData& list = receiver.as_list();
  auto& items = list.items;
  if (name == "count") {
    ArgBinder b(name, args, {"value"}, 1);
    int64_t n = 0;
    for (const Value& v : items) n += py::equals(v, *b.get(0)) ? 1 : 0;
    return Value::integer(n);
  }
  if (name == "index") {
    ArgBinder b(name, args, {"value", "start", "stop"}, 1);
    int64_t lo, hi;
    adjust_range(static_cast<int64_t>(items.size()), optional_index(b, 1, "index"), optional_index(b, 2, "index"), lo, hi);
    for (int64_t i = lo; i < hi; ++i)
      if (py::equals(items[static_cast<size_t>(i)], *b.get(0))) return Value::integer(i);
    throw_runtime("ValueError: " + py::repr(*b.get(0)) + " is not in list");
  }
  if (name == "copy") {
    ArgBinder(name, args, {});
    return Value::list(items, list.kind);
  }
  // Mutating methods (only reached when the options allow them).
  in.note_possible_cycle(receiver);
  if (name == "append") {
    ArgBinder b(name, args, {"object"}, 1);
    items.push_back(*b.get(0));
  } else if (name == "extend") {
    ArgBinder b(name, args, {"iterable"}, 1);
    std::vector<Value> more = py::iterate(*b.get(0));
    items.insert(items.end(), more.begin(), more.end());
  } else if (name == "insert") {
    ArgBinder b(name, args, {"index", "object"}, 2);
    int64_t i = require_int(*b.get(0), "insert");
    const auto n = static_cast<int64_t>(items.size());
    if (i < 0) i = std::max<int64_t>(i + n, 0);
    if (i > n) i = n;
    items.insert(items.begin() + i, *b.get(1));
  } else if (name == "pop") {
    ArgBinder b(name, args, {"index"});
    if (items.empty()) throw_runtime("IndexError: pop from empty list");
    int64_t i = b.has(0) ? require_int(*b.get(0), "pop") : -1;
    const auto n = static_cast<int64_t>(items.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw_runtime("IndexError: pop index out of range");
    Value v = items[static_cast<size_t>(i)];
    items.erase(items.begin() + i);
    return v;
  } else if (name == "remove") {
    ArgBinder b(name, args, {"value"}, 1);
    auto it = std::find_if(items.begin(), items.end(), [&](const Value& v) { return py::equals(v, *b.get(0)); });
    if (it == items.end()) throw_runtime("ValueError: list.remove(x): x not in list");
    items.erase(it);
  } else if (name == "reverse") {
    ArgBinder(name, args, {});
    std::reverse(items.begin(), items.end());
  } else if (name == "sort") {
    ArgBinder b(name, args, {"reverse"});
    const bool reverse = b.has(0) && py::truthy(*b.get(0));
    std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& c) {
      return reverse ? py::compare(py::CompareOp::Lt, c, a) : py::compare(py::CompareOp::Lt, a, c);
    });
  } else if (name == "clear") {
    ArgBinder(name, args, {});
    items.clear();
  }
  in.charge_for(receiver);
  return Value::none();
}

Value dict_method(Interpreter& in, const Value& receiver, const std::string& name, CallArgs& args) {
  DictData& d = receiver.as_dict();
  auto view = [&](SeqKind kind) {
    std::vector<Value> out;
    out.reserve(d.size());
    for (const auto& [k, v] : d.entries()) {
      if (kind == SeqKind::DictKeys) out.push_back(k);
      else if (kind == SeqKind::DictValues) out.push_back(v);
      else out.push_back(Value::list({k, v}, SeqKind::Tuple));
    }
    return Value::list(std::move(out), kind);
  };
  if (name == "get") {
    ArgBinder b(name, args, {"key", "default"}, 1);
    if (const Value* v = d.find(*b.get(0))) return *v;
    return b.get_or(1, Value::none());
  }
  if (name == "items") { ArgBinder(name, args, {}); return view(SeqKind::DictItems); }
  if (name == "keys") { ArgBinder(name, args, {}); return view(SeqKind::DictKeys); }
  if (name == "values") { ArgBinder(name, args, {}); return view(SeqKind::DictValues); }
  if (name == "copy") {
    ArgBinder(name, args, {});
    auto copy = std::make_shared<DictData>();
    for (const auto& [k, v] : d.entries()) copy->set(k, v);
    return Value::dict(std::move(copy));
  }
  in.note_possible_cycle(receiver);
  if (name == "pop") {
    ArgBinder b(name, args, {"key", "default"}, 1);
    if (const Value* v = d.find(*b.get(0))) {
      Value out = *v;
      d.erase(*b.get(0));
      return out;
    }
    if (b.has(1)) return *b.get(1);
    throw_runtime("KeyError: " + py::repr(*b.get(0)));
  }
  if (name == "popitem") {
    ArgBinder(name, args, {});
    if (d.empty()) throw_runtime("KeyError: 'popitem(): dictionary is empty'");
    const auto last = d.entries().back();
    d.erase(last.first);
    return Value::list({last.first, last.second}, SeqKind::Tuple);
  }
  if (name == "setdefault") {
    ArgBinder b(name, args, {"key", "default"}, 1);
    if (const Value* v = d.find(*b.get(0))) return *v;
    d.set(*b.get(0), b.get_or(1, Value::none()));
    return b.get_or(1, Value::none());
  }
  if (name == "update") {
    if (args.positional.size() > 1) type_error("update expected at most 1 argument");
    update_dict(d, args, false);
    return Value::none();
  }
  if (name == "clear") {
    ArgBinder(name, args, {});
    d.clear();
    return Value::none();
  }
  throw_runtime("AttributeError: 'dict' object has no attribute '" + name + "'");
}

}  // namespace

void update_dict(DictData& d, const CallArgs& args, bool length_in_error) {
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_dict()) {
      for (const auto& [k, v] : source.as_dict().entries()) d.set(k, v);
    } else {
      for (const Value& pair : py::iterate(source)) {
        std::vector<Value> kv = py::iterate(pair);
        if (kv.size() != 2) {
          throw_runtime(length_in_error ? "ValueError: dictionary update sequence element has length " +
                                              std::to_string(kv.size()) + "; 2 is required"
                                        : "ValueError: dictionary update sequence element has wrong length");
        }
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : args.keyword) d.set(Value::string(k), v);
}

std::optional<Value> find_method(Interpreter& in, const Value& receiver, std::string_view name) {
  bool known = false, mutating = false;
  if (receiver.is_string()) {
    known = contains_name(kStringMethods, name);
  } else if (receiver.is_list() && receiver.seq_kind() == SeqKind::Range) {
    known = name == "count" || name == "index";
  } else if (receiver.is_list() && (receiver.seq_kind() == SeqKind::List || receiver.seq_kind() == SeqKind::Tuple)) {
    known = contains_name(kListMethods, name) && !(receiver.is_tuple() && name == "copy");
    mutating = receiver.seq_kind() == SeqKind::List && contains_name(kListMutators, name);
  } else if (receiver.is_dict()) {
    known = contains_name(kDictMethods, name);
    mutating = contains_name(kDictMutators, name);
  }
  if (mutating && !in.options().allow_mutating_methods)
    return Value::undefined("access to attribute '" + std::string(name) + "' of '" + py::type_name(receiver) +
                                "' object is unsafe.",
                            true);
  if (!known && !mutating) return std::nullopt;
  return Value::object(std::make_shared<BoundMethodObject>(receiver, std::string(name)));
}

Value call_method(Interpreter& in, const Value& receiver, const std::string& name, CallArgs& args) {
  Value result;
  if (receiver.is_string()) result = string_method(in, receiver, name, args);
  else if (receiver.is_list()) result = list_method(in, receiver, name, args);
  else if (receiver.is_dict()) result = dict_method(in, receiver, name, args);
  else throw_runtime("AttributeError: '" + py::type_name(receiver) + "' object has no attribute '" + name + "'");
  in.charge_for(result);
  return result;
}

std::string strip_string(const std::string& s, const std::string* chars, char which) {
  const std::u32string cps = text::decode(s);
  std::u32string set;
  if (chars) set = text::decode(*chars);
  size_t b = 0, e = cps.size();
  if (which != 'r')
    while (b < e && is_whitespace_set_member(cps[b], chars ? &set : nullptr)) ++b;
  if (which != 'l')
    while (e > b && is_whitespace_set_member(cps[e - 1], chars ? &set : nullptr)) --e;
  if (b == 0 && e == cps.size()) return s;
  return text::encode(std::u32string_view(cps).substr(b, e - b));
}

std::vector<Value> split_string(const std::string& s, const std::string* sep, int64_t maxsplit, bool from_right) {
  std::vector<Value> out;
  if (maxsplit < 0) maxsplit = INT64_MAX;
  if (sep) {
    if (sep->empty()) throw_runtime("ValueError: empty separator");
    std::vector<std::string> parts;
    if (!from_right) {
      size_t start = 0;
      int64_t n = 0;
      while (n < maxsplit) {
        const size_t pos = s.find(*sep, start);
        if (pos == std::string::npos) break;
        parts.push_back(s.substr(start, pos - start));
        start = pos + sep->size();
        ++n;
      }
      parts.push_back(s.substr(start));
    } else {
      size_t end = s.size();
      int64_t n = 0;
      while (n < maxsplit && end >= sep->size()) {
        const size_t pos = s.rfind(*sep, end - sep->size());
        if (pos == std::string::npos) break;
        parts.insert(parts.begin(), s.substr(pos + sep->size(), end - pos - sep->size()));
        end = pos;
        ++n;
      }
      parts.insert(parts.begin(), s.substr(0, end));
    }
    for (std::string& p : parts) out.push_back(Value::string(std::move(p)));
    return out;
  }
  const std::u32string cps = text::decode(s);
  std::vector<std::u32string> parts;
  if (!from_right) {
    size_t i = 0;
    int64_t n = 0;
    while (true) {
      while (i < cps.size() && text::is_space(cps[i])) ++i;
      if (i >= cps.size()) break;
      if (n >= maxsplit) {
        size_t e = cps.size();
        while (e > i && text::is_space(cps[e - 1])) --e;
        parts.push_back(cps.substr(i, e - i));
        break;
      }
      size_t j = i;
      while (j < cps.size() && !text::is_space(cps[j])) ++j;
      parts.push_back(cps.substr(i, j - i));
      ++n;
      i = j;
    }
  } else {
    size_t e = cps.size();
    int64_t n = 0;
    while (true) {
      while (e > 0 && text::is_space(cps[e - 1])) --e;
      if (e == 0) break;
      if (n >= maxsplit) {
        size_t b = 0;
        while (b < e && text::is_space(cps[b])) ++b;
        parts.insert(parts.begin(), cps.substr(b, e - b));
        break;
      }
      size_t j = e;
      while (j > 0 && !text::is_space(cps[j - 1])) --j;
      parts.insert(parts.begin(), cps.substr(j, e - j));
      ++n;
      e = j;
    }
  }
  for (const auto& p : parts) out.push_back(Value::string(text::encode(p)));
  return out;
}

std::string replace_string(const std::string& s, const std::string& old_s, const std::string& new_s, int64_t count) {
  if (count < 0) count = INT64_MAX;
  std::string out;
  if (old_s.empty()) {
    // Inserts `new` before every character and at the end.
    const std::u32string cps = text::decode(s);
    int64_t n = 0;
    for (char32_t c : cps) {
      if (n < count) {
        py::require_string_fits(out.size() + new_s.size() + 4);
        out += new_s;
        ++n;
      }
      text::append_utf8(out, c);
    }
    if (n < count) out += new_s;
    return out;
  }
  size_t start = 0;
  int64_t n = 0;
  while (n < count) {
    const size_t pos = s.find(old_s, start);
    if (pos == std::string::npos) break;
    py::require_string_fits(out.size() + (pos - start) + new_s.size());
    out.append(s, start, pos - start);
    out += new_s;
    start = pos + old_s.size();
    ++n;
  }
  out.append(s, start, std::string::npos);
  return out;
}

std::vector<std::string> split_lines(const std::string& s, bool keepends) {
  std::vector<std::string> out;
  const std::u32string cps = text::decode(s);
  size_t start = 0, i = 0;
  while (i < cps.size()) {
    if (!text::is_line_break(cps[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    size_t next = i + 1;
    if (cps[i] == '\r' && next < cps.size() && cps[next] == '\n') ++next;
    out.push_back(text::encode(std::u32string_view(cps).substr(start, (keepends ? next : end) - start)));
    start = i = next;
  }
  if (start < cps.size()) out.push_back(text::encode(std::u32string_view(cps).substr(start)));
  return out;
}

}  // namespace pg::jinja
