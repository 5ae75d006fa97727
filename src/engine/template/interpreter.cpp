// The tree-walking interpreter (see interpreter.h). Statement and expression
// evaluation follow the code jinja2/compiler.py generates: a fresh scope per
// for-loop iteration, macro call and captured block; late-bound macro
// closures; Python semantics for every operator.
#include "engine/template/interpreter.h"

#include <unordered_set>

#include "engine/template/builtins.h"
#include "engine/template/globals.h"
#include "engine/template/methods.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

// Restores the interpreter's innermost scope when a block ends, also on error.
class ScopeSwap {
 public:
  ScopeSwap(std::shared_ptr<Scope>& slot, std::shared_ptr<Scope> next) : slot_(slot), saved_(std::move(slot)) {
    slot_ = std::move(next);
  }
  ~ScopeSwap() { slot_ = std::move(saved_); }
  ScopeSwap(const ScopeSwap&) = delete;
  ScopeSwap& operator=(const ScopeSwap&) = delete;

 private:
  std::shared_ptr<Scope>& slot_;
  std::shared_ptr<Scope> saved_;
};

class OutputSwap {
 public:
  OutputSwap(std::string*& slot, std::string* next) : slot_(slot), saved_(slot) { slot_ = next; }
  ~OutputSwap() { slot_ = saved_; }
  OutputSwap(const OutputSwap&) = delete;
  OutputSwap& operator=(const OutputSwap&) = delete;

 private:
  std::string*& slot_;
  std::string* saved_;
};

std::shared_ptr<Scope> child_scope(std::shared_ptr<Scope> parent) {
  return std::make_shared<Scope>(std::move(parent));
}

std::string object_type_repr(const Value& obj) {
  if (obj.is_none()) return "None";
  return py::type_name(obj) + " object";
}

Value missing_attribute(const Value& obj, std::string_view name) {
  return Value::undefined(std::string("'") + object_type_repr(obj) + "' has no attribute '" + std::string(name) + "'");
}

Value missing_item(const Value& obj, const Value& key) {
  if (key.is_string()) return missing_attribute(obj, key.as_string());
  return Value::undefined(std::string("'") + object_type_repr(obj) + "' has no element " + py::repr(key));
}

std::optional<int64_t> slice_bound(const Value& v, bool& invalid) {
  if (v.is_none()) return std::nullopt;
  if (!v.is_integral()) {
    invalid = true;
    return std::nullopt;
  }
  return v.as_int();
}

}  // namespace

Scope::~Scope() = default;

Value* Scope::find(std::string_view name) {
  if (!big_.empty()) {
    auto it = big_.find(std::string(name));
    return it == big_.end() ? nullptr : &it->second;
  }
  for (auto& [k, v] : small_)
    if (k == name) return &v;
  return nullptr;
}

void Scope::set(const std::string& name, Value v) {
  if (Value* slot = find(name)) {
    *slot = std::move(v);
    return;
  }
  if (!big_.empty()) {
    big_.emplace(name, std::move(v));
    return;
  }
  small_.emplace_back(name, std::move(v));
  if (small_.size() > kLinearLimit) {
    for (auto& [k, val] : small_) big_.emplace(std::move(k), std::move(val));
    small_.clear();
  }
}

Interpreter::DepthGuard::DepthGuard(Interpreter& in) : in_(in) {
  if (++in_.depth_ > in_.options_.limits.max_depth) {
    --in_.depth_;
    throw_runtime("RecursionError: maximum recursion depth exceeded (more than " +
                  std::to_string(in_.options_.limits.max_depth) + " nested evaluations)");
  }
}

Interpreter::Interpreter(const Program& program, const RenderOptions& options)
    : program_(program), options_(options), globals_(make_globals()) {}

Interpreter::~Interpreter() {
  // Break reference cycles a template may have built through namespaces or
  // mutated lists, so that nothing leaks; nodes are freed without recursion.
  std::vector<std::shared_ptr<HeapNode>> pending;
  for (Value& v : cycle_candidates_) {
    if (v.is_object()) {
      if (auto* ns = dynamic_cast<NamespaceObject*>(&v.as_object())) ns->attributes().clear();
    } else if (v.is_list()) {
      for (Value& item : v.as_list().items)
        if (item.heap()) pending.push_back(item.heap());
      v.as_list().items.clear();
    } else if (v.is_dict()) {
      v.as_dict().clear();
    }
  }
  cycle_candidates_.clear();
  HeapNode::destroy_pending(pending);
}

