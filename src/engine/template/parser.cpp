// The Jinja2 parser (see parser.h). Method names follow jinja2/parser.py so the
// two can be compared rule by rule.
#include "engine/template/parser.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "engine/template/builtins.h"
#include "engine/template/lexer.h"
#include "engine/template/template_error.h"

namespace pg::jinja {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  StmtList parse_template() {
    StmtList body = subparse(nullptr);
    if (cur().type != TokenType::Eof) fail("unexpected " + quoted(cur()), cur());
    return body;
  }

 private:
  using EndTokens = std::initializer_list<std::string_view>;

  // ---- token stream -------------------------------------------------------
  const Token& cur() const { return toks_[i_]; }
  const Token& look() const { return toks_[i_ + 1 < toks_.size() ? i_ + 1 : i_]; }
  const Token& next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool skip_if_op(std::string_view op) {
    if (!cur().is_op(op)) return false;
    next();
    return true;
  }
  bool skip_if_name(std::string_view name) {
    if (!cur().is_name(name)) return false;
    next();
    return true;
  }

  [[noreturn]] void fail(const std::string& message, const Token& at) const {
    throw TemplateError(TemplateError::Kind::Syntax, message, at.offset);
  }
  [[noreturn]] void fail_at(const std::string& message, uint32_t offset) const {
    throw TemplateError(TemplateError::Kind::Syntax, message, offset);
  }

  static std::string quoted(const Token& t) { return std::string("'") + describe_token(t) + "'"; }

  // Consumes the current token when it `matches`; otherwise fails with Jinja2's
  // message, naming what was expected as describe_expected() gives it.
  template <typename Describe>
  const Token& expect(bool matches, Describe describe_expected) {
    if (!matches) {
      if (cur().type == TokenType::Eof)
        fail("unexpected end of template, expected " + describe_expected() + ".", cur());
      fail("expected token " + describe_expected() + ", got " + quoted(cur()), cur());
    }
    return next();
  }
  const Token& expect_op(std::string_view op) {
    return expect(cur().is_op(op), [op] { return "'" + std::string(op) + "'"; });
  }
  const Token& expect_name(std::string_view name) {
    return expect(cur().is_name(name), [name] { return "'" + std::string(name) + "'"; });
  }
  const Token& expect_type(TokenType type) {
    return expect(cur().type == type, [type] {
      Token want;
      want.type = type;
      return quoted(want);
    });
  }
  const Token& expect_any_name() { return expect_type(TokenType::Name); }

  bool at_end_rule(const std::vector<std::string_view>& rules) const {
    for (std::string_view r : rules)
      if (cur().is_name(r)) return true;
    return false;
  }

  struct DepthGuard {
    DepthGuard(Parser& p, const Token& at) : p_(p) {
      if (++p_.depth_ > kMaxParseNesting)
        p_.fail("template nests too deeply (more than " + std::to_string(kMaxParseNesting) + " levels)", at);
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  // Saves and restores parser state that inner frames reset.
  struct FrameScope {
    FrameScope(Parser& p, bool keep_loop) : p_(p), soft_(p.soft_), loop_(p.loop_depth_) {
      p.soft_ = false;
      if (!keep_loop) p.loop_depth_ = 0;
    }
    ~FrameScope() {
      p_.soft_ = soft_;
      p_.loop_depth_ = loop_;
    }
    Parser& p_;
    bool soft_;
    int loop_;
  };
  struct SoftScope {
    explicit SoftScope(Parser& p) : p_(p), soft_(p.soft_) { p.soft_ = true; }
    ~SoftScope() { p_.soft_ = soft_; }
    Parser& p_;
    bool soft_;
  };

  static ExprPtr make_expr(ExprKind kind, uint32_t offset) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->offset = offset;
    return e;
  }
  static StmtPtr make_stmt(StmtKind kind, uint32_t offset) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->offset = offset;
    return s;
  }

