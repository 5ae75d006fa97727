// The check of a request's chat messages (normalize_chat_messages, declared in
// chat_messages.h): a pure function of the request's JSON, kept apart from prompt
// rendering so it links without the model (the fuzz targets use it). It must
// never render, tokenize or touch a model; a bad message is an ApiError 400
// naming the field (e.g. messages[2].tool_calls[0].function.name).
#include "server/chat_messages.h"

#include <string_view>

#include "server/api_error.h"
#include "server/request_fields.h"

namespace pg::server {
namespace {

using ojson = nlohmann::ordered_json;

constexpr size_t kMaxNameBytes = 256;

// The member `key` of an ordered object; nullptr when absent or null (as FieldReader).
const ojson* member(const ojson& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string content_text(const nlohmann::json& c, const std::string& name) {
  if (c.is_string()) return c.get<std::string>();
  if (!c.is_array())
    throw invalid_field(name + ".content", "must be a string or an array of text parts, got " + describe_json(c));
  std::string content;
  for (size_t j = 0; j < c.size(); ++j) {
    const std::string part = name + ".content[" + std::to_string(j) + "]";
    const nlohmann::json& p = c[j];
    if (!p.is_object()) throw invalid_field(part, "must be an object, got " + describe_json(p));
    FieldReader pr(p, part + ".");
    auto type = pr.string("type", 64);
    if (type != "text") throw invalid_field(part + ".type", "must be \"text\" (this server accepts only text parts)");
    auto text = pr.string("text");
    if (!text) throw invalid_field(part + ".text", "is required");
    content += *text;
  }
  return content;
}

// One call of an assistant message, OpenAI's {id, type: "function", function:
// {name, arguments: string}} or Ollama's {function: {name, arguments: object}}:
// checked and kept as sent (key order too); arguments absent or null become {}.
ojson tool_call(const ojson& call, const std::string& name) {
  if (!call.is_object()) throw invalid_field(name, "must be an object, got " + describe_json(call));
  ojson out = call;
  if (const ojson* type = member(call, "type"); type && !(type->is_string() && *type == "function"))
    throw invalid_field(name + ".type", "must be \"function\", got " + describe_json(*type));
  if (const ojson* id = member(call, "id")) {
    if (!id->is_string()) throw invalid_field(name + ".id", "must be a string, got " + describe_json(*id));
    if (id->get_ref<const std::string&>().size() > kMaxNameBytes)
      throw invalid_field(name + ".id", "is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  const ojson* fn = member(call, "function");
  if (!fn) throw invalid_field(name + ".function", "is required");
  if (!fn->is_object()) throw invalid_field(name + ".function", "must be an object, got " + describe_json(*fn));
  const ojson* fname = member(*fn, "name");
  if (!fname) throw invalid_field(name + ".function.name", "is required");
  if (!fname->is_string() || fname->get_ref<const std::string&>().empty())
    throw invalid_field(name + ".function.name", "must be a non-empty string, got " + describe_json(*fname));
  if (fname->get_ref<const std::string&>().size() > kMaxNameBytes)
    throw invalid_field(name + ".function.name", "is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  if (const ojson* args = member(*fn, "arguments")) {
    if (!args->is_string() && !args->is_object())
      throw invalid_field(name + ".function.arguments",
                          "must be a JSON object or a string holding one, got " + describe_json(*args));
  } else {
    out["function"]["arguments"] = ojson::object();
  }
  return out;
}

// The calls of an assistant message; an empty list is dropped (templates test
// `tool_calls is defined`), other roles may not carry any.
void read_tool_calls(const ojson& om, const std::string& role, const std::string& name, ojson& msg) {
  const ojson* calls = member(om, "tool_calls");
  if (!calls) return;
  if (!calls->is_array()) throw invalid_field(name + ".tool_calls", "must be an array, got " + describe_json(*calls));
  if (calls->empty()) return;
  if (role != "assistant")
    throw invalid_field(name + ".tool_calls", "is only allowed in assistant messages (this one is '" + role + "')");
  ojson out = ojson::array();
  for (size_t j = 0; j < calls->size(); ++j)
    out.push_back(tool_call((*calls)[j], name + ".tool_calls[" + std::to_string(j) + "]"));
  msg["tool_calls"] = std::move(out);
}

}  // namespace

nlohmann::ordered_json normalize_chat_messages(const nlohmann::ordered_json* messages, const std::string& field) {
  if (!messages) throw invalid_field(field, "is required");
  if (!messages->is_array()) throw invalid_field(field, "must be an array of messages, got " + describe_json(*messages));
  if (messages->empty()) throw invalid_field(field, "must contain at least one message");
  ojson out = ojson::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string name = field + "[" + std::to_string(i) + "]";
    const ojson& om = (*messages)[i];
    if (!om.is_object()) throw invalid_field(name, "must be an object, got " + describe_json(om));
    const nlohmann::json m = om;  // for the field checks; the output keeps `om`'s order
    FieldReader r(m, name + ".");
    auto role = r.string("role", 64);
    if (!role) throw invalid_field(name + ".role", "is required");
    if (*role != "system" && *role != "user" && *role != "assistant" && *role != "tool" && *role != "developer")
      throw invalid_field(name + ".role", "is '" + *role + "', expected system, user, assistant, tool or developer");
    // Absent or null content is "" (OpenAI sends null beside tool calls).
    const nlohmann::json* c = r.raw("content");
    ojson msg = {{"role", *role}, {"content", c ? content_text(*c, name) : std::string()}};
    read_tool_calls(om, *role, name, msg);
    if (auto id = r.string("tool_call_id", kMaxNameBytes)) msg["tool_call_id"] = *id;
    auto participant = r.string("name", kMaxNameBytes);
    auto tool_name = r.string("tool_name", kMaxNameBytes);  // Ollama's tool results
    if (participant) msg["name"] = *participant;
    if (tool_name) {
      msg["tool_name"] = *tool_name;
      if (!participant && *role == "tool") msg["name"] = *tool_name;
    }
    // Reasoning of an earlier answer: reasoning_content (OpenAI-style, llama.cpp)
    // or Ollama's `thinking`, given to templates as reasoning_content (Qwen3's).
    auto reasoning = r.string("reasoning_content");
    auto thinking = r.string("thinking");
    if (reasoning || thinking) msg["reasoning_content"] = reasoning ? *reasoning : *thinking;
    out.push_back(std::move(msg));
  }
  return out;
}

}  // namespace pg::server
