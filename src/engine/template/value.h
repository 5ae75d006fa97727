// The dynamic value of the Jinja interpreter, modelled on the Python objects a
// Hugging Face chat template sees: undefined, None, bool, int, float, str (with
// a Markup flag), list/tuple/dict views/range, dict (insertion ordered) and
// objects (namespace, macro, loop, bound method, generator, ...).
//
// Values are cheap to copy: strings and containers live in reference-counted
// heap nodes, like Python references. Containers are destroyed iteratively, so
// a hostile template that builds a very deep structure cannot overflow the
// stack when it is freed. This file must never know about templates, parsing
// or rendering; Python semantics (str(), ==, <, +) live in python_ops.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pg::jinja {

class Value;

// Anything a Value keeps on the heap. take_children() moves out the heap nodes
// this node owns that may own further nodes, so that destruction is a loop
// instead of a recursion.
class HeapNode : public std::enable_shared_from_this<HeapNode> {
 public:
  virtual ~HeapNode() = default;
  virtual void take_children(std::vector<std::shared_ptr<HeapNode>>& out) {}

 public:
  // Call from the destructor of every node that owns Values.
  static void destroy_iteratively(std::vector<Value>& values);
  // Releases nodes (and, iteratively, what they own).
  static void destroy_pending(std::vector<std::shared_ptr<HeapNode>>& nodes);
  // Call from the destructor of a node whose take_children() gives up what it
  // owns: releases those children iteratively (the override of the class being
  // destroyed runs, as in any call from a destructor).
  void destroy_children();
};

struct StringNode final : HeapNode {
  explicit StringNode(std::string s) : text(std::move(s)) {}
  std::string text;
};

// Python's sequence types that templates meet; all hold their items in a vector.
enum class SeqKind : uint8_t { List, Tuple, DictKeys, DictValues, DictItems, Range };

struct ListData final : HeapNode {
  ListData() = default;
  ListData(std::vector<Value> v, SeqKind k);
  ~ListData() override;
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;

  std::vector<Value> items;
  SeqKind kind = SeqKind::List;
  // For Range: the constructor's arguments, to print `range(0, 10, 2)`.
  int64_t range_start = 0, range_stop = 0, range_step = 1;
  // For tuples with named fields (groupby's (grouper, list)): field names.
  std::shared_ptr<const std::vector<std::string>> field_names;
};

class DictData final : public HeapNode {
 public:
  ~DictData() override;
  void take_children(std::vector<std::shared_ptr<HeapNode>>& out) override;

  // Lookups and stores throw TypeError (via python_ops) for unhashable keys.
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);
  bool erase(const Value& key);
  void clear();
  // Defined below Value: clang needs the pair's type complete here.
  size_t size() const;
  bool empty() const;
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }

 private:
  std::optional<size_t> index_of(const Value& key) const;
  void rebuild_index() const;

  std::vector<std::pair<Value, Value>> entries_;
  // Built once the dict grows past a few entries; small dicts scan linearly.
  mutable std::unordered_map<std::string, size_t> index_;
  mutable bool indexed_ = false;
};

class Object;

using ListPtr = std::shared_ptr<ListData>;
using DictPtr = std::shared_ptr<DictData>;
using ObjectPtr = std::shared_ptr<Object>;

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Object };

  Value() = default;  // undefined without a hint
  static Value undefined(std::string hint = {}, bool unsafe = false);
  static Value none() { return Value(Kind::None); }
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double f);
  static Value string(std::string s, bool markup = false);
  static Value list(std::vector<Value> items, SeqKind kind = SeqKind::List);
  static Value from_list(ListPtr l);
  static Value dict(DictPtr d);
  static Value new_dict();
  static Value object(ObjectPtr o);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_integral() const { return kind_ == Kind::Int || kind_ == Kind::Bool; }  // Python int incl. bool
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_markup() const { return kind_ == Kind::String && flag_; }
  bool is_unsafe_undefined() const { return kind_ == Kind::Undefined && flag_; }

  bool as_bool() const { return flag_; }
  int64_t as_int() const { return kind_ == Kind::Bool ? (flag_ ? 1 : 0) : int_; }
  double as_float() const { return kind_ == Kind::Float ? float_ : static_cast<double>(as_int()); }
  const std::string& as_string() const;
  std::string_view undefined_hint() const;
  ListData& as_list() const { return static_cast<ListData&>(*heap_); }
  DictData& as_dict() const { return static_cast<DictData&>(*heap_); }
  Object& as_object() const;
  ListPtr list_ptr() const { return std::static_pointer_cast<ListData>(heap_); }
  DictPtr dict_ptr() const { return std::static_pointer_cast<DictData>(heap_); }
  ObjectPtr object_ptr() const;
  SeqKind seq_kind() const { return as_list().kind; }
  bool is_tuple() const { return kind_ == Kind::List && as_list().kind == SeqKind::Tuple; }
  // Identity of the heap node (for Python's `is` and recursion detection).
  const void* identity() const { return heap_.get(); }
  const std::shared_ptr<HeapNode>& heap() const { return heap_; }

 private:
  explicit Value(Kind k) : kind_(k) {}

  Kind kind_ = Kind::Undefined;
  bool flag_ = false;  // bool value, Markup flag of strings, "unsafe" of undefined
  union {
    int64_t int_ = 0;
    double float_;
  };
  std::shared_ptr<HeapNode> heap_;
};

// Positional and keyword arguments of a call, after evaluation.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

class Interpreter;

// Interpreter-side objects: namespace, macro, loop, bound method, ...
class Object : public HeapNode {
 public:
  virtual std::string type_name() const = 0;  // Python-like, for messages
  // repr(); `child` renders nested values (it guards against cycles).
  virtual std::string repr(const std::function<std::string(const Value&)>& child) const {
    std::string s = "<";
    s += type_name();
    s += " object>";
    return s;
  }
  virtual bool is_callable() const { return false; }
  virtual Value call(Interpreter& in, CallArgs& args);  // throws if not callable
  // nullopt: no such attribute (the caller then tries item access / undefined).
  virtual std::optional<Value> attribute(Interpreter& in, std::string_view name) {
    return std::nullopt;
  }
  // Single-pass iterators (generators) return their remaining items.
  virtual bool is_iterator() const { return false; }
  virtual std::vector<Value> drain() { return {}; }
};

inline size_t DictData::size() const { return entries_.size(); }
inline bool DictData::empty() const { return entries_.empty(); }

}  // namespace pg::jinja
