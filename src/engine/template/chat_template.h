// Public API of the Jinja2 chat-template interpreter: render Hugging Face chat
// templates (tokenizer.chat_template) exactly as transformers does with
// jinja2's ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
// extensions=[loopcontrols, AssistantTracker]) plus raise_exception(),
// strftime_now() and a json.dumps-based tojson filter.
//
// Parse once with Template::parse(), render many times (render() is const and
// safe to call from several threads at once). Every failure — a syntax error,
// raise_exception() in the template, a runtime error, a resource limit — is an
// Error whose message names the line and column in the template. Nothing here
// throws. See docs/TEMPLATES.md for what is supported.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/template/render_options.h"
#include "util/result.h"

namespace pg::jinja {

struct Program;

// Limits and settings of a render (see render_options.h).
using ChatTemplateOptions = RenderOptions;

class Template {
 public:
  // Parses a template. Errors: "chat template syntax error at line L, column C: ...".
  static Result<Template> parse(std::string_view source);

  // Renders with the variables of `context` (a JSON object; anything else is an
  // error). Use ordered_json to keep the key order of objects, which `tojson`
  // prints. No variables are added.
  Result<std::string> render(const nlohmann::ordered_json& context, const ChatTemplateOptions& options = {}) const;
  Result<std::string> render(const nlohmann::json& context, const ChatTemplateOptions& options = {}) const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

// Parses and renders a chat template the way transformers' apply_chat_template
// does: `context` holds messages, add_generation_prompt, bos_token, eos_token,
// tools and any extra variables; like transformers, `tools` and `documents`
// default to None and add_generation_prompt to false when absent.
Result<std::string> render_chat_template(std::string_view template_source, const nlohmann::ordered_json& context,
                                         const ChatTemplateOptions& options = {});
Result<std::string> render_chat_template(std::string_view template_source, const nlohmann::json& context,
                                         const ChatTemplateOptions& options = {});

}  // namespace pg::jinja
