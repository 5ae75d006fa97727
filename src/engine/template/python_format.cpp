// printf-style and str.format formatting with Python's semantics (see
// python_format.h). Numbers are formatted through snprintf, whose correctly
// rounded output matches CPython's for the f/e/g conversions.
#include "engine/template/python_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja::py {
namespace {

[[noreturn]] void value_error(const std::string& m) { throw_runtime("ValueError: " + m); }
[[noreturn]] void type_error(const std::string& m) { throw_runtime("TypeError: " + m); }

std::string c_format_double(const char* conv, int precision, double d, bool alt = false) {
  if (std::isnan(d)) return std::isupper(static_cast<unsigned char>(conv[0])) ? "NAN" : "nan";
  if (std::isinf(d)) {
    const bool up = std::isupper(static_cast<unsigned char>(conv[0]));
    return std::string(d < 0 ? "-" : "") + (up ? "INF" : "inf");
  }
  std::string f = std::string("%") + (alt ? "#" : "") + ".*" + conv;
  const int n = std::snprintf(nullptr, 0, f.c_str(), precision, d);
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), f.c_str(), precision, d);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string to_base(uint64_t v, int base, bool upper) {
  if (v == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  while (v) {
    s.insert(s.begin(), digits[v % static_cast<uint64_t>(base)]);
    v /= static_cast<uint64_t>(base);
  }
  return s;
}

std::string pad(const std::string& s, size_t width, char32_t fill, char align) {
  const size_t len = text::codepoint_count(s);
  if (len >= width) return s;
  const size_t total = width - len;
  size_t left = 0;
  if (align == '>') left = total;
  else if (align == '^') left = total / 2;
  std::string fill_s;
  text::append_utf8(fill_s, fill);
  std::string out;
  for (size_t i = 0; i < left; ++i) out += fill_s;
  out += s;
  for (size_t i = 0; i < total - left; ++i) out += fill_s;
  return out;
}

std::string group_digits(const std::string& digits, char sep, size_t every) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % every == 0) out += sep;
    out += digits[i];
  }
  return out;
}

struct Spec {
  char32_t fill = ' ';
  char align = 0;
  char sign = 0;
  bool alternate = false;
  bool zero = false;
  int width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

int parse_number(const std::u32string& s, size_t& i) {
  int v = 0;
  bool any = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + static_cast<int>(s[i] - '0');
    if (v > 100000) value_error("Too many decimal digits in format string");
    ++i;
    any = true;
  }
  return any ? v : -1;
}

bool is_align(char32_t c) { return c == '<' || c == '>' || c == '=' || c == '^'; }

Spec parse_spec(std::string_view spec_text) {
  const std::u32string s = text::decode(spec_text);
  Spec spec;
  size_t i = 0;
  if (s.size() >= 2 && is_align(s[1])) {
    spec.fill = s[0];
    spec.align = static_cast<char>(s[1]);
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    spec.align = static_cast<char>(s[0]);
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = static_cast<char>(s[i++]);
  if (i < s.size() && s[i] == 'z') ++i;
  if (i < s.size() && s[i] == '#') { spec.alternate = true; ++i; }
  if (i < s.size() && s[i] == '0') {
    spec.zero = true;
    if (!spec.align) { spec.fill = '0'; spec.align = '='; }
    ++i;
  }
  spec.width = parse_number(s, i);
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) spec.grouping = static_cast<char>(s[i++]);
  if (i < s.size() && s[i] == '.') {
    ++i;
    spec.precision = parse_number(s, i);
    if (spec.precision < 0) value_error("Format specifier missing precision");
  }
  if (i < s.size()) spec.type = static_cast<char>(s[i++]);
  if (i < s.size()) value_error("Invalid format specifier '" + std::string(spec_text) + "'");
  return spec;
}

