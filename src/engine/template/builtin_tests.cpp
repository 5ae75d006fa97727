// Jinja2's builtin tests (see builtins.h), after jinja2/tests.py.
#include "engine/template/builtins.h"

#include "engine/template/lookup_table.h"
#include "engine/template/call_args.h"
#include "engine/template/interpreter.h"
#include "engine/template/objects.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

using TestFn = bool (*)(Interpreter& in, const Value& v, const CallArgs& args);

const Value& one_arg(const CallArgs& args, const char* test) {
  ArgBinder b(test, args, {"other"}, 1);
  return *b.get(0);
}

void no_args(const CallArgs& args, const char* test) { ArgBinder(test, args, {}); }

bool test_defined(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "defined"); return !v.is_undefined(); }
bool test_undefined(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "undefined"); return v.is_undefined(); }
bool test_none(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "none"); return v.is_none(); }
bool test_boolean(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "boolean"); return v.is_bool(); }
bool test_true(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "true"); return v.is_bool() && v.as_bool(); }
bool test_false(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "false"); return v.is_bool() && !v.as_bool(); }
bool test_integer(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "integer"); return v.is_int(); }
bool test_float(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "float"); return v.is_float(); }
bool test_number(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "number"); return v.is_number(); }
bool test_string(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "string"); return v.is_string(); }
bool test_mapping(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "mapping"); return v.is_dict(); }
bool test_escaped(Interpreter&, const Value& v, const CallArgs& a) { no_args(a, "escaped"); return v.is_markup(); }

bool test_iterable(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "iterable");
  if (v.is_object()) return v.as_object().is_iterator() || v.as_object().type_name() == "LoopContext";
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
}

bool test_sequence(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "sequence");
  if (v.is_list()) {
    const SeqKind k = v.seq_kind();
    return k == SeqKind::List || k == SeqKind::Tuple || k == SeqKind::Range;
  }
  return v.is_undefined() || v.is_string() || v.is_dict();
}

bool test_callable(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "callable");
  if (v.is_undefined()) return true;  // jinja2's Undefined defines __call__ (which raises)
  if (!v.is_object()) return false;
  return v.as_object().is_callable() || v.as_object().type_name() == "LoopContext";
}

bool test_sameas(Interpreter&, const Value& v, const CallArgs& a) {
  const Value& other = one_arg(a, "sameas");
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Value::Kind::None: return true;
    case Value::Kind::Bool: return v.as_bool() == other.as_bool();
    case Value::Kind::Int: return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Value::Kind::Undefined:
    case Value::Kind::Float: return false;
    default: return v.identity() == other.identity();
  }
}

bool modulo_is(const Value& v, const Value& divisor, int64_t want) {
  return py::equals(py::modulo(v, divisor), Value::integer(want));
}

bool test_odd(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "odd");
  return modulo_is(v, Value::integer(2), 1);
}
bool test_even(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "even");
  return modulo_is(v, Value::integer(2), 0);
}
bool test_divisibleby(Interpreter&, const Value& v, const CallArgs& a) {
  ArgBinder b("divisibleby", a, {"num"}, 1);
  return modulo_is(v, *b.get(0), 0);
}

bool test_in(Interpreter&, const Value& v, const CallArgs& a) {
  ArgBinder b("in", a, {"seq"}, 1);
  return py::contains(*b.get(0), v);
}

bool test_eq(Interpreter&, const Value& v, const CallArgs& a) { return py::compare(py::CompareOp::Eq, v, one_arg(a, "eq")); }
bool test_ne(Interpreter&, const Value& v, const CallArgs& a) { return py::compare(py::CompareOp::Ne, v, one_arg(a, "ne")); }
bool test_lt(Interpreter&, const Value& v, const CallArgs& a) { return py::compare(py::CompareOp::Lt, v, one_arg(a, "lt")); }
bool test_le(Interpreter&, const Value& v, const CallArgs& a) { return py::compare(py::CompareOp::Le, v, one_arg(a, "le")); }
bool test_gt(Interpreter&, const Value& v, const CallArgs& a) { return py::compare(py::CompareOp::Gt, v, one_arg(a, "gt")); }
bool test_ge(Interpreter&, const Value& v, const CallArgs& a) { return py::compare(py::CompareOp::Ge, v, one_arg(a, "ge")); }

// Python's str.islower()/isupper(): some cased character and none of the other case.
bool cased_without(const Value& v, bool (*other_case)(char32_t)) {
  bool cased = false;
  for (char32_t c : text::decode(py::str(v))) {
    if (other_case(c)) return false;
    cased = cased || text::is_cased(c);
  }
  return cased;
}

bool test_lower(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "lower");
  return cased_without(v, text::is_upper);
}

bool test_upper(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "upper");
  return cased_without(v, text::is_lower);
}

bool test_filter(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "filter");
  return v.is_string() && is_known_filter(v.as_string());
}

bool test_test(Interpreter&, const Value& v, const CallArgs& a) {
  no_args(a, "test");
  return v.is_string() && is_known_test(v.as_string());
}

constexpr TableEntry<std::string_view, TestFn> kTests[] = {
    {"defined", test_defined},     {"undefined", test_undefined}, {"none", test_none},
    {"boolean", test_boolean},     {"true", test_true},           {"false", test_false},
    {"integer", test_integer},     {"float", test_float},         {"number", test_number},
    {"string", test_string},       {"mapping", test_mapping},     {"iterable", test_iterable},
    {"sequence", test_sequence},   {"callable", test_callable},   {"sameas", test_sameas},
    {"escaped", test_escaped},     {"odd", test_odd},             {"even", test_even},
    {"divisibleby", test_divisibleby}, {"in", test_in},           {"eq", test_eq},
    {"equalto", test_eq},          {"==", test_eq},               {"ne", test_ne},
    {"!=", test_ne},               {"lt", test_lt},               {"lessthan", test_lt},
    {"<", test_lt},                {"le", test_le},               {"<=", test_le},
    {"gt", test_gt},               {"greaterthan", test_gt},      {">", test_gt},
    {"ge", test_ge},               {">=", test_ge},               {"lower", test_lower},
    {"upper", test_upper},         {"filter", test_filter},       {"test", test_test},
};

}  // namespace

bool is_known_test(std::string_view name) { return find_in_table(kTests, name) != nullptr; }

bool apply_builtin_test(Interpreter& in, std::string_view name, const Value& v, CallArgs& args) {
  return require_builtin(kTests, "test", name)(in, v, args);
}

}  // namespace pg::jinja
