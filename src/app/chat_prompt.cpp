// Chat prompts: the model's own Jinja template, or the default format; see
// chat_prompt.h (the message checks are in chat_messages.cpp). Both go through
// the same interpreter, so the default format is exactly kDefaultChatTemplate.
#include "app/chat_prompt.h"

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>
#include <utility>

#include "engine/template/chat_template.h"
#include "util/json_guard.h"

namespace pg::app {
namespace {

// Arguments nested deeper than this stay a string (the template would refuse
// the whole context otherwise; engine/template/json_bridge.h).
constexpr size_t kMaxArgumentsDepth = 64;

std::string special_token_text(const Tokenizer& tok, TokenId id) {
  return id >= 0 ? tok.token_text(id) : std::string();
}

const nlohmann::ordered_json* field(const nlohmann::ordered_json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string string_field(const nlohmann::ordered_json& object, const char* key) {
  const nlohmann::ordered_json* v = field(object, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool has_tool_calls(const nlohmann::ordered_json& m) {
  const nlohmann::ordered_json* calls = field(m, "tool_calls");
  return string_field(m, "role") == "assistant" && calls && calls->is_array() && !calls->empty();
}

// Ids "call" + 5 base-36 digits, skipping any the conversation already uses.
class CallIds {
 public:
  explicit CallIds(const nlohmann::ordered_json& messages) {
    for (const auto& m : messages) {
      if (const nlohmann::ordered_json* calls = field(m, "tool_calls"); calls && calls->is_array())
        for (const auto& c : *calls)
          if (std::string id = string_field(c, "id"); !id.empty()) used_.insert(std::move(id));
    }
  }

  std::string next() {
    static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    while (true) {
      size_t n = ++counter_;
      std::string id = "call00000";
      for (size_t i = id.size(); i-- > 4 && n > 0; n /= 36) id[i] = kDigits[n % 36];
      if (used_.insert(id).second) return id;
    }
  }

 private:
  std::unordered_set<std::string> used_;
  size_t counter_ = 0;
};

struct PendingCall {
  std::string id, name;
};

void normalize_call(nlohmann::ordered_json& call, CallIds& ids, std::deque<PendingCall>& pending) {
  if (!call.is_object()) return;
  std::string name;
  if (auto fn = call.find("function"); fn != call.end() && fn->is_object()) {
    name = string_field(*fn, "name");
    if (auto args = fn->find("arguments"); args != fn->end() && args->is_string()) {
      auto parsed = parse_ordered_json_guarded(args->get_ref<const std::string&>(), "arguments", kMaxArgumentsDepth);
      if (parsed && parsed->is_object()) *args = std::move(*parsed);
    }
  }
  std::string id = string_field(call, "id");
  if (id.empty() && !field(call, "id")) {
    id = ids.next();
    call["id"] = id;
  }
  pending.push_back({std::move(id), std::move(name)});
}

// The id of the call a tool result answers, taken off `pending` ("" if none).
std::string answered_call(const nlohmann::ordered_json& m, std::deque<PendingCall>& pending) {
  std::string name = string_field(m, "name");
  if (name.empty()) name = string_field(m, "tool_name");
  auto it = pending.begin();
  if (!name.empty())
    for (auto p = pending.begin(); p != pending.end(); ++p)
      if (p->name == name) {
        it = p;
        break;
      }
  if (it == pending.end()) return "";
  std::string id = std::move(it->id);
  pending.erase(it);
  return id;
}

Result<std::string> render(const std::string& source, const nlohmann::ordered_json& context, bool own_template) {
  Result<std::string> text = jinja::render_chat_template(source, context);
  if (!text) {
    return Status::invalid_argument(std::string(own_template ? "the model's chat template refused these messages: "
                                                             : "the default chat format cannot render these messages: ") +
                                        text.error(),
                                    "chat_template_error");
  }
  return text;
}

}  // namespace

const char* const kDefaultChatTemplate =
    "{%- if tools %}<|im_start|>system\n"
    "{% if messages and messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}\n\n{% endif %}"
    "# Tools\n\nFunctions you may call:\n<tools>\n"
    "{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}"
    "</tools>\n\nTo call one, reply with:\n<tool_call>\n{\"name\": <name>, \"arguments\": <JSON object>}\n"
    "</tool_call><|im_end|>\n"
    "{% endif %}"
    "{% for message in messages %}"
    "{% if not (loop.first and tools and message['role'] == 'system') %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['role'] == 'assistant' and message['tool_calls'] %}"
    "{% if message['content'] %}{{ message['content'] }}\n{% endif %}"
    "{% for call in message['tool_calls'] %}"
    "{% set function = call['function'] if call['function'] is defined else call %}"
    "<tool_call>\n{\"name\": {{ function['name'] | tojson }}, \"arguments\": {{ function['arguments'] | tojson }}}\n"
    "</tool_call>{% if not loop.last %}{{ '\\n' }}{% endif %}"
    "{% endfor %}"
    "{% else %}{{ message['content'] }}{% endif %}"
    "<|im_end|>\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

std::string effective_chat_template(const LlamaModel& model) {
  std::string own = model_chat_template(model);
  return own.empty() ? std::string(kDefaultChatTemplate) : own;
}

nlohmann::ordered_json template_messages(const nlohmann::ordered_json& messages) {
  if (!messages.is_array()) return messages;
  nlohmann::ordered_json out = messages;
  CallIds ids(messages);
  std::deque<PendingCall> pending;  // calls of the latest assistant message not yet answered
  for (auto& m : out) {
    if (!m.is_object()) continue;
    const std::string role = string_field(m, "role");
    // Earlier reasoning under both names templates read: reasoning_content
    // (Qwen3, llama.cpp) and thinking (gpt-oss's official template, Ollama).
    if (const nlohmann::ordered_json* r = field(m, "reasoning_content"); r && r->is_string() && !m.contains("thinking"))
      m["thinking"] = *r;
    if (has_tool_calls(m)) {
      if (const nlohmann::ordered_json* c = field(m, "content"); !c || c->is_null()) m["content"] = "";
      pending.clear();
      for (auto& call : m["tool_calls"]) normalize_call(call, ids, pending);
    } else if (role == "tool") {
      if (const nlohmann::ordered_json* id = field(m, "tool_call_id"); id && id->is_string()) {
        const std::string answered = id->get<std::string>();
        for (auto p = pending.begin(); p != pending.end(); ++p)
          if (p->id == answered) {
            pending.erase(p);
            break;
          }
      } else if (!id || id->is_null()) {
        if (std::string found = answered_call(m, pending); !found.empty()) m["tool_call_id"] = std::move(found);
      }
    }
  }
  return out;
}

Result<std::string> render_chat_prompt(const LlamaModel& model, const nlohmann::ordered_json& messages,
                                       bool add_generation_prompt, const nlohmann::ordered_json& tools,
                                       const nlohmann::ordered_json& template_vars) {
  const std::string own = model_chat_template(model);
  const Tokenizer& tok = model.tokenizer();
  const std::string bos = special_token_text(tok, tok.bos_id());
  nlohmann::ordered_json context = {{"messages", template_messages(messages)},
                                    {"tools", tools},
                                    {"add_generation_prompt", add_generation_prompt},
                                    {"bos_token", bos},
                                    {"eos_token", special_token_text(tok, tok.eos_id())}};
  if (template_vars.is_object())
    for (const auto& [name, value] : template_vars.items())
      if (!context.contains(name)) context[name] = value;
  if (own.empty()) return render(kDefaultChatTemplate, context, false);
  Result<std::string> text = render(own, context, true);
  if (!text) return text;
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