// Joins sign, prefix and digits and pads them as the spec says.
std::string finish_number(const Spec& spec, bool negative, const std::string& prefix, std::string body) {
  std::string sign;
  if (negative) sign = "-";
  else if (spec.sign == '+') sign = "+";
  else if (spec.sign == ' ') sign = " ";
  const char align = spec.align ? spec.align : '>';
  const size_t width = spec.width < 0 ? 0 : static_cast<size_t>(spec.width);
  if (align == '=') {
    const size_t used = sign.size() + prefix.size() + text::codepoint_count(body);
    std::string fill_s;
    text::append_utf8(fill_s, spec.fill);
    std::string padding;
    for (size_t k = used; k < width; ++k) padding += fill_s;
    return sign + prefix + padding + body;
  }
  return pad(sign + prefix + body, width, spec.fill, align);
}

std::string format_float_spec(double d, const Spec& spec) {
  const bool negative = std::signbit(d) && !std::isnan(d);
  const double mag = std::fabs(d);
  std::string body;
  char type = spec.type;
  const int precision = spec.precision < 0 ? 6 : spec.precision;
  switch (type) {
    case 0:
      if (spec.precision < 0) {
        body = float_repr(mag);
      } else {
        body = c_format_double("g", std::max(precision, 1), mag, spec.alternate);
        const bool finite = std::isfinite(mag);
        if (finite && body.find_first_of(".e") == std::string::npos) body += ".0";
      }
      break;
    case 'n': type = 'g'; [[fallthrough]];
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
      const char conv[2] = {type, 0};
      body = c_format_double(conv, precision, mag, spec.alternate);
      break;
    }
    case '%':
      body = c_format_double("f", precision, mag * 100.0, spec.alternate) + "%";
      break;
    default:
      value_error(std::string("Unknown format code '") + type + "' for object of type 'float'");
  }
  if (spec.grouping && std::isfinite(mag)) {
    const size_t int_end = body.find_first_not_of("0123456789");
    const std::string int_part = body.substr(0, int_end);
    body = group_digits(int_part, spec.grouping, 3) + (int_end == std::string::npos ? "" : body.substr(int_end));
  }
  return finish_number(spec, negative, "", body);
}

