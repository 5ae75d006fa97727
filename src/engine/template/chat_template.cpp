// The module boundary (see chat_template.h): converts the JSON context,
// runs the parser and the interpreter, and turns every TemplateError (and any
// other exception) into an Error with line and column.
#include "engine/template/chat_template.h"

#include <new>

#include "engine/template/ast.h"
#include "engine/template/interpreter.h"
#include "engine/template/json_bridge.h"
#include "engine/template/lexer.h"
#include "engine/template/parser.h"
#include "engine/template/template_error.h"
#include "engine/template/unicode_text.h"

namespace pg::jinja {
namespace {

std::string position_of(const std::string& source, uint32_t offset) {
  if (offset == kNoOffset) return "";
  const size_t end = std::min<size_t>(offset, source.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < end; ++i)
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  const size_t column = text::codepoint_count(std::string_view(source).substr(line_start, end - line_start)) + 1;
  return " at line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string describe(const TemplateError& e, const std::string& source) {
  const std::string where = position_of(source, e.offset());
  switch (e.kind()) {
    case TemplateError::Kind::Syntax: return "chat template syntax error" + where + ": " + e.message();
    case TemplateError::Kind::Raised: return "chat template raised an exception" + where + ": " + e.message();
    case TemplateError::Kind::Runtime: break;
  }
  return "chat template error" + where + ": " + e.message();
}

template <typename Json>
Result<std::string> render_impl(const Program& program, const Json& context, const ChatTemplateOptions& options) {
  try {
    if (!context.is_object()) return Error{"chat template context must be a JSON object, got " + std::string(context.type_name())};
    const Value vars = value_from_json(context);
    Interpreter interpreter(program, options);
    return interpreter.render(vars);
  } catch (const TemplateError& e) {
    return Error{describe(e, program.source)};
  } catch (const std::bad_alloc&) {
    return Error{"chat template error: out of memory while rendering"};
  } catch (const std::exception& e) {
    return Error{std::string("chat template error: ") + e.what()};
  }
}

template <typename Json>
Json with_hf_defaults(const Json& context) {
  Json vars = context.is_object() ? context : Json::object();
  if (!vars.contains("tools")) vars["tools"] = nullptr;
  if (!vars.contains("documents")) vars["documents"] = nullptr;
  if (!vars.contains("add_generation_prompt")) vars["add_generation_prompt"] = false;
  return vars;
}

template <typename Json>
Result<std::string> render_chat_impl(std::string_view source, const Json& context, const ChatTemplateOptions& options) {
  if (!context.is_object()) return Error{"chat template context must be a JSON object, got " + std::string(context.type_name())};
  auto tmpl = Template::parse(source);
  if (!tmpl) return Error{tmpl.error()};
  return tmpl->render(with_hf_defaults(context), options);
}

}  // namespace

Result<Template> Template::parse(std::string_view source) {
  try {
    std::shared_ptr<const Program> program = parse_program(source);
    return Template(std::move(program));
  } catch (const TemplateError& e) {
    return Error{describe(e, normalize_template_source(source))};
  } catch (const std::bad_alloc&) {
    return Error{"chat template syntax error: out of memory while parsing"};
  } catch (const std::exception& e) {
    return Error{std::string("chat template syntax error: ") + e.what()};
  }
}

Result<std::string> Template::render(const nlohmann::ordered_json& context, const ChatTemplateOptions& options) const {
  return render_impl(*program_, context, options);
}

Result<std::string> Template::render(const nlohmann::json& context, const ChatTemplateOptions& options) const {
  return render_impl(*program_, context, options);
}

Result<std::string> render_chat_template(std::string_view template_source, const nlohmann::ordered_json& context,
                                         const ChatTemplateOptions& options) {
  return render_chat_impl(template_source, context, options);
}

Result<std::string> render_chat_template(std::string_view template_source, const nlohmann::json& context,
                                         const ChatTemplateOptions& options) {
  return render_chat_impl(template_source, context, options);
}

}  // namespace pg::jinja
