// The single place where chat messages become a prompt: the GGUF's own
// tokenizer.chat_template rendered by our Jinja interpreter (engine/template),
// or, for models without one, the documented default format (ChatML-like, see
// docs/API.md): <|im_start|>{role}\n{content}<|im_end|>\n ... and, with
// add_generation_prompt, a final "<|im_start|>assistant\n".
// Never tokenizes and never validates requests: callers pass messages already
// checked by normalize_chat_messages.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/model/llama_model.h"

namespace pg::server {

// messages: array of {"role": string, "content": string, ...}, in the
// client's key order (ordered_json: `tojson` in templates prints it). A
// template that refuses the conversation (raise_exception, e.g. roles not
// alternating) or fails to render throws ApiError 400 with the template's message.
std::string render_chat_prompt(const LlamaModel& model, const nlohmann::ordered_json& messages,
                               bool add_generation_prompt);

// The GGUF's tokenizer.chat_template ("" when the model has none).
std::string model_chat_template(const LlamaModel& model);

// The default format as a Jinja template: rendering it gives exactly what
// render_chat_prompt gives a model without a template (stored with replies).
extern const char* const kDefaultChatTemplate;
// The template a model's chat prompts are rendered with: its own or the default.
std::string effective_chat_template(const LlamaModel& model);

// Checks a request's messages (OpenAI or Ollama shape) and returns them as
// [{"role","content"}] with string content (OpenAI text parts joined), plus
// the tool-call fields of the history when present: `tool_calls` (an array
// of objects, kept as sent), `tool_call_id` and `name` (strings).
// Throws ApiError 400 naming the message and field. `field` names the array.
nlohmann::ordered_json normalize_chat_messages(const nlohmann::ordered_json* messages, const std::string& field);

}  // namespace pg::server
