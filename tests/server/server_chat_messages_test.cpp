// Reading a request's chat messages (server/chat_messages.h) as OpenAI and
// Ollama clients send them: tool results (tool_call_id or tool_name), assistant
// tool calls in both shapes with content null, reasoning (reasoning_content or
// Ollama's thinking), text parts; key order kept; every bad shape a 400 naming
// the exact field.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/chat_messages.h"

namespace pg::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson normalize(const std::string& messages_json) {
  const ojson messages = ojson::parse(messages_json);
  return normalize_chat_messages(&messages, "messages");
}

// The 400 a bad message gives: its field, and the message naming it.
void expect_refused(const std::string& messages_json, const std::string& field, const std::string& problem = "") {
  SCOPED_TRACE(messages_json);
  try {
    normalize(messages_json);
    ADD_FAILURE() << "accepted, expected a 400 naming " << field;
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "invalid_field");
    EXPECT_NE(e.message.find("field '" + field + "'"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find(problem), std::string::npos) << e.message;
  }
}

TEST(ServerChatMessages, OpenAIToolConversationIsKeptInTheClientsOrder) {
  const ojson out = normalize(R"([
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_Xk7pQ2mZ1vB9nW3e", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "call_Xk7pQ2mZ1vB9nW3e", "content": "18 C"}])");
  EXPECT_EQ(out.dump(),
            R"([{"role":"user","content":"Weather in Paris?"},)"
            R"({"role":"assistant","content":"","tool_calls":[{"id":"call_Xk7pQ2mZ1vB9nW3e","type":"function",)"
            R"("function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},)"
            R"({"role":"tool","content":"18 C","tool_call_id":"call_Xk7pQ2mZ1vB9nW3e"}])");
}

TEST(ServerChatMessages, OllamaToolConversationWithObjectArgumentsAndToolName) {
  const ojson out = normalize(R"([
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "thinking": "I should look it up.",
     "tool_calls": [{"function": {"name": "get_weather", "arguments": {"unit": "celsius", "city": "Paris"}}}]},
    {"role": "tool", "tool_name": "get_weather", "content": "18 C"}])");
  ASSERT_EQ(out.size(), 3u);
  // Ollama's thinking reaches templates as reasoning_content (Qwen3's).
  EXPECT_EQ(out[1].dump(), R"({"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather",)"
                           R"("arguments":{"unit":"celsius","city":"Paris"}}}],"reasoning_content":"I should look it up."})");
  EXPECT_EQ(out[2].dump(), R"({"role":"tool","content":"18 C","tool_name":"get_weather","name":"get_weather"})");
}

TEST(ServerChatMessages, ReasoningContentWinsOverThinkingAndTextPartsAreJoined) {
  const ojson out = normalize(R"([
    {"role": "user", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]},
    {"role": "assistant", "content": "Hi", "reasoning_content": "greet back", "thinking": "other"},
    {"role": "assistant", "tool_calls": [], "content": "plain"},
    {"role": "user", "content": null, "name": "bob"}])");
  EXPECT_EQ(out[0]["content"], "Hello");
  EXPECT_EQ(out[1]["reasoning_content"], "greet back");
  EXPECT_FALSE(out[1].contains("thinking"));
  // An empty call list is dropped (templates test `tool_calls is defined`).
  EXPECT_EQ(out[2].dump(), R"({"role":"assistant","content":"plain"})");
  EXPECT_EQ(out[3].dump(), R"({"role":"user","content":"","name":"bob"})");
}

TEST(ServerChatMessages, MissingArgumentsBecomeAnEmptyObject) {
  const ojson out = normalize(R"([{"role": "assistant", "content": null,
    "tool_calls": [{"id": "a", "type": "function", "function": {"name": "now"}}]}])");
  EXPECT_EQ(out[0]["tool_calls"][0].dump(), R"({"id":"a","type":"function","function":{"name":"now","arguments":{}}})");
}

TEST(ServerChatMessages, BadToolShapesAreA400NamingTheField) {
  const std::string user = R"({"role": "user", "content": "x"},)";
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": "get_weather"}])", "messages[1].tool_calls",
                 "must be an array");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [5]}])", "messages[1].tool_calls[0]",
                 "must be an object");
  expect_refused("[" + user + user + R"({"role": "assistant", "tool_calls": [{"function": {"name": "a"}}, {"function": {"arguments": {}}}]}])",
                 "messages[2].tool_calls[1].function.name", "is required");
  expect_refused("[" + user + user + R"({"role": "assistant", "tool_calls": [{"function": {"name": ""}}]}])",
                 "messages[2].tool_calls[0].function.name", "non-empty string");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"function": {"name": 7}}]}])",
                 "messages[1].tool_calls[0].function.name", "non-empty string");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"type": "function"}]}])",
                 "messages[1].tool_calls[0].function", "is required");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"function": "get_weather"}]}])",
                 "messages[1].tool_calls[0].function", "must be an object");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"type": "code", "function": {"name": "a"}}]}])",
                 "messages[1].tool_calls[0].type", "must be \"function\"");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"id": 12, "function": {"name": "a"}}]}])",
                 "messages[1].tool_calls[0].id", "must be a string");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": [1]}}]}])",
                 "messages[1].tool_calls[0].function.arguments", "must be a JSON object or a string");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": 3}}]}])",
                 "messages[1].tool_calls[0].function.arguments");
  expect_refused(R"([{"role": "user", "content": "x", "tool_calls": [{"function": {"name": "a"}}]}])",
                 "messages[0].tool_calls", "only allowed in assistant messages");
  expect_refused("[" + user + R"({"role": "tool", "tool_call_id": 3, "content": "x"}])", "messages[1].tool_call_id");
  expect_refused("[" + user + R"({"role": "tool", "tool_name": ["a"], "content": "x"}])", "messages[1].tool_name");
  expect_refused("[" + user + R"({"role": "assistant", "content": "x", "reasoning_content": 1}])",
                 "messages[1].reasoning_content");
  expect_refused("[" + user + R"({"role": "assistant", "content": "x", "thinking": {}}])", "messages[1].thinking");
  expect_refused("[" + user + R"({"role": "assistant", "content": {"text": "x"}}])", "messages[1].content",
                 "must be a string or an array of text parts");
  expect_refused(R"([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])", "messages[0].content[0].type");
  expect_refused("[" + user + R"({"role": "assistant", "tool_calls": [{"id": ")" + std::string(300, 'a') +
                     R"(", "function": {"name": "a"}}]}])",
                 "messages[1].tool_calls[0].id", "longer than");
}

}  // namespace
}  // namespace pg::server