  // ---- statements ---------------------------------------------------------
  StmtList subparse(const std::vector<std::string_view>* end_tokens) {
    DepthGuard guard(*this, cur());
    if (end_tokens) end_stack_.push_back(*end_tokens);
    StmtList body;
    while (cur().type != TokenType::Eof) {
      const Token& t = cur();
      if (t.type == TokenType::Data) {
        auto s = make_stmt(StmtKind::Output, t.offset);
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.type == TokenType::VariableBegin) {
        next();
        auto s = make_stmt(StmtKind::Print, t.offset);
        s->expr = parse_tuple(false, true, {}, false, false);
        body.push_back(std::move(s));
        expect_type(TokenType::VariableEnd);
      } else if (t.type == TokenType::BlockBegin) {
        next();
        if (end_tokens && at_end_rule(*end_tokens)) {
          end_stack_.pop_back();
          return body;
        }
        parse_statement(body);
        expect_type(TokenType::BlockEnd);
      } else {
        fail("unexpected " + quoted(t), t);
      }
    }
    if (end_tokens) end_stack_.pop_back();
    return body;
  }

  StmtList parse_statements(std::vector<std::string_view> end_tokens, bool drop_needle) {
    skip_if_op(":");
    expect_type(TokenType::BlockEnd);
    StmtList body = subparse(&end_tokens);
    if (cur().type == TokenType::Eof) fail_eof(end_tokens);
    if (drop_needle) next();
    return body;
  }

  [[noreturn]] void fail_eof(const std::vector<std::string_view>& end_tokens) {
    std::string expected;
    for (size_t k = 0; k < end_tokens.size(); ++k)
      expected += (k ? (k + 1 == end_tokens.size() ? " or '" : ", '") : "'") + std::string(end_tokens[k]) + "'";
    std::string message = "Unexpected end of template. Jinja was looking for the following tags: " + expected + ".";
    if (!tag_stack_.empty())
      message += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    fail(message, cur());
  }

  [[noreturn]] void fail_unknown_tag(const Token& t) {
    std::string message = "Encountered unknown tag '" + t.text + "'.";
    if (!end_stack_.empty()) {
      std::string expected;
      const auto& ends = end_stack_.back();
      for (size_t k = 0; k < ends.size(); ++k)
        expected += (k ? (k + 1 == ends.size() ? " or '" : ", '") : "'") + std::string(ends[k]) + "'";
      message += " Jinja was looking for the following tags: " + expected + ".";
      if (!tag_stack_.empty())
        message += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    }
    fail(message, t);
  }

  void parse_statement(StmtList& out) {
    const Token& t = cur();
    if (t.type != TokenType::Name) fail("tag name expected", t);
    const std::string name = t.text;
    static constexpr std::string_view kTags[] = {"for", "if", "set", "macro", "call", "filter", "with", "block",
                                                 "print", "break", "continue", "generation", "autoescape"};
    bool known = false;
    for (std::string_view k : kTags) known = known || name == k;
    if (name == "extends" || name == "include" || name == "import" || name == "from")
      fail(std::string("'") + name + "' is not supported: chat templates are rendered without a template loader", t);
    if (!known) fail_unknown_tag(t);
    tag_stack_.push_back(name);
    if (name == "for") out.push_back(parse_for());
    else if (name == "if") out.push_back(parse_if());
    else if (name == "set") out.push_back(parse_set());
    else if (name == "macro") out.push_back(parse_macro());
    else if (name == "call") out.push_back(parse_call_block());
    else if (name == "filter") out.push_back(parse_filter_block());
    else if (name == "with") out.push_back(parse_with());
    else if (name == "block") out.push_back(parse_block());
    else if (name == "print") parse_print(out);
    else if (name == "break" || name == "continue") out.push_back(parse_loop_control());
    else if (name == "generation") out.push_back(parse_generation());
    else out.push_back(parse_autoescape());
    tag_stack_.pop_back();
  }

