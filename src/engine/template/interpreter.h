// The tree-walking interpreter: renders a parsed Program with a context of
// variables, with Jinja2's scoping (a for-loop iteration, macro call, with
// block or captured block gets its own scope; if does not), undefined values,
// loop controls and macros. It enforces the RenderLimits. One Interpreter is
// one render on one thread; the Program it reads is shared and never changed.
// It must never let an exception other than TemplateError escape render().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/template/ast.h"
#include "engine/template/objects.h"
#include "engine/template/render_options.h"
#include "engine/template/value.h"

namespace pg::jinja {

// Variables of one scope. Most scopes (a loop iteration, a macro call) hold a
// handful of names, so they are scanned linearly; big ones get a hash map.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent_scope = nullptr) : parent(std::move(parent_scope)) {}
  ~Scope();
  Value* find(std::string_view name);
  void set(const std::string& name, Value v);

  std::shared_ptr<Scope> parent;

 private:
  static constexpr size_t kLinearLimit = 16;
  std::vector<std::pair<std::string, Value>> small_;
  std::unordered_map<std::string, Value> big_;
};

class Interpreter {
 public:
  Interpreter(const Program& program, const RenderOptions& options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Renders with the variables of `context` (a dict). Throws TemplateError.
  std::string render(const Value& context);

  // ---- services for filters, tests, methods and objects -------------------
  Value get_attr(const Value& obj, std::string_view name);
  Value get_item(const Value& obj, const Value& key);
  Value call(const Value& callee, CallArgs& args);
  Value apply_filter(std::string_view name, const Value& input, CallArgs& args);
  bool apply_test(std::string_view name, const Value& v, CallArgs& args);
  void charge(uint64_t steps);
  void charge_for(const Value& created);
  void count_iterations(uint64_t n);
  const RenderOptions& options() const { return options_; }
  bool autoescape() const { return autoescape_; }
  // A container that now may be part of a reference cycle (a namespace
  // attribute, an appended list); cleared when the render ends.
  void note_possible_cycle(const Value& container);

  Value call_macro(MacroObject& macro, CallArgs& args);
  Value call_recursive_loop(const Stmt& loop_stmt, const std::shared_ptr<Scope>& scope, const Value& iterable,
                            int64_t depth0);

 private:
  enum class Flow { Normal, Break, Continue };

  struct DepthGuard {
    explicit DepthGuard(Interpreter& in);
    ~DepthGuard() { --in_.depth_; }
    Interpreter& in_;
  };

  Flow exec_block(const StmtList& body);
  Flow exec(const Stmt& s);
  Flow exec_if(const Stmt& s);
  Flow exec_for(const Stmt& s);
  void run_loop(const Stmt& s, const Value& iterable, int64_t depth0);
  void exec_set(const Stmt& s);
  void exec_set_block(const Stmt& s);
  void exec_call_block(const Stmt& s);
  void exec_filter_block(const Stmt& s);
  void exec_with(const Stmt& s);
  void exec_in_new_scope(const StmtList& body, std::shared_ptr<Scope> parent);
  std::string capture(const StmtList& body, std::shared_ptr<Scope> scope);

  Value eval(const Expr& e);
  Value eval_inner(const Expr& e);
  Value eval_compare(const Expr& e);
  Value eval_call(const Expr& e, const Value* caller);
  Value eval_filter(const Expr& e, const Value* block_input);
  Value eval_slice(const Value& obj, const Expr& slice);
  CallArgs eval_args(const CallArguments& a);

  void assign(const Expr& target, const Value& v);
  // Attribute access; `then_item` falls back to item access like Jinja's getattr.
  Value get_attr(const Value& obj, std::string_view name, bool then_item);
  Value lookup(const std::string& name);
  Value global(const std::string& name);

  void write(std::string_view s);
  void write_value(const Value& v);

  const Program& program_;
  const RenderOptions& options_;
  std::shared_ptr<Scope> root_;
  std::shared_ptr<Scope> scope_;  // innermost scope
  std::string* out_ = nullptr;
  uint64_t steps_ = 0;
  uint64_t iterations_ = 0;
  int depth_ = 0;
  bool autoescape_ = false;
  std::unordered_map<std::string, Value> globals_;
  std::vector<Value> cycle_candidates_;
  std::unordered_set<const void*> cycle_ids_;
};

}  // namespace pg::jinja
