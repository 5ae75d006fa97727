// Chat prompts: the model's own Jinja template, or the default format; see
// chat_prompt.h (the message checks are in chat_messages.cpp).
#include "app/chat_prompt.h"

#include "engine/template/chat_template.h"

namespace pg::app {
namespace {

std::string special_token_text(const Tokenizer& tok, TokenId id) {
  return id >= 0 ? tok.token_text(id) : std::string();
}

std::string render_default_format(const nlohmann::ordered_json& messages, bool add_generation_prompt) {
  std::string out;
  for (const auto& m : messages) {
    out += "<|im_start|>";
    out += m.value("role", "");
    out += "\n";
    out += m.value("content", "");
    out += "<|im_end|>\n";
  }
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}

}  // namespace

const char* const kDefaultChatTemplate =
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

std::string effective_chat_template(const LlamaModel& model) {
  std::string own = model_chat_template(model);
  return own.empty() ? std::string(kDefaultChatTemplate) : own;
}

Result<std::string> render_chat_prompt(const LlamaModel& model, const nlohmann::ordered_json& messages,
                                       bool add_generation_prompt) {
  const std::string source = model_chat_template(model);
  if (source.empty()) return render_default_format(messages, add_generation_prompt);
  const Tokenizer& tok = model.tokenizer();
  const std::string bos = special_token_text(tok, tok.bos_id());
  nlohmann::ordered_json context = {{"messages", messages},
                            {"add_generation_prompt", add_generation_prompt},
                            {"bos_token", bos},
                            {"eos_token", special_token_text(tok, tok.eos_id())}};
  Result<std::string> text = jinja::render_chat_template(source, context);
  if (!text) {
    return Status::invalid_argument("the model's chat template refused these messages: " + text.error(),
                                    "chat_template_error");
  }
  // Templates write the BOS text themselves; the tokenizer adds BOS too, so
  // drop the template's copy (as llama.cpp and Ollama avoid a double BOS).
  std::string prompt = std::move(*text);
  if (tok.add_bos() && !bos.empty() && prompt.compare(0, bos.size(), bos) == 0) prompt.erase(0, bos.size());
  return prompt;
}

std::string model_chat_template(const LlamaModel& model) {
  return model.file().get_string("tokenizer.chat_template").value_or("");
}

}  // namespace pg::app
