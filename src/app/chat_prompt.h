// The single place where chat messages (and the tools a request offers) become a
// prompt: the GGUF's own tokenizer.chat_template rendered by our Jinja
// interpreter (engine/template), or, for models without one, the documented
// default format (ChatML-like, see docs/API.md): <|im_start|>{role}\n{content}
// <|im_end|>\n ... and, with add_generation_prompt, a final
// "<|im_start|>assistant\n"; with tools, a system turn listing them and
// <tool_call> blocks for the calls of the history.
// Never tokenizes and never validates requests: callers pass messages already
// checked (the server's normalize_chat_messages). It must never reorder keys
// (templates' `tojson` prints them in the client's order).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/model/llama_model.h"

namespace pg::app {

// messages: array of {"role": string, "content": string, ...}, in the
// client's key order (ordered_json: `tojson` in templates prints it); they go
// through template_messages() first. tools: an OpenAI tool list
// ([{"type": "function", "function": {"name", "description", "parameters"}}])
// given to the template as `tools`; null means none, and the template gets
// `tools` = None, as transformers passes it. A template that refuses the
// conversation (raise_exception, e.g. roles not alternating) or fails to render
// is invalid_argument (reason chat_template_error) with the template's message.
// template_vars: more variables for the template (an object, e.g. enable_thinking);
// they never replace messages, tools, add_generation_prompt, bos_token or eos_token.
Result<std::string> render_chat_prompt(const LlamaModel& model, const nlohmann::ordered_json& messages,
                                       bool add_generation_prompt,
                                       const nlohmann::ordered_json& tools = nlohmann::ordered_json(),
                                       const nlohmann::ordered_json& template_vars = nlohmann::ordered_json::object());

// The messages as templates expect them (what llama.cpp does before rendering):
// an assistant message with tool_calls whose content is null or absent gets
// content ""; a call's function.arguments given as a JSON string that parses
// to an object becomes that object (key order kept; templates print it with
// tojson; any other string is kept); a call without an `id` gets a generated
// one of 9 alphanumerics ("call00001", ...: Mistral templates require that
// shape; Ollama clients send none), and a `tool` message without tool_call_id
// gets the id of the call it answers (the first unanswered call of the latest
// assistant message with the same function name, else the first unanswered);
// a message's reasoning_content is also given as `thinking` (the name
// gpt-oss's official template and Ollama use) unless it has one.
// Everything else is kept as given, in order.
nlohmann::ordered_json template_messages(const nlohmann::ordered_json& messages);

// The GGUF's tokenizer.chat_template ("" when the model has none).
std::string model_chat_template(const LlamaModel& model);

// The default format as a Jinja template: rendering it gives exactly what
// render_chat_prompt gives a model without a template (stored with replies).
extern const char* const kDefaultChatTemplate;
// The template a model's chat prompts are rendered with: its own or the default.
std::string effective_chat_template(const LlamaModel& model);

}  // namespace pg::app