std::string format_int_spec(int64_t v, const Spec& spec) {
  const bool negative = v < 0;
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string prefix, body;
  size_t group_every = 3;
  switch (spec.type) {
    case 0: case 'd': case 'n': body = std::to_string(mag); break;
    case 'b': body = to_base(mag, 2, false); prefix = spec.alternate ? "0b" : ""; group_every = 4; break;
    case 'o': body = to_base(mag, 8, false); prefix = spec.alternate ? "0o" : ""; group_every = 4; break;
    case 'x': body = to_base(mag, 16, false); prefix = spec.alternate ? "0x" : ""; group_every = 4; break;
    case 'X': body = to_base(mag, 16, true); prefix = spec.alternate ? "0X" : ""; group_every = 4; break;
    case 'c': {
      std::string s;
      if (v < 0 || v > 0x10FFFF) throw_runtime("OverflowError: %c arg not in range(0x110000)");
      text::append_utf8(s, static_cast<char32_t>(v));
      return pad(s, spec.width < 0 ? 0 : static_cast<size_t>(spec.width), spec.fill, spec.align ? spec.align : '<');
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%':
      return format_float_spec(static_cast<double>(v), spec);
    default:
      value_error(std::string("Unknown format code '") + spec.type + "' for object of type 'int'");
  }
  if (spec.grouping) body = group_digits(body, spec.grouping, group_every);
  return finish_number(spec, negative, prefix, body);
}

std::string format_string_spec(const std::string& s, const Spec& spec) {
  if (spec.type != 0 && spec.type != 's')
    value_error(std::string("Unknown format code '") + spec.type + "' for object of type 'str'");
  if (spec.sign) value_error("Sign not allowed in string format specifier");
  if (spec.align == '=') value_error("'=' alignment not allowed in string format specifier");
  std::string body = s;
  if (spec.precision >= 0) {
    std::u32string cps = text::decode(s);
    if (cps.size() > static_cast<size_t>(spec.precision)) cps.resize(static_cast<size_t>(spec.precision));
    body = text::encode(cps);
  }
  return pad(body, spec.width < 0 ? 0 : static_cast<size_t>(spec.width), spec.fill, spec.align ? spec.align : '<');
}

// One %-conversion: flags, width, precision and the conversion character.
struct PercentSpec {
  bool left = false, plus = false, space = false, alternate = false, zero = false;
  int width = -1, precision = -1;
  char conv = 's';
};

std::string apply_percent(const PercentSpec& ps, const Value& arg) {
  auto pad_to = [&](std::string s, bool numeric) {
    const size_t len = text::codepoint_count(s);
    if (ps.width < 0 || len >= static_cast<size_t>(ps.width)) return s;
    const size_t n = static_cast<size_t>(ps.width) - len;
    if (ps.left) return s + std::string(n, ' ');
    if (ps.zero && numeric) {
      size_t sign_len = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
      if (s.size() > sign_len + 1 && s[sign_len] == '0' && (s[sign_len + 1] == 'x' || s[sign_len + 1] == 'X' ||
                                                          s[sign_len + 1] == 'o'))
        sign_len += 2;
      return s.substr(0, sign_len) + std::string(n, '0') + s.substr(sign_len);
    }
    return std::string(n, ' ') + s;
  };
  auto sign_of = [&](bool negative) -> std::string {
    if (negative) return "-";
    if (ps.plus) return "+";
    if (ps.space) return " ";
    return "";
  };
  switch (ps.conv) {
    case 's': case 'r': case 'a': {
      std::string s = ps.conv == 's' ? str(arg) : repr(arg);
      if (ps.precision >= 0) {
        std::u32string cps = text::decode(s);
        if (cps.size() > static_cast<size_t>(ps.precision)) cps.resize(static_cast<size_t>(ps.precision));
        s = text::encode(cps);
      }
      return pad_to(s, false);
    }
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
      require_defined(arg);
      int64_t v;
      if (arg.is_integral()) v = arg.as_int();
      else if (arg.is_float() && (ps.conv == 'd' || ps.conv == 'i' || ps.conv == 'u')) v = float_to_int(arg.as_float());
      else if (ps.conv == 'd' || ps.conv == 'i' || ps.conv == 'u')
        type_error("%" + std::string(1, ps.conv) + " format: a real number is required, not " + type_name(arg));
      else
        type_error("%" + std::string(1, ps.conv) + " format: an integer is required, not " + type_name(arg));
      const bool negative = v < 0;
      const uint64_t mag = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      std::string digits;
      std::string prefix;
      if (ps.conv == 'x' || ps.conv == 'X') {
        digits = to_base(mag, 16, ps.conv == 'X');
        if (ps.alternate) prefix = ps.conv == 'X' ? "0X" : "0x";
      } else if (ps.conv == 'o') {
        digits = to_base(mag, 8, false);
        if (ps.alternate) prefix = "0o";
      } else {
        digits = std::to_string(mag);
      }
      if (ps.precision >= 0 && digits.size() < static_cast<size_t>(ps.precision))
        digits = std::string(static_cast<size_t>(ps.precision) - digits.size(), '0') + digits;
      return pad_to(sign_of(negative) + prefix + digits, true);
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
      require_defined(arg);
      if (!arg.is_number()) type_error("must be real number, not " + type_name(arg));
      const double d = arg.as_float();
      const char conv[2] = {ps.conv, 0};
      std::string body = c_format_double(conv, ps.precision < 0 ? 6 : ps.precision, std::fabs(d), ps.alternate);
      return pad_to(sign_of(std::signbit(d) && !std::isnan(d)) + body, std::isfinite(d));
    }
    case 'c': {
      std::string s;
      if (arg.is_string() && text::codepoint_count(arg.as_string()) == 1) s = arg.as_string();
      else if (arg.is_integral() && arg.as_int() >= 0 && arg.as_int() <= 0x10FFFF)
        text::append_utf8(s, static_cast<char32_t>(arg.as_int()));
      else type_error("%c requires int or char");
      return pad_to(s, false);
    }
    default:
      value_error(std::string("unsupported format character '") + ps.conv + "'");
  }
}

}  // namespace