  StmtPtr parse_for() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::For, offset);
    s->target = parse_assign_target(true, false, {"in"}, false);
    expect_name("in");
    s->expr = parse_tuple(false, false, {"recursive"}, false, false);
    if (skip_if_name("if")) {
      FrameScope frame(*this, true);
      s->filter = parse_expression(true);
    }
    s->recursive = skip_if_name("recursive");
    {
      FrameScope frame(*this, true);
      ++loop_depth_;
      s->body = parse_statements({"endfor", "else"}, false);
    }
    if (next().text == "else") {
      FrameScope frame(*this, false);
      s->else_body = parse_statements({"endfor"}, true);
    }
    return s;
  }

  StmtPtr parse_if() {
    const uint32_t offset = next().offset;
    SoftScope soft(*this);
    auto root = make_stmt(StmtKind::If, offset);
    Stmt* node = root.get();
    while (true) {
      node->expr = parse_tuple(false, false, {}, false, false);
      node->body = parse_statements({"elif", "else", "endif"}, false);
      const Token& t = next();
      if (t.is_name("elif")) {
        auto elif = make_stmt(StmtKind::If, t.offset);
        Stmt* raw = elif.get();
        node->else_body.push_back(std::move(elif));
        node = raw;
        continue;
      }
      if (t.is_name("else")) node->else_body = parse_statements({"endif"}, true);
      break;
    }
    return root;
  }

  StmtPtr parse_set() {
    const uint32_t offset = next().offset;
    ExprPtr target = parse_assign_target(true, false, {}, true);
    if (skip_if_op("=")) {
      auto s = make_stmt(StmtKind::Set, offset);
      s->target = std::move(target);
      s->expr = parse_tuple(false, true, {}, false, false);
      return s;
    }
    auto s = make_stmt(StmtKind::SetBlock, offset);
    s->target = std::move(target);
    FrameScope frame(*this, true);
    if (cur().is_op("|")) s->filter = parse_filter(nullptr, false);
    s->body = parse_statements({"endset"}, true);
    return s;
  }

  // A block statement's body up to `end_tag`, parsed in a frame of its own
  // (keep_loop: whether loop controls of an enclosing for loop stay valid).
  StmtList parse_body(std::string_view end_tag, bool keep_loop) {
    FrameScope frame(*this, keep_loop);
    return parse_statements({end_tag}, true);
  }

  void parse_signature(Stmt& s) {
    expect_op("(");
    bool has_defaults = false;
    while (!cur().is_op(")")) {
      if (!s.params.empty()) expect_op(",");
      const Token& name = expect_any_name();
      if (!assignable_name(name.text)) fail("can't assign to '" + name.text + "'", name);
      MacroParam p;
      p.name = name.text;
      if (skip_if_op("=")) {
        p.default_value = parse_expression(true);
        has_defaults = true;
      } else if (has_defaults) {
        fail("non-default argument follows default argument", name);
      }
      s.params.push_back(std::move(p));
    }
    expect_op(")");
  }

  StmtPtr parse_macro() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::Macro, offset);
    const Token& name = expect_any_name();
    if (!assignable_name(name.text)) fail("can't assign to '" + name.text + "'", name);
    s->text = name.text;
    FrameScope frame(*this, false);
    parse_signature(*s);
    s->body = parse_statements({"endmacro"}, true);
    note_special_names(*s);
    return s;
  }

  StmtPtr parse_call_block() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::CallBlock, offset);
    if (cur().is_op("(")) {
      FrameScope frame(*this, false);
      parse_signature(*s);
    }
    s->expr = parse_expression(true);
    if (s->expr->kind != ExprKind::Call) fail_at("expected call", offset);
    s->body = parse_body("endcall", false);
    note_special_names(*s);
    return s;
  }

  StmtPtr parse_filter_block() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::FilterBlock, offset);
    FrameScope frame(*this, true);
    s->filter = parse_filter(nullptr, true);
    s->body = parse_statements({"endfilter"}, true);
    return s;
  }

  StmtPtr parse_with() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::With, offset);
    while (cur().type != TokenType::BlockEnd) {
      if (!s->with_targets.empty()) expect_op(",");
      s->with_targets.push_back(parse_assign_target(true, false, {}, false));
      expect_op("=");
      s->with_values.push_back(parse_expression(true));
    }
    s->body = parse_body("endwith", true);
    return s;
  }

  StmtPtr parse_block() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::Block, offset);
    s->text = expect_any_name().text;
    s->scoped = skip_if_name("scoped");
    skip_if_name("required");
    if (cur().is_op("-")) fail("Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.", cur());
    s->body = parse_body("endblock", false);
    skip_if_name(s->text);
    return s;
  }

  void parse_print(StmtList& out) {
    const uint32_t offset = next().offset;
    bool first = true;
    while (cur().type != TokenType::BlockEnd) {
      if (!first) expect_op(",");
      first = false;
      auto s = make_stmt(StmtKind::Print, offset);
      s->expr = parse_expression(true);
      out.push_back(std::move(s));
    }
  }

  StmtPtr parse_loop_control() {
    const Token& t = next();
    if (loop_depth_ == 0) fail(std::string("'") + t.text + "' outside loop", t);
    return make_stmt(t.text == "break" ? StmtKind::Break : StmtKind::Continue, t.offset);
  }

  StmtPtr parse_generation() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::Generation, offset);
    s->body = parse_body("endgeneration", false);
    return s;
  }

  StmtPtr parse_autoescape() {
    const uint32_t offset = next().offset;
    auto s = make_stmt(StmtKind::Autoescape, offset);
    s->expr = parse_expression(true);
    s->body = parse_body("endautoescape", true);
    return s;
  }

  // Which of caller/varargs/kwargs a macro or call-block body reads.
  static void scan_names(const Expr* e, Stmt& macro) {
    if (!e) return;
    if (e->kind == ExprKind::Name) {
      macro.uses_caller = macro.uses_caller || e->name == "caller";
      macro.uses_varargs = macro.uses_varargs || e->name == "varargs";
      macro.uses_kwargs = macro.uses_kwargs || e->name == "kwargs";
    }
    scan_names(e->a.get(), macro);
    scan_names(e->b.get(), macro);
    scan_names(e->c.get(), macro);
    for (const auto& i : e->items) scan_names(i.get(), macro);
    for (const auto& i : e->args.positional) scan_names(i.get(), macro);
    for (const auto& [k, v] : e->args.keyword) scan_names(v.get(), macro);
    scan_names(e->args.star_args.get(), macro);
    scan_names(e->args.star_kwargs.get(), macro);
  }
  static void scan_stmts(const StmtList& body, Stmt& macro) {
    for (const auto& s : body) {
      scan_names(s->expr.get(), macro);
      scan_names(s->filter.get(), macro);
      for (const auto& p : s->params) scan_names(p.default_value.get(), macro);
      for (const auto& v : s->with_values) scan_names(v.get(), macro);
      scan_stmts(s->body, macro);
      scan_stmts(s->else_body, macro);
    }
  }
  static void note_special_names(Stmt& macro) {
    scan_stmts(macro.body, macro);
    for (const auto& p : macro.params) scan_names(p.default_value.get(), macro);
  }

  // ---- assignment targets -------------------------------------------------
  static bool assignable_name(const std::string& n) {
    return n != "true" && n != "false" && n != "none" && n != "True" && n != "False" && n != "None";
  }

  static bool can_assign(const Expr& e) {
    if (e.kind == ExprKind::Name || e.kind == ExprKind::NamespaceRef) return true;
    if (e.kind == ExprKind::Tuple) {
      for (const auto& i : e.items)
        if (!can_assign(*i)) return false;
      return true;
    }
    return false;
  }

  ExprPtr parse_assign_target(bool with_tuple, bool name_only, std::vector<std::string_view> extra_end_rules,
                              bool with_namespace) {
    const Token& start = cur();
    ExprPtr target;
    if (name_only) {
      const Token& t = expect_any_name();
      target = make_expr(ExprKind::Name, t.offset);
      target->name = t.text;
    } else if (with_tuple) {
      target = parse_tuple(true, true, extra_end_rules, false, with_namespace);
    } else {
      target = parse_primary(with_namespace);
    }
    if (!can_assign(*target)) {
      const char* what = target->kind == ExprKind::Literal ? "const" : "expression";
      fail(std::string("can't assign to '") + what + "'", start);
    }
    return target;
  }

  // ---- expressions --------------------------------------------------------
  bool is_tuple_end(const std::vector<std::string_view>& extra_end_rules) const {
    const Token& t = cur();
    if (t.type == TokenType::VariableEnd || t.type == TokenType::BlockEnd || t.is_op(")")) return true;
    return at_end_rule(extra_end_rules);
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, std::vector<std::string_view> extra_end_rules,
                      bool explicit_parentheses, bool with_namespace) {
    const uint32_t offset = cur().offset;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_end_rules)) break;
      if (simplified) args.push_back(parse_primary(with_namespace));
      else args.push_back(parse_expression(with_condexpr));
      if (cur().is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parentheses) fail("Expected an expression, got " + quoted(cur()), cur());
    }
    auto t = make_expr(ExprKind::Tuple, offset);
    t->items = std::move(args);
    return t;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this, cur());
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    const uint32_t offset = cur().offset;
    ExprPtr expr1 = parse_or();
    while (cur().is_name("if")) {
      next();
      SoftScope soft(*this);
      auto cond = make_expr(ExprKind::Condition, offset);
      cond->b = parse_or();
      if (skip_if_name("else")) cond->c = parse_condexpr();
      cond->a = std::move(expr1);
      expr1 = std::move(cond);
    }
    return expr1;
  }

  // The node between two operands of a left-associative chain: And, Or, or a
  // Binary node with its operator.
  struct InfixOp {
    ExprKind kind;
    BinaryOp op = BinaryOp::Add;
  };

  // `operand (operator operand)*`, grouped to the left. op_of(token) is the
  // InfixOp the token stands for, or nullopt where the chain ends.
  template <typename Operand, typename OpOf>
  ExprPtr left_chain(Operand operand, OpOf op_of) {
    ExprPtr left = operand();
    while (const std::optional<InfixOp> op = op_of(cur())) {
      const uint32_t offset = next().offset;
      ExprPtr right = operand();
      auto e = make_expr(op->kind, offset);
      e->binary_op = op->op;
      e->a = std::move(left);
      e->b = std::move(right);
      left = std::move(e);
    }
    return left;
  }

  ExprPtr parse_or() {
    return left_chain([this] { return parse_and(); }, [](const Token& t) -> std::optional<InfixOp> {
      if (t.is_name("or")) return InfixOp{ExprKind::Or};
      return std::nullopt;
    });
  }

  ExprPtr parse_and() {
    return left_chain([this] { return parse_not(); }, [](const Token& t) -> std::optional<InfixOp> {
      if (t.is_name("and")) return InfixOp{ExprKind::And};
      return std::nullopt;
    });
  }

  ExprPtr parse_not() {
    if (cur().is_name("not")) {
      DepthGuard guard(*this, cur());
      const uint32_t offset = next().offset;
      auto e = make_expr(ExprKind::Unary, offset);
      e->unary_op = UnaryOp::Not;
      e->a = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const uint32_t offset = cur().offset;
    ExprPtr expr = parse_math1();
    ExprPtr cmp;
    while (true) {
      const Token& t = cur();
      CompareKind kind;
      if (t.is_op("==")) kind = CompareKind::Eq;
      else if (t.is_op("!=")) kind = CompareKind::Ne;
      else if (t.is_op("<")) kind = CompareKind::Lt;
      else if (t.is_op("<=")) kind = CompareKind::Le;
      else if (t.is_op(">")) kind = CompareKind::Gt;
      else if (t.is_op(">=")) kind = CompareKind::Ge;
      else if (t.is_name("in")) kind = CompareKind::In;
      else if (t.is_name("not") && look().is_name("in")) {
        next();
        kind = CompareKind::NotIn;
      } else break;
      next();
      if (!cmp) {
        cmp = make_expr(ExprKind::Compare, offset);
        cmp->a = std::move(expr);
      }
      cmp->compare_ops.push_back(kind);
      cmp->items.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(expr);
  }

  ExprPtr parse_math1() {
    return left_chain([this] { return parse_concat(); }, [](const Token& t) -> std::optional<InfixOp> {
      if (t.is_op("+")) return InfixOp{ExprKind::Binary, BinaryOp::Add};
      if (t.is_op("-")) return InfixOp{ExprKind::Binary, BinaryOp::Sub};
      return std::nullopt;
    });
  }

  ExprPtr parse_concat() {
    const uint32_t offset = cur().offset;
    ExprPtr first = parse_math2();
    if (!cur().is_op("~")) return first;
    auto e = make_expr(ExprKind::Concat, offset);
    e->items.push_back(std::move(first));
    while (skip_if_op("~")) e->items.push_back(parse_math2());
    return e;
  }

  ExprPtr parse_math2() {
    return left_chain([this] { return parse_pow(); }, [](const Token& t) -> std::optional<InfixOp> {
      if (t.is_op("*")) return InfixOp{ExprKind::Binary, BinaryOp::Mul};
      if (t.is_op("/")) return InfixOp{ExprKind::Binary, BinaryOp::Div};
      if (t.is_op("//")) return InfixOp{ExprKind::Binary, BinaryOp::FloorDiv};
      if (t.is_op("%")) return InfixOp{ExprKind::Binary, BinaryOp::Mod};
      return std::nullopt;
    });
  }

  ExprPtr parse_pow() {
    return left_chain([this] { return parse_unary(true); }, [](const Token& t) -> std::optional<InfixOp> {
      if (t.is_op("**")) return InfixOp{ExprKind::Binary, BinaryOp::Pow};
      return std::nullopt;
    });
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, cur());
    const Token& t = cur();
    ExprPtr node;
    if (t.is_op("-") || t.is_op("+")) {
      const uint32_t offset = next().offset;
      node = make_expr(ExprKind::Unary, offset);
      node->unary_op = t.text == "-" ? UnaryOp::Neg : UnaryOp::Pos;
      node->a = parse_unary(false);
    } else {
      node = parse_primary(false);
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary(bool with_namespace) {
    const Token& t = cur();
    ExprPtr node;
    if (t.type == TokenType::Name) {
      if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
        node = make_expr(ExprKind::Literal, t.offset);
        node->literal = Value::boolean(t.text == "true" || t.text == "True");
      } else if (t.text == "none" || t.text == "None") {
        node = make_expr(ExprKind::Literal, t.offset);
        node->literal = Value::none();
      } else if (with_namespace && look().is_op(".")) {
        node = make_expr(ExprKind::NamespaceRef, t.offset);
        node->name = t.text;
        next();
        next();
        node->attr = expect_any_name().text;
        return node;
      } else {
        node = make_expr(ExprKind::Name, t.offset);
        node->name = t.text;
      }
      next();
    } else if (t.type == TokenType::String) {
      node = make_expr(ExprKind::Literal, t.offset);
      std::string s;
      while (cur().type == TokenType::String) s += next().text;
      node->literal = Value::string(std::move(s));
    } else if (t.type == TokenType::Integer || t.type == TokenType::Float) {
      node = make_expr(ExprKind::Literal, t.offset);
      node->literal = t.type == TokenType::Integer ? Value::integer(t.int_value) : Value::number(t.float_value);
      next();
    } else if (t.is_op("(")) {
      next();
      node = parse_tuple(false, true, {}, true, false);
      expect_op(")");
    } else if (t.is_op("[")) {
      node = parse_list();
    } else if (t.is_op("{")) {
      node = parse_dict();
    } else {
      if (t.type == TokenType::Eof) fail("unexpected end of template", t);
      fail("unexpected " + quoted(t), t);
    }
    return node;
  }

  // `open item, item, ... close` (a trailing comma allowed); parse_item adds
  // the expressions of one item to the node's items.
  template <typename ParseItem>
  ExprPtr parse_bracketed(ExprKind kind, std::string_view open, std::string_view close, ParseItem parse_item) {
    const uint32_t offset = expect_op(open).offset;
    auto e = make_expr(kind, offset);
    while (!cur().is_op(close)) {
      if (!e->items.empty()) expect_op(",");
      if (cur().is_op(close)) break;
      parse_item(e->items);
    }
    expect_op(close);
    return e;
  }

  ExprPtr parse_list() {
    return parse_bracketed(ExprKind::List, "[", "]", [this](std::vector<ExprPtr>& items) {
      items.push_back(parse_expression(true));
    });
  }

  ExprPtr parse_dict() {
    return parse_bracketed(ExprKind::Dict, "{", "}", [this](std::vector<ExprPtr>& items) {
      items.push_back(parse_expression(true));
      expect_op(":");
      items.push_back(parse_expression(true));
    });
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (cur().is_op(".") || cur().is_op("[")) node = parse_subscript(std::move(node));
      else if (cur().is_op("(")) node = parse_call(std::move(node));
      else break;
    }
    return node;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (cur().is_op("|")) node = parse_filter(std::move(node), false);
      else if (cur().is_name("is")) node = parse_test(std::move(node));
      else if (cur().is_op("(")) node = parse_call(std::move(node));
      else break;
    }
    return node;
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = next();
    if (t.text == ".") {
      const Token& attr = next();
      if (attr.type == TokenType::Name) {
        auto e = make_expr(ExprKind::GetAttr, t.offset);
        e->a = std::move(node);
        e->name = attr.text;
        return e;
      }
      if (attr.type != TokenType::Integer) fail("expected name or number", attr);
      auto key = make_expr(ExprKind::Literal, attr.offset);
      key->literal = Value::integer(attr.int_value);
      auto e = make_expr(ExprKind::GetItem, t.offset);
      e->a = std::move(node);
      e->b = std::move(key);
      return e;
    }
    std::vector<ExprPtr> args;
    while (!cur().is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto e = make_expr(ExprKind::GetItem, t.offset);
    e->a = std::move(node);
    if (args.size() == 1) {
      e->b = std::move(args[0]);
    } else {
      auto tuple = make_expr(ExprKind::Tuple, t.offset);
      tuple->items = std::move(args);
      e->b = std::move(tuple);
    }
    return e;
  }

  ExprPtr parse_subscribed() {
    const uint32_t offset = cur().offset;
    std::vector<ExprPtr> parts;
    if (cur().is_op(":")) {
      next();
      parts.push_back(nullptr);
    } else {
      ExprPtr node = parse_expression(true);
      if (!cur().is_op(":")) return node;
      next();
      parts.push_back(std::move(node));
    }
    if (cur().is_op(":")) parts.push_back(nullptr);
    else if (!cur().is_op("]") && !cur().is_op(",")) parts.push_back(parse_expression(true));
    else parts.push_back(nullptr);
    if (cur().is_op(":")) {
      next();
      if (!cur().is_op("]") && !cur().is_op(",")) parts.push_back(parse_expression(true));
      else parts.push_back(nullptr);
    } else {
      parts.push_back(nullptr);
    }
    auto e = make_expr(ExprKind::Slice, offset);
    e->items = std::move(parts);
    return e;
  }

  CallArguments parse_call_args() {
    const Token& open = expect_op("(");
    CallArguments args;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail("invalid syntax for function call expression", open);
    };
    while (!cur().is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (cur().is_op(")")) break;
      }
      if (cur().is_op("*")) {
        ensure(!args.star_args && !args.star_kwargs);
        next();
        args.star_args = parse_expression(true);
      } else if (cur().is_op("**")) {
        ensure(!args.star_kwargs);
        next();
        args.star_kwargs = parse_expression(true);
      } else if (cur().type == TokenType::Name && look().is_op("=")) {
        ensure(!args.star_kwargs);
        std::string key = next().text;
        next();
        args.keyword.emplace_back(std::move(key), parse_expression(true));
      } else {
        ensure(!args.star_args && !args.star_kwargs && args.keyword.empty());
        args.positional.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
    return args;
  }

  ExprPtr parse_call(ExprPtr node) {
    auto e = make_expr(ExprKind::Call, node->offset);  // errors point at the callee
    e->args = parse_call_args();
    e->a = std::move(node);
    return e;
  }

  std::string parse_dotted_name() {
    std::string name = expect_any_name().text;
    while (cur().is_op(".")) {
      next();
      name += "." + expect_any_name().text;
    }
    return name;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (cur().is_op("|") || start_inline) {
      if (!start_inline) next();
      start_inline = false;
      const Token& t = cur();
      auto e = make_expr(ExprKind::Filter, t.offset);
      e->name = parse_dotted_name();
      e->known = is_known_filter(e->name);
      if (!e->known && !soft_) fail("No filter named '" + e->name + "'.", t);
      if (cur().is_op("(")) e->args = parse_call_args();
      e->a = std::move(node);
      node = std::move(e);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const uint32_t offset = next().offset;  // 'is'
    const bool negated = skip_if_name("not");
    const Token& name_token = cur();
    auto e = make_expr(ExprKind::Test, offset);
    e->name = parse_dotted_name();
    e->known = is_known_test(e->name);
    if (!e->known && !soft_) fail("No test named '" + e->name + "'.", name_token);
    const Token& t = cur();
    if (t.is_op("(")) {
      e->args = parse_call_args();
    } else if ((t.type == TokenType::Name || t.type == TokenType::String || t.type == TokenType::Integer ||
                t.type == TokenType::Float || t.is_op("[") || t.is_op("{")) &&
               !t.is_name("else") && !t.is_name("or") && !t.is_name("and")) {
      if (t.is_name("is")) fail("You cannot chain multiple tests with is", t);
      ExprPtr arg = parse_primary(false);
      e->args.positional.push_back(parse_postfix(std::move(arg)));
    }
    e->a = std::move(node);
    if (!negated) return e;
    auto n = make_expr(ExprKind::Unary, offset);
    n->unary_op = UnaryOp::Not;
    n->a = std::move(e);
    return n;
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  bool soft_ = false;
  std::vector<std::vector<std::string_view>> end_stack_;
  std::vector<std::string> tag_stack_;
};

}  // namespace

std::unique_ptr<Program> parse_program(std::string_view source) {
  auto program = std::make_unique<Program>();
  program->source = normalize_template_source(source);
  Parser parser(tokenize(program->source));
  program->body = parser.parse_template();
  return program;
}

}  // namespace pg::jinja
