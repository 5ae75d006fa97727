// The interpreter's Python-like objects: namespace(), macros (and the caller of
// a call block), the `loop` variable, bound methods of str/list/dict, builtin
// functions, cycler/joiner, and single-pass iterators (what Jinja's generator
// filters such as map/select return). They hold no rendering state beyond
// their own; everything they compute goes through the Interpreter passed to
// them. They must never hold the interpreter itself.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/ast.h"
#include "engine/template/value.h"

namespace pg::jinja {

struct Scope;

class NamespaceObject final : public Object {
 public:
  NamespaceObject() : attributes_(std::make_shared<DictData>()) {}
  ~NamespaceObject() override;
  std::string type_name() const override { return "Namespace"; }
  std::string repr(const std::function<std::string(const Value&)>& child) const override;
  std::optional<Value> attribute(Interpreter& in, std::string_view name) override;
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;

  void set(const std::string& name, Value v) { attributes_->set(Value::string(name), std::move(v)); }
  DictData& attributes() { return *attributes_; }

 private:
  DictPtr attributes_;
};

// A macro, or the `caller` of a {% call %} block (then stmt is the CallBlock).
class MacroObject final : public Object {
 public:
  MacroObject(const Stmt* stmt, std::string name, std::weak_ptr<Scope> scope)
      : stmt_(stmt), name_(std::move(name)), scope_(std::move(scope)) {}
  std::string type_name() const override { return "Macro"; }
  std::string repr(const std::function<std::string(const Value&)>&) const override { return "<Macro '" + name_ + "'>"; }
  bool is_callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override;
  std::optional<Value> attribute(Interpreter& in, std::string_view name) override;

  const Stmt& stmt() const { return *stmt_; }
  const std::string& name() const { return name_; }
  std::shared_ptr<Scope> scope() const { return scope_.lock(); }

 private:
  const Stmt* stmt_;
  std::string name_;
  std::weak_ptr<Scope> scope_;  // weak: a scope that holds its own macro must not leak
};

// The `loop` variable of a for loop.
class LoopObject final : public Object {
 public:
  LoopObject(std::shared_ptr<const std::vector<Value>> items, int64_t depth0, const Stmt* stmt,
             std::weak_ptr<Scope> scope)
      : items_(std::move(items)), depth0_(depth0), stmt_(stmt), scope_(std::move(scope)) {}
  ~LoopObject() override;
  std::string type_name() const override { return "LoopContext"; }
  std::string repr(const std::function<std::string(const Value&)>&) const override;
  bool is_callable() const override { return stmt_->recursive; }
  Value call(Interpreter& in, CallArgs& args) override;
  std::optional<Value> attribute(Interpreter& in, std::string_view name) override;
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;

  void set_index(size_t i) { index0_ = i; }
  Value cycle(const CallArgs& args) const;
  bool changed(const CallArgs& args);

 private:
  std::shared_ptr<const std::vector<Value>> items_;
  size_t index0_ = 0;
  int64_t depth0_;
  const Stmt* stmt_;
  std::weak_ptr<Scope> scope_;
  std::vector<Value> last_changed_;
  bool has_last_changed_ = false;
};

// `obj.method` before it is called: `'a b'.split`, `d.items`, `loop.cycle`.
class BoundMethodObject final : public Object {
 public:
  BoundMethodObject(Value receiver, std::string name) : receiver_(std::move(receiver)), name_(std::move(name)) {}
  ~BoundMethodObject() override;
  std::string type_name() const override { return "builtin_function_or_method"; }
  std::string repr(const std::function<std::string(const Value&)>&) const override;
  bool is_callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override;
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;

 private:
  Value receiver_;
  std::string name_;
};

using BuiltinFn = Value (*)(Interpreter& in, CallArgs& args);

// A global function: range, dict, namespace, raise_exception, ...
class BuiltinFunctionObject final : public Object {
 public:
  BuiltinFunctionObject(std::string name, std::string repr, BuiltinFn fn)
      : name_(std::move(name)), repr_(std::move(repr)), fn_(fn) {}
  std::string type_name() const override { return "builtin_function_or_method"; }
  std::string repr(const std::function<std::string(const Value&)>&) const override { return repr_; }
  bool is_callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override { return fn_(in, args); }

 private:
  std::string name_, repr_;
  BuiltinFn fn_;
};

class CyclerObject final : public Object {
 public:
  explicit CyclerObject(std::vector<Value> items) : items_(std::move(items)) {}
  ~CyclerObject() override;
  std::string type_name() const override { return "Cycler"; }
  std::optional<Value> attribute(Interpreter& in, std::string_view name) override;
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;
  Value next_item();
  void reset() { pos_ = 0; }
  Value current() const { return items_[pos_]; }

 private:
  std::vector<Value> items_;
  size_t pos_ = 0;
};

class JoinerObject final : public Object {
 public:
  explicit JoinerObject(std::string sep) : sep_(std::move(sep)) {}
  std::string type_name() const override { return "Joiner"; }
  bool is_callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override;

 private:
  std::string sep_;
  bool used_ = false;
};

// A single-pass iterator: iterating it (or list(), join, ...) consumes it, it
// is always true, and it has no len(), like a Python generator.
class IteratorObject final : public Object {
 public:
  IteratorObject(std::string python_type, std::vector<Value> items)
      : python_type_(std::move(python_type)), items_(std::move(items)) {}
  ~IteratorObject() override;
  std::string type_name() const override { return python_type_; }
  std::string repr(const std::function<std::string(const Value&)>&) const override {
    return std::string("<") + python_type_ + " object>";
  }
  bool is_iterator() const override { return true; }
  std::vector<Value> drain() override;
  std::optional<Value> next_item();  // nullopt when exhausted
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;

 private:
  std::string python_type_;
  std::vector<Value> items_;
  size_t pos_ = 0;
};

Value make_iterator(std::string python_type, std::vector<Value> items);

}  // namespace pg::jinja
