// The syntax tree of a parsed template: expressions and statements, each with
// the byte offset of its source for error messages. The tree is immutable
// after parsing and shared by every render of a template (renders may run on
// several threads). Pure data: it must never hold evaluation state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/template/value.h"

namespace pg::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

enum class ExprKind : uint8_t {
  Literal,    // literal
  Name,       // name
  List,       // items
  Tuple,      // items
  Dict,       // items: key, value, key, value, ...
  Unary,      // op (Neg/Pos/Not), a
  Binary,     // op, a, b
  And,        // a, b
  Or,         // a, b
  Concat,     // items (the ~ operator)
  Compare,    // a, then compare_ops[i] with items[i]
  Condition,  // a if b else c (c may be null)
  GetAttr,    // a.name
  GetItem,    // a[b]
  Slice,      // a[b:c:d] parts in items (nullptr when omitted)
  Call,       // a(args)
  Filter,     // a | name(args); a is null in filter blocks
  Test,       // a is name(args)
  NamespaceRef,  // name.attr as an assignment target
};

enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class UnaryOp : uint8_t { Neg, Pos, Not };
enum class CompareKind : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct CallArguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    // *args
  ExprPtr star_kwargs;  // **kwargs
};

struct Expr {
  ExprKind kind;
  uint32_t offset = 0;
  Value literal;
  std::string name;  // Name, GetAttr attribute, Filter/Test name, NamespaceRef namespace
  std::string attr;  // NamespaceRef attribute
  BinaryOp binary_op = BinaryOp::Add;
  UnaryOp unary_op = UnaryOp::Neg;
  std::vector<CompareKind> compare_ops;
  ExprPtr a, b, c;
  std::vector<ExprPtr> items;
  CallArguments args;
  bool known = true;  // Filter/Test: exists (unknown ones fail when evaluated)
};

enum class StmtKind : uint8_t {
  Output,       // text
  Print,        // expr
  If,           // expr, body, else_body (elif chains nest in else_body)
  For,          // target, expr (iterable), filter, body, else_body, recursive
  Set,          // target, expr
  SetBlock,     // target, filter (may be null), body
  Macro,        // name, params, body
  CallBlock,    // expr (the call), params (caller's), body
  FilterBlock,  // filter (chain with null innermost operand), body
  With,         // with_targets/with_values, body
  Block,        // name, body, scoped
  Break,
  Continue,
  Generation,   // body ({% generation %} of Hugging Face's AssistantTracker)
  Autoescape,   // expr, body
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Stmt {
  StmtKind kind;
  uint32_t offset = 0;
  std::string text;  // Output text; Macro/Block name
  ExprPtr expr;
  ExprPtr target;  // Name / Tuple of names / NamespaceRef
  ExprPtr filter;  // For loop filter, SetBlock/FilterBlock filter chain
  StmtList body, else_body;
  bool recursive = false;
  bool scoped = false;
  std::vector<MacroParam> params;
  // What a macro body refers to, which decides how it accepts extra arguments.
  bool uses_caller = false, uses_varargs = false, uses_kwargs = false;
  std::vector<ExprPtr> with_targets, with_values;
};

// A parsed template: the normalized source (for line/column of errors) and
// the statement tree.
struct Program {
  std::string source;
  StmtList body;
};

}  // namespace pg::jinja
