// The single place where chat messages become a prompt: the GGUF's own
// tokenizer.chat_template rendered by our Jinja interpreter (engine/template),
// or, for models without one, the documented default format (ChatML-like, see
// docs/API.md): <|im_start|>{role}\n{content}<|im_end|>\n ... and, with
// add_generation_prompt, a final "<|im_start|>assistant\n".
// Never tokenizes and never validates requests: callers pass messages already
// checked (the server's normalize_chat_messages).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/model/llama_model.h"

namespace pg::app {

// messages: array of {"role": string, "content": string, ...}, in the
// client's key order (ordered_json: `tojson` in templates prints it). A
// template that refuses the conversation (raise_exception, e.g. roles not
// alternating) or fails to render is invalid_argument (reason chat_template_error)
// with the template's message.
Result<std::string> render_chat_prompt(const LlamaModel& model, const nlohmann::ordered_json& messages,
                                       bool add_generation_prompt);

// The GGUF's tokenizer.chat_template ("" when the model has none).
std::string model_chat_template(const LlamaModel& model);

// The default format as a Jinja template: rendering it gives exactly what
// render_chat_prompt gives a model without a template (stored with replies).
extern const char* const kDefaultChatTemplate;
// The template a model's chat prompts are rendered with: its own or the default.
std::string effective_chat_template(const LlamaModel& model);

}  // namespace pg::app
