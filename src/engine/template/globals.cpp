// Global functions of the chat template environment (see globals.h).
#include "engine/template/globals.h"

#include <ctime>

#include "engine/template/call_args.h"
#include "engine/template/interpreter.h"
#include "engine/template/methods.h"
#include "engine/template/objects.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"

namespace pg::jinja {
namespace {

int64_t range_arg(const Value& v) {
  if (!v.is_integral())
    throw_runtime("TypeError: '" + py::type_name(v) + "' object cannot be interpreted as an integer");
  return v.as_int();
}

Value g_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) throw_runtime("TypeError: range() takes no keyword arguments");
  const size_t n = args.positional.size();
  if (n < 1 || n > 3) throw_runtime("TypeError: range expected 1 to 3 arguments, got " + std::to_string(n));
  int64_t start = 0, stop, step = 1;
  if (n == 1) {
    stop = range_arg(args.positional[0]);
  } else {
    start = range_arg(args.positional[0]);
    stop = range_arg(args.positional[1]);
    if (n == 3) step = range_arg(args.positional[2]);
  }
  if (step == 0) throw_runtime("ValueError: range() arg 3 must not be zero");
  // Length computed without overflow (the operands may be near INT64 limits).
  long double span = step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
  const long double abs_step = step > 0 ? step : -static_cast<long double>(step);
  const long double count = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  if (count > kMaxRange)
    throw_runtime("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (" +
                  std::to_string(kMaxRange) + ").");
  const auto len = static_cast<int64_t>(count);
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(len));
  for (int64_t i = 0; i < len; ++i) items.push_back(Value::integer(start + i * step));
  auto list = std::make_shared<ListData>(std::move(items), SeqKind::Range);
  list->range_start = start;
  list->range_stop = stop;
  list->range_step = step;
  Value v = Value::from_list(std::move(list));
  in.charge_for(v);
  return v;
}

void fill_dict(DictData& d, const CallArgs& args, const char* what) {
  if (args.positional.size() > 1)
    throw_runtime(std::string("TypeError: ") + what + " expected at most 1 argument, got " +
                  std::to_string(args.positional.size()));
  update_dict(d, args, true);
}

Value g_dict(Interpreter&, CallArgs& args) {
  auto d = std::make_shared<DictData>();
  fill_dict(*d, args, "dict");
  return Value::dict(std::move(d));
}

Value g_namespace(Interpreter& in, CallArgs& args) {
  auto ns = std::make_shared<NamespaceObject>();
  fill_dict(ns->attributes(), args, "namespace");
  Value v = Value::object(ns);
  for (const auto& [k, val] : ns->attributes().entries())
    if (val.is_list() || val.is_dict() || val.is_object()) in.note_possible_cycle(v);
  return v;
}

Value g_cycler(Interpreter&, CallArgs& args) {
  if (args.positional.empty()) throw_runtime("RuntimeError: at least one item has to be provided");
  return Value::object(std::make_shared<CyclerObject>(args.positional));
}

Value g_joiner(Interpreter&, CallArgs& args) {
  ArgBinder b("joiner", args, {"sep"});
  return Value::object(std::make_shared<JoinerObject>(b.has(0) ? py::str(*b.get(0)) : ", "));
}

Value g_raise_exception(Interpreter&, CallArgs& args) {
  ArgBinder b("raise_exception", args, {"message"}, 1);
  throw TemplateError(TemplateError::Kind::Raised, py::str(*b.get(0)));
}

Value g_strftime_now(Interpreter& in, CallArgs& args) {
  ArgBinder b("strftime_now", args, {"format"}, 1);
  if (!b.get(0)->is_string()) throw_runtime("TypeError: strftime() argument 1 must be str, not " + py::type_name(*b.get(0)));
  const std::string& fmt = b.get(0)->as_string();
  const std::time_t now = in.options().now ? *in.options().now : std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  // %f (microseconds) is Python's own; the rest is the C library's, as in CPython.
  std::string expanded;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '%' && i + 1 < fmt.size()) {
      if (fmt[i + 1] == 'f') {
        expanded += "000000";
        ++i;
        continue;
      }
      expanded += fmt[i];
      expanded += fmt[++i];
      continue;
    }
    expanded += fmt[i];
  }
  if (expanded.empty()) return Value::string("");
  std::string out(expanded.size() * 4 + 64, '\0');
  size_t n = std::strftime(out.data(), out.size(), expanded.c_str(), &tm);
  if (n == 0) {
    out.assign(expanded.size() * 64 + 256, '\0');
    n = std::strftime(out.data(), out.size(), expanded.c_str(), &tm);
  }
  out.resize(n);
  return Value::string(std::move(out));
}

Value builtin(std::string name, std::string repr, BuiltinFn fn) {
  return Value::object(std::make_shared<BuiltinFunctionObject>(std::move(name), std::move(repr), fn));
}

}  // namespace

std::unordered_map<std::string, Value> make_globals() {
  std::unordered_map<std::string, Value> g;
  g["range"] = builtin("range", "<function safe_range>", g_range);
  g["dict"] = builtin("dict", "<class 'dict'>", g_dict);
  g["namespace"] = builtin("namespace", "<class 'jinja2.utils.Namespace'>", g_namespace);
  g["cycler"] = builtin("cycler", "<class 'jinja2.utils.Cycler'>", g_cycler);
  g["joiner"] = builtin("joiner", "<class 'jinja2.utils.Joiner'>", g_joiner);
  g["raise_exception"] = builtin("raise_exception", "<function raise_exception>", g_raise_exception);
  g["strftime_now"] = builtin("strftime_now", "<function strftime_now>", g_strftime_now);
  return g;
}

}  // namespace pg::jinja