std::string percent_format(std::string_view fmt, const Value& args) {
  std::vector<Value> positional;
  const DictData* mapping = nullptr;
  if (args.is_tuple()) positional = args.as_list().items;
  else positional.push_back(args);
  if (args.is_dict()) mapping = &args.as_dict();
  size_t next_arg = 0;
  bool used_mapping = false;
  auto take = [&]() -> Value {
    if (next_arg >= positional.size()) type_error("not enough arguments for format string");
    return positional[next_arg++];
  };
  std::string out;
  size_t i = 0;
  while (i < fmt.size()) {
    const char c = fmt[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i >= fmt.size()) value_error("incomplete format");
    PercentSpec ps;
    std::optional<Value> named;
    if (fmt[i] == '(') {
      if (!mapping) type_error("format requires a mapping");
      int depth = 1;
      size_t start = ++i;
      while (i < fmt.size() && depth > 0) {
        if (fmt[i] == '(') ++depth;
        else if (fmt[i] == ')') --depth;
        ++i;
      }
      if (depth > 0) value_error("incomplete format key");
      const std::string key(fmt.substr(start, i - 1 - start));
      const Value* v = mapping->find(key);
      if (!v) throw_runtime("KeyError: " + string_repr(key));
      named = *v;
      used_mapping = true;
    }
    for (; i < fmt.size(); ++i) {
      const char f = fmt[i];
      if (f == '-') ps.left = true;
      else if (f == '+') ps.plus = true;
      else if (f == ' ') ps.space = true;
      else if (f == '#') ps.alternate = true;
      else if (f == '0') ps.zero = true;
      else break;
    }
    if (i < fmt.size() && fmt[i] == '*') {
      Value w = take();
      if (!w.is_integral()) type_error("* wants int");
      ps.width = static_cast<int>(std::min<int64_t>(w.as_int(), 100000));
      if (ps.width < 0) { ps.left = true; ps.width = -ps.width; }
      ++i;
    } else {
      int w = -1;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        w = (w < 0 ? 0 : w) * 10 + (fmt[i] - '0');
        if (w > 100000) value_error("width too big");
        ++i;
      }
      ps.width = w;
    }
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      int p = 0;
      if (i < fmt.size() && fmt[i] == '*') {
        Value pv = take();
        if (!pv.is_integral()) type_error("* wants int");
        p = static_cast<int>(std::clamp<int64_t>(pv.as_int(), 0, 100000));
        ++i;
      } else {
        while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
          p = p * 10 + (fmt[i] - '0');
          if (p > 100000) value_error("precision too big");
          ++i;
        }
      }
      ps.precision = p;
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) value_error("incomplete format");
    ps.conv = fmt[i++];
    if (ps.conv == '%') {
      out += '%';
      continue;
    }
    const Value arg = named ? *named : take();
    out += apply_percent(ps, arg);
  }
  // Python skips this check when the argument supports item access (a dict,
  // but also a list): PyMapping_Check.
  const bool mapping_like = args.is_dict() || args.is_undefined() || (args.is_list() && !args.is_tuple());
  if (!used_mapping && !mapping_like && next_arg < positional.size())
    type_error("not all arguments converted during string formatting");
  return out;
}

std::string format_with_spec(const Value& v, std::string_view spec_text) {
  if (spec_text.empty()) return str(v);
  const Spec spec = parse_spec(spec_text);
  if (v.is_bool() && spec.type == 0) return format_string_spec(str(v), spec);
  if (v.is_integral()) return format_int_spec(v.as_int(), spec);
  if (v.is_float()) {
    if (spec.type == 'd' || spec.type == 'x' || spec.type == 'X' || spec.type == 'b' || spec.type == 'o' ||
        spec.type == 'c')
      value_error(std::string("Unknown format code '") + spec.type + "' for object of type 'float'");
    return format_float_spec(v.as_float(), spec);
  }
  if (v.is_string()) return format_string_spec(v.as_string(), spec);
  type_error("unsupported format string passed to " + type_name(v) + ".__format__");
}

