// Splitting chat replies and shaping tool calls; see chat_reply.h.
#include "server/chat_reply.h"

#include "server/logprobs_json.h"
#include "server/routes.h"

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

std::string native_reply_events(const std::vector<chat::ChatDelta>& deltas, std::vector<TokenLogprob> logprobs,
                                const Tokenizer* tok) {
  std::string bytes;
  for (const chat::ChatDelta& d : deltas) {
    if (d.kind != chat::ChatDelta::Content && d.kind != chat::ChatDelta::Reasoning) continue;
    nlohmann::json data = {{"text", d.text}};
    if (tok && !logprobs.empty()) data["logprobs"] = token_logprob_items(*tok, logprobs);
    logprobs.clear();
    bytes += sse_event(d.kind == chat::ChatDelta::Content ? "text" : "reasoning", data);
  }
  return bytes;
}

}  // namespace pg::server