std::string Interpreter::render(const Value& context) {
  root_ = std::make_shared<Scope>();
  if (context.is_dict())
    for (const auto& [k, v] : context.as_dict().entries()) root_->set(py::str(k), v);
  scope_ = root_;
  std::string out;
  out_ = &out;
  exec_block(program_.body);
  out_ = nullptr;
  return out;
}

// ---- resource accounting --------------------------------------------------

namespace {

// Adds n to a counter of the template's work; throws once it passes limit,
// naming the limit as "<what> <limit> <unit>".
void count_within(uint64_t& counter, uint64_t n, uint64_t limit, const char* what, const char* unit) {
  counter += n;
  if (counter > limit) throw_runtime(std::string("template exceeded ") + what + " " + std::to_string(limit) + " " + unit);
}

}  // namespace

void Interpreter::charge(uint64_t steps) {
  count_within(steps_, steps, options_.limits.max_steps, "its evaluation budget of", "steps");
}

void Interpreter::charge_for(const Value& created) {
  if (created.is_string()) {
    const size_t n = created.as_string().size();
    if (n > py::kMaxBuiltString) py::throw_too_large(n, true);
    charge(n / 16);
  } else if (created.is_list()) {
    const size_t n = created.as_list().items.size();
    if (n > py::kMaxBuiltItems) py::throw_too_large(n, false);
    charge(n);
  } else if (created.is_dict()) {
    charge(created.as_dict().size());
  }
}

void Interpreter::count_iterations(uint64_t n) {
  count_within(iterations_, n, options_.limits.max_loop_iterations, "the limit of", "loop iterations");
}

void Interpreter::note_possible_cycle(const Value& container) {
  if (cycle_ids_.insert(container.identity()).second) cycle_candidates_.push_back(container);
}

void Interpreter::write(std::string_view s) {
  if (out_->size() + s.size() > options_.limits.max_output_bytes)
    throw_runtime("rendered output exceeds the limit of " + std::to_string(options_.limits.max_output_bytes) +
                  " bytes");
  out_->append(s);
  charge(s.size() / 16);
}

void Interpreter::write_value(const Value& v) {
  if (v.is_undefined()) return;
  if (v.is_string()) {
    if (autoescape_ && !v.is_markup()) write(py::html_escape(v.as_string()));
    else write(v.as_string());
    return;
  }
  const std::string s = py::str(v);
  write(autoescape_ ? py::html_escape(s) : s);
}

// ---- statements -----------------------------------------------------------

