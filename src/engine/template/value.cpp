// Construction, storage and iterative destruction of Values (see value.h).
#include "engine/template/value.h"

#include "engine/template/python_ops.h"
#include "engine/template/template_error.h"

namespace pg::jinja {
namespace {

constexpr size_t kLinearScanLimit = 8;  // dicts up to this size need no hash index

bool may_own_nodes(const Value& v) { return v.is_list() || v.is_dict() || v.is_object(); }

// Frees the heap nodes in `pending` without recursion: a node that is about to
// die first hands its own children to the worklist.
void drain(std::vector<std::shared_ptr<HeapNode>>& pending) {
  while (!pending.empty()) {
    std::shared_ptr<HeapNode> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) node->take_children(pending);
  }
}

void take_from_values(std::vector<Value>& values, std::vector<std::shared_ptr<HeapNode>>& out) {
  for (Value& v : values)
    if (may_own_nodes(v)) out.push_back(v.heap());
  values.clear();
}

}  // namespace

void HeapNode::destroy_iteratively(std::vector<Value>& values) {
  std::vector<std::shared_ptr<HeapNode>> pending;
  take_from_values(values, pending);
  drain(pending);
}

void HeapNode::destroy_pending(std::vector<std::shared_ptr<HeapNode>>& nodes) { drain(nodes); }

void HeapNode::destroy_children() {
  std::vector<std::shared_ptr<HeapNode>> pending;
  take_children(pending);
  drain(pending);
}

ListData::ListData(std::vector<Value> v, SeqKind k) : items(std::move(v)), kind(k) {}

ListData::~ListData() { destroy_iteratively(items); }

void ListData::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  take_from_values(items, out);
}

DictData::~DictData() {
  std::vector<Value> values;
  values.reserve(entries_.size() * 2);
  for (auto& [k, v] : entries_) {
    values.push_back(std::move(k));
    values.push_back(std::move(v));
  }
  entries_.clear();
  destroy_iteratively(values);
}

void DictData::take_children(std::vector<std::shared_ptr<HeapNode>>& out) {
  for (auto& [k, v] : entries_) {
    if (may_own_nodes(k)) out.push_back(k.heap());
    if (may_own_nodes(v)) out.push_back(v.heap());
  }
  entries_.clear();
  index_.clear();
  indexed_ = false;
}

void DictData::rebuild_index() const {
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(py::hash_key(entries_[i].first), i);
  indexed_ = true;
}

std::optional<size_t> DictData::index_of(const Value& key) const {
  if (entries_.size() <= kLinearScanLimit) {
    if (!key.is_string()) py::hash_key(key);  // unhashable keys fail even on a miss
    for (size_t i = 0; i < entries_.size(); ++i)
      if (py::equals(entries_[i].first, key)) return i;
    return std::nullopt;
  }
  if (!indexed_) rebuild_index();
  auto it = index_.find(py::hash_key(key));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

const Value* DictData::find(const Value& key) const {
  auto i = index_of(key);
  return i ? &entries_[*i].second : nullptr;
}

const Value* DictData::find(std::string_view key) const {
  if (entries_.size() <= kLinearScanLimit) {
    for (const auto& [k, v] : entries_)
      if (k.is_string() && k.as_string() == key) return &v;
    return nullptr;
  }
  return find(Value::string(std::string(key)));
}

void DictData::set(Value key, Value value) {
  if (auto i = index_of(key)) {
    entries_[*i].second = std::move(value);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(value));
  if (indexed_) index_.emplace(py::hash_key(entries_.back().first), entries_.size() - 1);
}

bool DictData::erase(const Value& key) {
  auto i = index_of(key);
  if (!i) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(*i));
  indexed_ = false;
  index_.clear();
  return true;
}

void DictData::clear() {
  std::vector<std::shared_ptr<HeapNode>> pending;
  take_children(pending);
  drain(pending);
}

Value Value::undefined(std::string hint, bool unsafe) {
  Value v(Kind::Undefined);
  v.flag_ = unsafe;
  if (!hint.empty()) v.heap_ = std::make_shared<StringNode>(std::move(hint));
  return v;
}

Value Value::boolean(bool b) {
  Value v(Kind::Bool);
  v.flag_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v(Kind::Int);
  v.int_ = i;
  return v;
}

Value Value::number(double f) {
  Value v(Kind::Float);
  v.float_ = f;
  return v;
}

Value Value::string(std::string s, bool markup) {
  Value v(Kind::String);
  v.flag_ = markup;
  v.heap_ = std::make_shared<StringNode>(std::move(s));
  return v;
}

Value Value::list(std::vector<Value> items, SeqKind kind) {
  return from_list(std::make_shared<ListData>(std::move(items), kind));
}

Value Value::from_list(ListPtr l) {
  Value v(Kind::List);
  v.heap_ = std::move(l);
  return v;
}

Value Value::dict(DictPtr d) {
  Value v(Kind::Dict);
  v.heap_ = std::move(d);
  return v;
}

Value Value::new_dict() { return dict(std::make_shared<DictData>()); }

Value Value::object(ObjectPtr o) {
  Value v(Kind::Object);
  v.heap_ = std::move(o);
  return v;
}

const std::string& Value::as_string() const { return static_cast<StringNode&>(*heap_).text; }

std::string_view Value::undefined_hint() const {
  if (!heap_) return {};
  return static_cast<StringNode&>(*heap_).text;
}

Object& Value::as_object() const { return static_cast<Object&>(*heap_); }

ObjectPtr Value::object_ptr() const { return std::static_pointer_cast<Object>(heap_); }

Value Object::call(Interpreter&, CallArgs&) {
  throw_runtime("TypeError: '" + type_name() + "' object is not callable");
}

}  // namespace pg::jinja
