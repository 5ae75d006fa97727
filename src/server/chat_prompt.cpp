// Chat prompts (the model's own Jinja template, or the default format) and
// message checks; see chat_prompt.h.
#include "server/chat_prompt.h"

#include "engine/template/chat_template.h"
#include "server/api_error.h"
#include "server/request_fields.h"

namespace pg::server {
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

std::string render_chat_prompt(const LlamaModel& model, const nlohmann::ordered_json& messages,
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
    throw ApiError(400, "chat_template_error", "the model's chat template refused these messages: " + text.error());
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

nlohmann::ordered_json normalize_chat_messages(const nlohmann::ordered_json* messages, const std::string& field) {
  if (!messages) throw invalid_field(field, "is required");
  if (!messages->is_array()) throw invalid_field(field, "must be an array of messages, got " + describe_json(*messages));
  if (messages->empty()) throw invalid_field(field, "must contain at least one message");
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string name = field + "[" + std::to_string(i) + "]";
    const nlohmann::ordered_json& om = (*messages)[i];
    if (!om.is_object()) throw invalid_field(name, "must be an object, got " + describe_json(om));
    const nlohmann::json m = om;  // for the field checks; the output keeps `om`'s order
    FieldReader r(m, name + ".");
    auto role = r.string("role", 64);
    if (!role) throw invalid_field(name + ".role", "is required");
    if (*role != "system" && *role != "user" && *role != "assistant" && *role != "tool" && *role != "developer")
      throw invalid_field(name + ".role", "is '" + *role + "', expected system, user, assistant, tool or developer");
    std::string content;
    if (const nlohmann::json* c = r.raw("content")) {
      if (c->is_string()) {
        content = c->get<std::string>();
      } else if (c->is_array()) {
        for (size_t j = 0; j < c->size(); ++j) {
          const std::string part = name + ".content[" + std::to_string(j) + "]";
          const nlohmann::json& p = (*c)[j];
          if (!p.is_object()) throw invalid_field(part, "must be an object, got " + describe_json(p));
          FieldReader pr(p, part + ".");
          auto type = pr.string("type", 64);
          if (type != "text")
            throw invalid_field(part + ".type", "must be \"text\" (this server accepts only text parts)");
          auto text = pr.string("text");
          if (!text) throw invalid_field(part + ".text", "is required");
          content += *text;
        }
      } else {
        throw invalid_field(name + ".content", "must be a string or an array of text parts, got " + describe_json(*c));
      }
    }
    nlohmann::ordered_json msg = {{"role", *role}, {"content", std::move(content)}};
    if (const nlohmann::json* tc = r.raw("tool_calls")) {
      if (!tc->is_array()) throw invalid_field(name + ".tool_calls", "must be an array, got " + describe_json(*tc));
      const nlohmann::ordered_json& calls = om.at("tool_calls");
      for (size_t j = 0; j < calls.size(); ++j)
        if (!calls[j].is_object())
          throw invalid_field(name + ".tool_calls[" + std::to_string(j) + "]", "must be an object");
      msg["tool_calls"] = calls;
    }
    if (auto id = r.string("tool_call_id", 256)) msg["tool_call_id"] = *id;
    if (auto n = r.string("name", 256)) msg["name"] = *n;
    out.push_back(std::move(msg));
  }
  return out;
}

}  // namespace pg::server
