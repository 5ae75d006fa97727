// The check of a request's chat messages (normalize_chat_messages, declared in
// chat_messages.h): a pure function of the request's JSON, kept apart from prompt
// rendering so it links without the model (the fuzz targets use it). It must
// never render, tokenize or touch a model; a bad message is an ApiError 400.
#include "server/api_error.h"
#include "server/chat_messages.h"
#include "server/request_fields.h"

namespace pg::server {

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