std::string str_format(std::string_view fmt, const CallArgs& args, const FieldAccessor& access) {
  std::string out;
  size_t auto_index = 0;
  bool used_auto = false, used_manual = false;

  auto resolve_field = [&](std::string_view field) -> Value {
    size_t i = 0;
    while (i < field.size() && field[i] != '.' && field[i] != '[') ++i;
    const std::string first(field.substr(0, i));
    Value obj;
    bool all_digits = !first.empty();
    for (char c : first) all_digits = all_digits && c >= '0' && c <= '9';
    if (first.empty()) {
      if (used_manual) value_error("cannot switch from manual field specification to automatic field numbering");
      used_auto = true;
      const size_t idx = auto_index++;
      if (idx >= args.positional.size())
        throw_runtime("IndexError: Replacement index " + std::to_string(idx) + " out of range for positional args tuple");
      obj = args.positional[idx];
    } else if (all_digits) {
      if (used_auto) value_error("cannot switch from automatic field numbering to manual field specification");
      used_manual = true;
      const size_t idx = first.size() > 6 ? SIZE_MAX : std::stoul(first);
      if (idx >= args.positional.size())
        throw_runtime("IndexError: Replacement index " + first + " out of range for positional args tuple");
      obj = args.positional[idx];
    } else {
      bool found = false;
      for (const auto& [k, v] : args.keyword)
        if (k == first) { obj = v; found = true; }
      if (!found) throw_runtime("KeyError: " + string_repr(first));
    }
    while (i < field.size()) {
      if (field[i] == '.') {
        size_t j = ++i;
        while (j < field.size() && field[j] != '.' && field[j] != '[') ++j;
        if (j == i) value_error("Empty attribute in format string");
        obj = access(obj, std::string(field.substr(i, j - i)), false);
        i = j;
      } else if (field[i] == '[') {
        size_t j = field.find(']', i);
        if (j == std::string_view::npos) value_error("Missing ']' in format string");
        obj = access(obj, std::string(field.substr(i + 1, j - i - 1)), true);
        i = j + 1;
      } else {
        value_error("Only '.' or '[' may follow ']' in format field specifier");
      }
    }
    return obj;
  };

  size_t i = 0;
  while (i < fmt.size()) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      value_error("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    // Find the matching '}' (the spec may nest one level of fields).
    size_t j = i + 1;
    int depth = 1;
    bool in_brackets = false;
    while (j < fmt.size()) {
      if (fmt[j] == '[') in_brackets = true;
      else if (fmt[j] == ']') in_brackets = false;
      else if (!in_brackets && fmt[j] == '{') ++depth;
      else if (!in_brackets && fmt[j] == '}' && --depth == 0) break;
      ++j;
    }
    if (j >= fmt.size()) value_error("expected '}' before end of string");
    const std::string_view inner = fmt.substr(i + 1, j - i - 1);
    i = j + 1;
    size_t k = 0;
    in_brackets = false;
    while (k < inner.size()) {
      if (inner[k] == '[') in_brackets = true;
      else if (inner[k] == ']') in_brackets = false;
      else if (!in_brackets && (inner[k] == '!' || inner[k] == ':')) break;
      ++k;
    }
    const std::string_view field = inner.substr(0, k);
    char conversion = 0;
    std::string spec;
    if (k < inner.size() && inner[k] == '!') {
      if (k + 1 >= inner.size()) value_error("end of string while looking for conversion specifier");
      conversion = inner[k + 1];
      k += 2;
      if (k < inner.size() && inner[k] != ':') value_error("expected ':' after conversion specifier");
    }
    if (k < inner.size() && inner[k] == ':') {
      // Nested fields inside the spec are formatted first.
      const std::string_view raw = inner.substr(k + 1);
      for (size_t p = 0; p < raw.size(); ++p) {
        if (raw[p] == '{') {
          const size_t q = raw.find('}', p);
          if (q == std::string_view::npos) value_error("unmatched '{' in format spec");
          spec += str(resolve_field(raw.substr(p + 1, q - p - 1)));
          p = q;
        } else {
          spec += raw[p];
        }
      }
    }
    Value v = resolve_field(field);
    if (conversion == 'r' || conversion == 'a') v = Value::string(repr(v));
    else if (conversion == 's') v = Value::string(str(v));
    else if (conversion != 0) value_error(std::string("Unknown conversion specifier ") + conversion);
    out += format_with_spec(v, spec);
  }
  return out;
}

}  // namespace pg::jinja::py
