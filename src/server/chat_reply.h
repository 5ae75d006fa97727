// A chat reply's text split into content, reasoning and tool calls (the
// engine's chat output parser, as the request's ChatOutputPlan says), and
// tool calls in OpenAI's and Ollama's wire shapes, and our API's stream events
// of a reply's pieces. For whole replies and for streams. Only splits and
// shapes text; never generates.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/generation.h"
#include "engine/chat/chat_output_parser.h"
#include "engine/sampler/token_logprobs.h"
#include "engine/tokenizer/tokenizer.h"

namespace pg::server {

// A stream of one choice's text through the parser. With no parser needed
// (no tools, no reasoning syntax) every piece is content, unchanged.
class ReplySplitter {
 public:
  explicit ReplySplitter(const app::ChatOutputPlan& plan);
  std::vector<chat::ChatDelta> push(const std::string& text);
  std::vector<chat::ChatDelta> finish();
  // The whole reply so far (final after finish()).
  chat::ParsedChatOutput result() const;

 private:
  std::shared_ptr<chat::ChatOutputParser> parser_;  // null: plain content
  std::string content_;
};

// The whole reply at once.
chat::ParsedChatOutput split_reply(const app::ChatOutputPlan& plan, const std::string& text);

// OpenAI: [{id, type: "function", function: {name, arguments (a JSON string)}}].
nlohmann::json openai_tool_calls(const std::vector<chat::ToolCall>& calls);
// Ollama: [{function: {name, arguments (an object)}}] (with the call's id, as newer Ollama versions send).
nlohmann::json ollama_tool_calls(const std::vector<chat::ToolCall>& calls);

// Our API's Server-Sent Events (/api/v1/chat, conversations) of reply pieces:
// content as `text` events, reasoning as `reasoning` events, each {"text"};
// tool-call pieces make none (the calls come whole with `done`). `logprobs`
// (the tokens of these pieces) go on the first event, when `tok` is given.
std::string native_reply_events(const std::vector<chat::ChatDelta>& deltas, std::vector<TokenLogprob> logprobs,
                                const Tokenizer* tok);

}  // namespace pg::server
