// The interpreter's Python-like objects (see objects.h).
#include "engine/template/objects.h"

#include "engine/template/interpreter.h"
#include "engine/template/methods.h"
#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"

namespace pg::jinja {
namespace {

void push_if_heap(const Value& v, std::vector<std::shared_ptr<HeapNode>>& out) {
  if (v.is_list() || v.is_dict() || v.is_object()) out.push_back(v.heap());
}

}  // namespace

// ---- NamespaceObject ------------------------------------------------------

NamespaceObject::~NamespaceObject() { destroy_children(); }

std::string NamespaceObject::repr(const std::function<std::string(const Value&)>& child) const {
  if (!attributes_) return "<Namespace {}>";
  return "<Namespace " + child(Value::dict(attributes_)) + ">";
}

std::optional<Value> NamespaceObject::attribute(Interpreter&, std::string_view name) {
  if (!attributes_) return std::nullopt;
  if (const Value* v = attributes_->find(name)) return *v;
  return std::nullopt;
}

void NamespaceObject::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  if (attributes_) out.push_back(std::move(attributes_));
  attributes_.reset();
}

// ---- MacroObject ----------------------------------------------------------

Value MacroObject::call(Interpreter& in, CallArgs& args) { return in.call_macro(*this, args); }

std::optional<Value> MacroObject::attribute(Interpreter&, std::string_view name) {
  if (name == "name") return Value::string(name_);
  if (name == "arguments") {
    std::vector<Value> names;
    for (const auto& p : stmt_->params) names.push_back(Value::string(p.name));
    return Value::list(std::move(names), SeqKind::Tuple);
  }
  if (name == "catch_kwargs") return Value::boolean(stmt_->uses_kwargs);
  if (name == "catch_varargs") return Value::boolean(stmt_->uses_varargs);
  if (name == "caller") return Value::boolean(stmt_->uses_caller);
  return std::nullopt;
}

// ---- LoopObject -----------------------------------------------------------

LoopObject::~LoopObject() { destroy_children(); }

void LoopObject::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  for (const Value& v : last_changed_) push_if_heap(v, out);
  last_changed_.clear();
  // items_ is shared with the running loop; it holds no cycles back to us.
}

std::string LoopObject::repr(const std::function<std::string(const Value&)>&) const {
  return "<LoopContext " + std::to_string(index0_ + 1) + "/" + std::to_string(items_->size()) + ">";
}

Value LoopObject::call(Interpreter& in, CallArgs& args) {
  if (!stmt_->recursive)
    throw_runtime("TypeError: The loop must be marked as recursive to be called recursively.");
  if (args.positional.size() != 1 || !args.keyword.empty())
    throw_runtime("TypeError: loop() takes exactly one argument (the iterable)");
  return in.call_recursive_loop(*stmt_, scope_.lock(), args.positional[0], depth0_ + 1);
}

Value LoopObject::cycle(const CallArgs& args) const {
  if (args.positional.empty()) throw_runtime("TypeError: no items for cycling given");
  return args.positional[index0_ % args.positional.size()];
}

bool LoopObject::changed(const CallArgs& args) {
  if (has_last_changed_ && last_changed_.size() == args.positional.size()) {
    bool same = true;
    for (size_t i = 0; i < args.positional.size() && same; ++i)
      same = py::equals(last_changed_[i], args.positional[i]);
    if (same) return false;
  }
  last_changed_ = args.positional;
  has_last_changed_ = true;
  return true;
}

std::optional<Value> LoopObject::attribute(Interpreter&, std::string_view name) {
  const auto n = static_cast<int64_t>(items_->size());
  const auto i = static_cast<int64_t>(index0_);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(depth0_ + 1);
  if (name == "depth0") return Value::integer(depth0_);
  if (name == "previtem") {
    if (i == 0) return Value::undefined("there is no previous item");
    return (*items_)[index0_ - 1];
  }
  if (name == "nextitem") {
    if (i + 1 >= n) return Value::undefined("there is no next item");
    return (*items_)[index0_ + 1];
  }
  if (name == "cycle" || name == "changed")
    return Value::object(std::make_shared<BoundMethodObject>(
        Value::object(std::static_pointer_cast<Object>(shared_from_this())), std::string(name)));
  return std::nullopt;
}

// ---- BoundMethodObject ----------------------------------------------------

BoundMethodObject::~BoundMethodObject() { destroy_children(); }

void BoundMethodObject::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  push_if_heap(receiver_, out);
  receiver_ = Value::none();
}

std::string BoundMethodObject::repr(const std::function<std::string(const Value&)>&) const {
  return "<built-in method " + name_ + " of " + py::type_name(receiver_) + " object>";
}

Value BoundMethodObject::call(Interpreter& in, CallArgs& args) {
  if (receiver_.is_object()) {
    if (auto* loop = dynamic_cast<LoopObject*>(&receiver_.as_object())) {
      if (name_ == "cycle") return loop->cycle(args);
      if (name_ == "changed") return Value::boolean(loop->changed(args));
    }
    if (auto* cycler = dynamic_cast<CyclerObject*>(&receiver_.as_object())) {
      if (name_ == "next") return cycler->next_item();
      cycler->reset();
      return Value::none();
    }
  }
  return call_method(in, receiver_, name_, args);
}

// ---- CyclerObject / JoinerObject ------------------------------------------

CyclerObject::~CyclerObject() { destroy_iteratively(items_); }

void CyclerObject::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  for (const Value& v : items_) push_if_heap(v, out);
  items_.clear();
  items_.push_back(Value::none());
  pos_ = 0;
}

Value CyclerObject::next_item() {
  Value v = items_[pos_];
  pos_ = (pos_ + 1) % items_.size();
  return v;
}

std::optional<Value> CyclerObject::attribute(Interpreter&, std::string_view name) {
  if (name == "current") return current();
  if (name == "items") return Value::list(items_);
  if (name == "next" || name == "reset")
    return Value::object(std::make_shared<BoundMethodObject>(Value::object(std::static_pointer_cast<Object>(shared_from_this())), std::string(name)));
  return std::nullopt;
}

Value JoinerObject::call(Interpreter&, CallArgs&) {
  if (!used_) {
    used_ = true;
    return Value::string("");
  }
  return Value::string(sep_);
}

// ---- IteratorObject -------------------------------------------------------

IteratorObject::~IteratorObject() { destroy_iteratively(items_); }

std::vector<Value> IteratorObject::drain() {
  std::vector<Value> rest(std::make_move_iterator(items_.begin() + static_cast<std::ptrdiff_t>(pos_)),
                          std::make_move_iterator(items_.end()));
  items_.clear();
  pos_ = 0;
  return rest;
}

std::optional<Value> IteratorObject::next_item() {
  if (pos_ >= items_.size()) return std::nullopt;
  return std::move(items_[pos_++]);
}

void IteratorObject::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  for (const Value& v : items_) push_if_heap(v, out);
  items_.clear();
}

Value make_iterator(std::string python_type, std::vector<Value> items) {
  return Value::object(std::make_shared<IteratorObject>(std::move(python_type), std::move(items)));
}

}  // namespace pg::jinja
