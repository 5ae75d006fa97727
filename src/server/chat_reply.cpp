// Splitting chat replies and shaping tool calls; see chat_reply.h.
#include "server/chat_reply.h"

namespace pg::server {

ReplySplitter::ReplySplitter(const app::ChatOutputPlan& plan) {
  if (!plan.active()) return;
  parser_ = std::make_shared<chat::ChatOutputParser>(plan.format, plan.tools, plan.reasoning);
  // The forced prefix was put in the prompt; the parser must see it before the reply.
  if (!plan.forced_prefix.empty()) (void)parser_->push(plan.forced_prefix);
}

std::vector<chat::ChatDelta> ReplySplitter::push(const std::string& text) {
  if (parser_) return parser_->push(text);
  content_ += text;
  chat::ChatDelta d;
  d.text = text;
  return {d};
}

std::vector<chat::ChatDelta> ReplySplitter::finish() { return parser_ ? parser_->finish() : std::vector<chat::ChatDelta>{}; }

chat::ParsedChatOutput ReplySplitter::result() const {
  if (parser_) return parser_->result();
  chat::ParsedChatOutput out;
  out.content = content_;
  return out;
}

chat::ParsedChatOutput split_reply(const app::ChatOutputPlan& plan, const std::string& text) {
  ReplySplitter s(plan);
  (void)s.push(text);
  (void)s.finish();
  return s.result();
}

nlohmann::json openai_tool_calls(const std::vector<chat::ToolCall>& calls) {
  nlohmann::json out = nlohmann::json::array();
  for (const chat::ToolCall& c : calls)
    out.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
  return out;
}

nlohmann::json ollama_tool_calls(const std::vector<chat::ToolCall>& calls) {
  nlohmann::json out = nlohmann::json::array();
  for (const chat::ToolCall& c : calls) {
    nlohmann::ordered_json args = nlohmann::ordered_json::parse(c.arguments, nullptr, false);
    if (args.is_discarded()) args = nlohmann::ordered_json::object();
    out.push_back({{"id", c.id}, {"function", {{"name", c.name}, {"arguments", nlohmann::json::parse(args.dump())}}}});
  }
  return out;
}

}  // namespace pg::server