Interpreter::Flow Interpreter::exec_block(const StmtList& body) {
  for (const auto& s : body) {
    const Flow f = exec(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s) {
  DepthGuard guard(*this);
  charge(1);
  try {
    switch (s.kind) {
      case StmtKind::Output: write(s.text); return Flow::Normal;
      case StmtKind::Print: write_value(eval(*s.expr)); return Flow::Normal;
      case StmtKind::If: return exec_if(s);
      case StmtKind::For: return exec_for(s);
      case StmtKind::Set: exec_set(s); return Flow::Normal;
      case StmtKind::SetBlock: exec_set_block(s); return Flow::Normal;
      case StmtKind::Macro:
        scope_->set(s.text, Value::object(std::make_shared<MacroObject>(&s, s.text, scope_)));
        return Flow::Normal;
      case StmtKind::CallBlock: exec_call_block(s); return Flow::Normal;
      case StmtKind::FilterBlock: exec_filter_block(s); return Flow::Normal;
      case StmtKind::With: exec_with(s); return Flow::Normal;
      case StmtKind::Block: exec_in_new_scope(s.body, s.scoped ? scope_ : root_); return Flow::Normal;
      case StmtKind::Break: return Flow::Break;
      case StmtKind::Continue: return Flow::Continue;
      case StmtKind::Generation: exec_in_new_scope(s.body, scope_); return Flow::Normal;
      case StmtKind::Autoescape: {
        const bool saved = autoescape_;
        autoescape_ = py::truthy(eval(*s.expr));
        try {
          exec_in_new_scope(s.body, scope_);
        } catch (...) {
          autoescape_ = saved;
          throw;
        }
        autoescape_ = saved;
        return Flow::Normal;
      }
    }
  } catch (TemplateError& e) {
    if (!e.has_offset()) e.set_offset(s.offset);
    throw;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_if(const Stmt& s) {
  if (py::truthy(eval(*s.expr))) return exec_block(s.body);
  return exec_block(s.else_body);
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s) {
  const Value iterable = eval(*s.expr);
  run_loop(s, iterable, 0);
  return Flow::Normal;
}

void Interpreter::run_loop(const Stmt& s, const Value& iterable, int64_t depth0) {
  std::vector<Value> all = py::iterate(iterable);
  const std::shared_ptr<Scope> parent = scope_;
  auto items = std::make_shared<std::vector<Value>>();
  if (s.filter) {
    for (Value& item : all) {
      count_iterations(1);
      ScopeSwap swap(scope_, child_scope(parent));
      assign(*s.target, item);
      if (py::truthy(eval(*s.filter))) items->push_back(std::move(item));
    }
  } else {
    *items = std::move(all);
  }
  if (items->empty()) {
    exec_in_new_scope(s.else_body, parent);
    return;
  }
  auto loop = std::make_shared<LoopObject>(items, depth0, &s, parent);
  const Value loop_value = Value::object(loop);
  for (size_t i = 0; i < items->size(); ++i) {
    count_iterations(1);
    loop->set_index(i);
    auto iteration = child_scope(parent);
    iteration->set("loop", loop_value);
    ScopeSwap swap(scope_, std::move(iteration));
    assign(*s.target, (*items)[i]);
    if (exec_block(s.body) == Flow::Break) break;
  }
}

Value Interpreter::call_recursive_loop(const Stmt& loop_stmt, const std::shared_ptr<Scope>& scope,
                                       const Value& iterable, int64_t depth0) {
  DepthGuard guard(*this);
  std::string out;
  {
    OutputSwap swap_out(out_, &out);
    ScopeSwap swap_scope(scope_, scope ? scope : root_);
    run_loop(loop_stmt, iterable, depth0);
  }
  return Value::string(std::move(out), autoescape_);
}

void Interpreter::assign(const Expr& target, const Value& v) {
  switch (target.kind) {
    case ExprKind::Name: scope_->set(target.name, v); return;
    case ExprKind::Tuple: {
      std::vector<Value> items = py::iterate(v);
      const size_t want = target.items.size();
      if (items.size() > want)
        throw_runtime("ValueError: too many values to unpack (expected " + std::to_string(want) + ")");
      if (items.size() < want)
        throw_runtime("ValueError: not enough values to unpack (expected " + std::to_string(want) + ", got " +
                      std::to_string(items.size()) + ")");
      for (size_t i = 0; i < want; ++i) assign(*target.items[i], items[i]);
      return;
    }
    case ExprKind::NamespaceRef: {
      const Value ns = lookup(target.name);
      auto* object = ns.is_object() ? dynamic_cast<NamespaceObject*>(&ns.as_object()) : nullptr;
      if (!object) throw_runtime("TemplateRuntimeError: cannot assign attribute on non-namespace object");
      object->set(target.attr, v);
      if (v.is_list() || v.is_dict() || v.is_object()) note_possible_cycle(ns);
      return;
    }
    default: throw_runtime("TemplateRuntimeError: cannot assign to this expression");
  }
}

void Interpreter::exec_set(const Stmt& s) { assign(*s.target, eval(*s.expr)); }

std::string Interpreter::capture(const StmtList& body, std::shared_ptr<Scope> scope) {
  std::string out;
  OutputSwap swap_out(out_, &out);
  ScopeSwap swap_scope(scope_, std::move(scope));
  exec_block(body);
  return out;
}

void Interpreter::exec_in_new_scope(const StmtList& body, std::shared_ptr<Scope> parent) {
  ScopeSwap swap(scope_, child_scope(std::move(parent)));
  exec_block(body);
}

void Interpreter::exec_set_block(const Stmt& s) {
  Value v = Value::string(capture(s.body, child_scope(scope_)), autoescape_);
  if (s.filter) v = eval_filter(*s.filter, &v);
  assign(*s.target, v);
}

void Interpreter::exec_call_block(const Stmt& s) {
  const Value caller = Value::object(std::make_shared<MacroObject>(&s, "caller", scope_));
  write_value(eval_call(*s.expr, &caller));
}

void Interpreter::exec_filter_block(const Stmt& s) {
  const Value body = Value::string(capture(s.body, child_scope(scope_)), autoescape_);
  write_value(eval_filter(*s.filter, &body));
}

void Interpreter::exec_with(const Stmt& s) {
  std::vector<Value> values;
  for (const auto& v : s.with_values) values.push_back(eval(*v));
  ScopeSwap swap(scope_, child_scope(scope_));
  for (size_t i = 0; i < s.with_targets.size(); ++i) assign(*s.with_targets[i], values[i]);
  exec_block(s.body);
}

Value Interpreter::call_macro(MacroObject& macro, CallArgs& args) {
  DepthGuard guard(*this);
  const Stmt& m = macro.stmt();
  const std::string& name = macro.name();
  std::shared_ptr<Scope> parent = macro.scope();
  if (!parent) parent = root_;
  auto scope = child_scope(parent);
  const size_t n_params = m.params.size();
  std::vector<std::optional<Value>> bound(n_params);
  for (size_t i = 0; i < n_params && i < args.positional.size(); ++i) bound[i] = args.positional[i];
  std::vector<std::pair<std::string, Value>> kwargs = args.keyword;
  bool found_caller = false;
  if (args.positional.size() < n_params) {
    for (size_t i = args.positional.size(); i < n_params; ++i) {
      for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
        if (it->first == m.params[i].name) {
          bound[i] = it->second;
          kwargs.erase(it);
          break;
        }
      }
      if (m.params[i].name == "caller") found_caller = true;
    }
  }
  std::optional<Value> caller;
  if (m.uses_caller && !found_caller) {
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
      if (it->first == "caller") {
        caller = it->second;
        kwargs.erase(it);
        break;
      }
    }
    if (!caller) caller = Value::undefined("No caller defined");
  }
  if (!m.uses_kwargs && !kwargs.empty()) {
    if (kwargs.front().first == "caller")
      throw_runtime("TypeError: macro '" + name +
                    "' was invoked with two values for the special caller argument. This is most likely a bug.");
    throw_runtime("TypeError: macro '" + name + "' takes no keyword argument '" + kwargs.front().first + "'");
  }
  if (!m.uses_varargs && args.positional.size() > n_params)
    throw_runtime("TypeError: macro '" + name + "' takes not more than " + std::to_string(n_params) + " argument(s)");

  ScopeSwap swap(scope_, scope);
  for (size_t i = 0; i < n_params; ++i) {
    Value v;
    if (bound[i]) v = *bound[i];
    else if (m.params[i].default_value) v = eval(*m.params[i].default_value);
    else v = Value::undefined("parameter '" + m.params[i].name + "' was not provided");
    scope->set(m.params[i].name, std::move(v));
  }
  if (caller) scope->set("caller", *caller);
  if (m.uses_kwargs) {
    auto d = std::make_shared<DictData>();
    for (auto& [k, v] : kwargs) d->set(Value::string(k), v);
    scope->set("kwargs", Value::dict(std::move(d)));
  }
  if (m.uses_varargs) {
    std::vector<Value> extra;
    for (size_t i = n_params; i < args.positional.size(); ++i) extra.push_back(args.positional[i]);
    scope->set("varargs", Value::list(std::move(extra), SeqKind::Tuple));
  }
  std::string out;
  {
    OutputSwap swap_out(out_, &out);
    exec_block(m.body);
  }
  return Value::string(std::move(out), autoescape_);
}

// ---- expressions ----------------------------------------------------------

Value Interpreter::eval(const Expr& e) {
  DepthGuard guard(*this);
  charge(1);
  try {
    return eval_inner(e);
  } catch (TemplateError& err) {
    if (!err.has_offset()) err.set_offset(e.offset);
    throw;
  }
}

Value Interpreter::eval_inner(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: return e.literal;
    case ExprKind::Name: return lookup(e.name);
    case ExprKind::List:
    case ExprKind::Tuple: {
      std::vector<Value> items;
      items.reserve(e.items.size());
      for (const auto& i : e.items) items.push_back(eval(*i));
      return Value::list(std::move(items), e.kind == ExprKind::Tuple ? SeqKind::Tuple : SeqKind::List);
    }
    case ExprKind::Dict: {
      auto d = std::make_shared<DictData>();
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        Value k = eval(*e.items[i]);
        d->set(std::move(k), eval(*e.items[i + 1]));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::Unary: {
      const Value v = eval(*e.a);
      switch (e.unary_op) {
        case UnaryOp::Not: return Value::boolean(!py::truthy(v));
        case UnaryOp::Neg: return py::negate(v);
        case UnaryOp::Pos: return py::unary_plus(v);
      }
      return v;
    }
    case ExprKind::Binary: {
      const Value l = eval(*e.a);
      const Value r = eval(*e.b);
      Value out;
      switch (e.binary_op) {
        case BinaryOp::Add: out = py::add(l, r); break;
        case BinaryOp::Sub: out = py::subtract(l, r); break;
        case BinaryOp::Mul: out = py::multiply(l, r); break;
        case BinaryOp::Div: out = py::true_divide(l, r); break;
        case BinaryOp::FloorDiv: out = py::floor_divide(l, r); break;
        case BinaryOp::Mod: out = py::modulo(l, r); break;
        case BinaryOp::Pow: out = py::power(l, r); break;
      }
      charge_for(out);
      return out;
    }
    case ExprKind::And: {
      Value l = eval(*e.a);
      if (!py::truthy(l)) return l;
      return eval(*e.b);
    }
    case ExprKind::Or: {
      Value l = eval(*e.a);
      if (py::truthy(l)) return l;
      return eval(*e.b);
    }
    case ExprKind::Concat: {
      std::vector<Value> parts;
      parts.reserve(e.items.size());
      size_t total = 0;
      for (const auto& i : e.items) {
        Value v = eval(*i);
        if (!v.is_string() || (autoescape_ && !v.is_markup())) {
          std::string s = py::str(v);
          v = Value::string(autoescape_ && !v.is_markup() ? py::html_escape(s) : std::move(s));
        }
        total += v.as_string().size();
        parts.push_back(std::move(v));
      }
      if (total > py::kMaxBuiltString) py::throw_too_large(total, true);
      std::string s;
      s.reserve(total);
      for (const Value& v : parts) s += v.as_string();
      Value out = Value::string(std::move(s), autoescape_);
      charge_for(out);
      return out;
    }
    case ExprKind::Compare: return eval_compare(e);
    case ExprKind::Condition:
      if (py::truthy(eval(*e.b))) return eval(*e.a);
      if (e.c) return eval(*e.c);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined.");
    case ExprKind::GetAttr: return get_attr(eval(*e.a), e.name);
    case ExprKind::GetItem: {
      const Value obj = eval(*e.a);
      if (e.b->kind == ExprKind::Slice) return eval_slice(obj, *e.b);
      return get_item(obj, eval(*e.b));
    }
    case ExprKind::Slice: throw_runtime("TemplateRuntimeError: a slice can only be used in a subscript");
    case ExprKind::Call: return eval_call(e, nullptr);
    case ExprKind::Filter: return eval_filter(e, nullptr);
    case ExprKind::Test: {
      const Value v = eval(*e.a);
      CallArgs args = eval_args(e.args);
      if (!e.known) throw_runtime("TemplateRuntimeError: No test named '" + e.name + "' found.");
      return Value::boolean(apply_test(e.name, v, args));
    }
    case ExprKind::NamespaceRef:
      throw_runtime("TemplateRuntimeError: a namespace attribute reference can only be assigned to");
  }
  return Value();
}

Value Interpreter::eval_compare(const Expr& e) {
  Value left = eval(*e.a);
  for (size_t i = 0; i < e.compare_ops.size(); ++i) {
    Value right = eval(*e.items[i]);
    bool ok;
    switch (e.compare_ops[i]) {
      case CompareKind::Eq: ok = py::compare(py::CompareOp::Eq, left, right); break;
      case CompareKind::Ne: ok = py::compare(py::CompareOp::Ne, left, right); break;
      case CompareKind::Lt: ok = py::compare(py::CompareOp::Lt, left, right); break;
      case CompareKind::Le: ok = py::compare(py::CompareOp::Le, left, right); break;
      case CompareKind::Gt: ok = py::compare(py::CompareOp::Gt, left, right); break;
      case CompareKind::Ge: ok = py::compare(py::CompareOp::Ge, left, right); break;
      case CompareKind::In: ok = py::contains(right, left); break;
      case CompareKind::NotIn: ok = !py::contains(right, left); break;
    }
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

CallArgs Interpreter::eval_args(const CallArguments& a) {
  CallArgs out;
  for (const auto& p : a.positional) out.positional.push_back(eval(*p));
  if (a.star_args)
    for (Value& v : py::iterate(eval(*a.star_args))) out.positional.push_back(std::move(v));
  for (const auto& [k, v] : a.keyword) out.keyword.emplace_back(k, eval(*v));
  if (a.star_kwargs) {
    const Value d = eval(*a.star_kwargs);
    if (!d.is_dict())
      throw_runtime("TypeError: argument after ** must be a mapping, not " + py::type_name(d));
    for (const auto& [k, v] : d.as_dict().entries()) {
      if (!k.is_string()) throw_runtime("TypeError: keywords must be strings");
      out.keyword.emplace_back(k.as_string(), v);
    }
  }
  return out;
}

Value Interpreter::eval_call(const Expr& e, const Value* caller) {
  const Value callee = eval(*e.a);
  CallArgs args = eval_args(e.args);
  if (caller) args.keyword.emplace_back("caller", *caller);
  Value out = call(callee, args);
  charge_for(out);
  return out;
}

Value Interpreter::eval_filter(const Expr& e, const Value* block_input) {
  Value input;
  if (!e.a) input = block_input ? *block_input : Value();
  else if (e.a->kind == ExprKind::Filter && block_input) input = eval_filter(*e.a, block_input);
  else input = eval(*e.a);
  CallArgs args = eval_args(e.args);
  if (!e.known) throw_runtime("TemplateRuntimeError: No filter named '" + e.name + "' found.");
  Value out = apply_filter(e.name, input, args);
  charge_for(out);
  return out;
}

Value Interpreter::eval_slice(const Value& obj, const Expr& slice) {
  // Jinja evaluates slices with Python's own subscript (no undefined fallback).
  Value parts[3];
  for (size_t i = 0; i < 3; ++i) parts[i] = slice.items[i] ? eval(*slice.items[i]) : Value::none();
  if (obj.is_undefined()) py::throw_undefined(obj);
  const bool sequence = obj.is_list() && (obj.seq_kind() == SeqKind::List || obj.seq_kind() == SeqKind::Tuple ||
                                          obj.seq_kind() == SeqKind::Range);
  if (obj.is_dict()) throw_runtime("TypeError: unhashable type: 'slice'");
  if (!obj.is_string() && !sequence)
    throw_runtime("TypeError: '" + py::type_name(obj) + "' object is not subscriptable");
  bool invalid = false;
  const auto start = slice_bound(parts[0], invalid);
  const auto stop = slice_bound(parts[1], invalid);
  const auto step = slice_bound(parts[2], invalid);
  if (invalid) throw_runtime("TypeError: slice indices must be integers or None or have an __index__ method");
  int64_t first, stride, last;
  if (obj.is_string()) {
    const std::string& s = obj.as_string();
    const bool ascii = text::is_ascii(s);
    const std::u32string cps = ascii ? std::u32string() : text::decode(s);
    const int64_t len = ascii ? static_cast<int64_t>(s.size()) : static_cast<int64_t>(cps.size());
    const int64_t n = py::adjust_slice(len, start, stop, step.value_or(1), first, stride);
    std::string out;
    for (int64_t i = 0, k = first; i < n; ++i, k += stride) {
      if (ascii) out += s[static_cast<size_t>(k)];
      else text::append_utf8(out, cps[static_cast<size_t>(k)]);
    }
    Value v = Value::string(std::move(out), obj.is_markup());
    charge_for(v);
    return v;
  }
  const ListData& list = obj.as_list();
  const auto& items = list.items;
  const int64_t n =
      py::adjust_slice(static_cast<int64_t>(items.size()), start, stop, step.value_or(1), first, stride, &last);
  std::vector<Value> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0, k = first; i < n; ++i, k += stride) out.push_back(items[static_cast<size_t>(k)]);
  if (list.kind == SeqKind::Range) {
    auto r = std::make_shared<ListData>(std::move(out), SeqKind::Range);
    r->range_start = list.range_start + first * list.range_step;
    r->range_stop = list.range_start + last * list.range_step;
    r->range_step = list.range_step * stride;
    Value v = Value::from_list(std::move(r));
    charge_for(v);
    return v;
  }
  Value v = Value::list(std::move(out), list.kind);
  charge_for(v);
  return v;
}

// ---- lookups --------------------------------------------------------------

Value Interpreter::lookup(const std::string& name) {
  for (Scope* s = scope_.get(); s; s = s->parent.get())
    if (const Value* v = s->find(name)) return *v;
  return global(name);
}

Value Interpreter::global(const std::string& name) {
  auto it = globals_.find(name);
  if (it != globals_.end()) return it->second;
  return Value::undefined(std::string("'") + name + "' is undefined");
}

Value Interpreter::get_attr(const Value& obj, std::string_view name) { return get_attr(obj, name, true); }

Value Interpreter::get_attr(const Value& obj, std::string_view name, bool then_item) {
  if (obj.is_undefined()) py::throw_undefined(obj);
  if (name.rfind("__", 0) == 0)
    return Value::undefined("access to attribute '" + std::string(name) + "' of '" + py::type_name(obj) +
                                "' object is unsafe.",
                            true);
  if (obj.is_object()) {
    if (auto v = obj.as_object().attribute(*this, name)) return *v;
    return missing_attribute(obj, name);
  }
  if (obj.is_list() && obj.as_list().field_names) {
    const auto& fields = *obj.as_list().field_names;
    for (size_t i = 0; i < fields.size() && i < obj.as_list().items.size(); ++i)
      if (fields[i] == name) return obj.as_list().items[i];
  }
  if (auto m = find_method(*this, obj, name)) return *m;
  if (then_item && obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  }
  return missing_attribute(obj, name);
}

Value Interpreter::get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) py::throw_undefined(obj);
  switch (obj.kind()) {
    case Value::Kind::Dict: {
      const Value* v = nullptr;
      try {
        v = obj.as_dict().find(key);
      } catch (const TemplateError&) {
        return missing_item(obj, key);  // unhashable key: Jinja catches the TypeError
      }
      if (v) return *v;
      break;
    }
    case Value::Kind::List: {
      const SeqKind k = obj.seq_kind();
      if ((k == SeqKind::List || k == SeqKind::Tuple || k == SeqKind::Range) && key.is_integral()) {
        const auto& items = obj.as_list().items;
        int64_t i = key.as_int();
        if (i < 0) i += static_cast<int64_t>(items.size());
        if (i >= 0 && i < static_cast<int64_t>(items.size())) return items[static_cast<size_t>(i)];
        return missing_item(obj, key);
      }
      break;
    }
    case Value::Kind::String: {
      if (key.is_integral()) {
        const std::string& s = obj.as_string();
        int64_t i = key.as_int();
        if (text::is_ascii(s)) {
          if (i < 0) i += static_cast<int64_t>(s.size());
          if (i >= 0 && i < static_cast<int64_t>(s.size()))
            return Value::string(std::string(1, s[static_cast<size_t>(i)]), obj.is_markup());
        } else {
          const std::u32string cps = text::decode(s);
          if (i < 0) i += static_cast<int64_t>(cps.size());
          if (i >= 0 && i < static_cast<int64_t>(cps.size())) {
            std::string one;
            text::append_utf8(one, cps[static_cast<size_t>(i)]);
            return Value::string(std::move(one), obj.is_markup());
          }
        }
        return missing_item(obj, key);
      }
      break;
    }
    default: break;
  }
  // Item access failed: Jinja then tries the attribute of that name.
  if (key.is_string()) return get_attr(obj, key.as_string(), false);
  return missing_item(obj, key);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) py::throw_undefined(callee);
  if (callee.is_object() && callee.as_object().is_callable()) return callee.as_object().call(*this, args);
  throw_runtime("TypeError: '" + py::type_name(callee) + "' object is not callable");
}

Value Interpreter::apply_filter(std::string_view name, const Value& input, CallArgs& args) {
  return apply_builtin_filter(*this, name, input, args);
}

bool Interpreter::apply_test(std::string_view name, const Value& v, CallArgs& args) {
  return apply_builtin_test(*this, name, v, args);
}

}  // namespace pg::jinja
