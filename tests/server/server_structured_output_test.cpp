// Structured output, tool calls, logprobs and several choices over HTTP with
// the demo model: constrained replies parse (JSON mode, a schema, a GBNF
// grammar) for many seeds at a high temperature; forced tool calls come back
// as OpenAI and Ollama shape them, also streamed; logprobs and n follow
// OpenAI's shapes; and every wrong field is a 400 naming it.
#include <gtest/gtest.h>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/json_schema_grammar.h"
#include "shared_server_fixture.h"

namespace pg::test {
namespace {

class ServerStructuredOutput : public SharedServerTest<ServerStructuredOutput> {
 protected:
  static nlohmann::json chat(nlohmann::json extra) {
    nlohmann::json body = {{"messages", {{{"role", "user"}, {"content", "Tell me"}}}}, {"max_tokens", 120}};
    body.update(extra);
    return body;
  }
  static void expect_400(const JsonReply& r, const std::string& mention) {
    EXPECT_EQ(r.status, 400) << r.raw;
    const auto& e = r.body["error"];
    const std::string message = e.is_string() ? e.get<std::string>() : e.value("message", "");
    EXPECT_NE(message.find(mention), std::string::npos) << r.raw;
  }
};

const nlohmann::json kPerson = {
    {"type", "object"},
    {"properties",
     {{"name", {{"type", "string"}, {"maxLength", 12}}},
      {"age", {{"type", "integer"}, {"minimum", 1}, {"maximum", 120}}},
      {"color", {{"enum", {"red", "green"}}}},
      {"tags", {{"type", "array"}, {"items", {{"type", "string"}, {"maxLength", 5}}}, {"maxItems", 2}}}}},
    {"required", {"name", "age", "color"}},
    {"additionalProperties", false}};

// The schema's language, checked with the grammar engine's own reference recognizer.
bool matches_schema(const nlohmann::json& schema, const std::string& text) {
  auto gbnf = grammar::json_schema_to_gbnf(schema, "schema");
  EXPECT_TRUE(gbnf) << gbnf.error();
  auto g = grammar::parse_gbnf(*gbnf);
  return g && grammar::grammar_accepts(*g, text);
}

TEST_F(ServerStructuredOutput, JsonSchemaRepliesValidateForManySeeds) {
  for (int seed = 1; seed <= 20; ++seed) {
    auto r = post_json(srv(), "/v1/chat/completions",
                       chat({{"temperature", 1.2}, {"seed", seed},
                             {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "person"}, {"strict", true}, {"schema", kPerson}}}}}}));
    ASSERT_EQ(r.status, 200) << r.raw;
    const std::string content = r.body["choices"][0]["message"]["content"];
    const auto doc = nlohmann::json::parse(content, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << content;
    EXPECT_TRUE(matches_schema(kPerson, content)) << content;
    EXPECT_GE(doc["age"].get<int>(), 1);
    EXPECT_LE(doc["age"].get<int>(), 120);
    EXPECT_LE(doc["name"].get<std::string>().size(), 12u * 4);
  }
}

TEST_F(ServerStructuredOutput, JsonModeGrammarAndOllamaFormat) {
  auto r = post_json(srv(), "/v1/chat/completions", chat({{"temperature", 1.0}, {"seed", 3}, {"response_format", {{"type", "json_object"}}}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(nlohmann::json::parse(r.body["choices"][0]["message"]["content"].get<std::string>(), nullptr, false).is_object()) << r.raw;

  r = post_json(srv(), "/v1/completions", {{"prompt", "Answer:"}, {"grammar", "root ::= (\"yes\" | \"no\") \"!\""}, {"max_tokens", 20}});
  ASSERT_EQ(r.status, 200) << r.raw;
  const std::string text = r.body["choices"][0]["text"];
  EXPECT_TRUE(text == "yes!" || text == "no!") << text;

  r = post_json(srv(), "/api/chat", {{"model", "stories260K"}, {"stream", false}, {"format", kPerson},
                                      {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"options", {{"num_predict", 120}, {"seed", 5}}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(matches_schema(kPerson, r.body["message"]["content"])) << r.raw;
  r = post_json(srv(), "/api/generate", {{"model", "stories260K"}, {"stream", false}, {"format", "json"}, {"prompt", "hi"},
                                          {"options", {{"num_predict", 80}}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(nlohmann::json::parse(r.body["response"].get<std::string>(), nullptr, false).is_object()) << r.raw;
}

const nlohmann::json kWeatherTool = {
    {"type", "function"},
    {"function",
     {{"name", "get_weather"},
      {"parameters", {{"type", "object"}, {"properties", {{"city", {{"type", "string"}, {"maxLength", 16}}}}}, {"required", {"city"}}}}}}};

TEST_F(ServerStructuredOutput, ForcedToolCallsComeBackInEachApisShape) {
  auto r = post_json(srv(), "/v1/chat/completions",
                     chat({{"tools", {kWeatherTool}}, {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_weather"}}}}}, {"temperature", 1.2}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& choice = r.body["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls") << r.raw;
  const auto& call = choice["message"]["tool_calls"][0];
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_TRUE(call["id"].is_string());
  const auto args = nlohmann::json::parse(call["function"]["arguments"].get<std::string>(), nullptr, false);
  ASSERT_TRUE(args.is_object()) << r.raw;
  EXPECT_TRUE(args["city"].is_string());

  // The round trip: the call and its result go back into the template.
  nlohmann::json messages = {{{"role", "user"}, {"content", "Weather?"}},
                             {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}},
                             {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "sunny"}}};
  r = post_json(srv(), "/v1/chat/completions", {{"messages", messages}, {"tools", {kWeatherTool}}, {"max_tokens", 10}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.body["choices"][0]["message"]["content"].is_string()) << r.raw;

  r = post_json(srv(), "/v1/chat/completions", chat({{"tools", {kWeatherTool}}, {"tool_choice", "required"}, {"stream", true}}));
  // (post_json reads the whole SSE body as text)
  ASSERT_EQ(r.status, 200);
  std::string arguments, name;
  std::string finish;
  for (const auto& ev : parse_sse(r.raw)) {
    if (ev.data == "[DONE]") continue;
    const auto j = ev.json();
    const auto& c = j["choices"][0];
    if (c["finish_reason"].is_string()) finish = c["finish_reason"];
    if (!c["delta"].contains("tool_calls")) continue;
    const auto& d = c["delta"]["tool_calls"][0];
    EXPECT_EQ(d["index"], 0);
    if (d["function"].contains("name")) name = d["function"]["name"];
    arguments += d["function"].value("arguments", "");
  }
  EXPECT_EQ(name, "get_weather");
  EXPECT_EQ(finish, "tool_calls");
  EXPECT_TRUE(nlohmann::json::parse(arguments, nullptr, false).is_object()) << arguments;
}

TEST_F(ServerStructuredOutput, PropertiesComeInTheSchemasOrder) {
  // Sent as text so the keys keep this order ("reasoning" before "answer", not alphabetical).
  const std::string body =
      R"({"messages":[{"role":"user","content":"Q"}],"max_tokens":60,"seed":2,"temperature":1.0,)"
      R"("response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object",)"
      R"("properties":{"reasoning":{"type":"string","maxLength":5},"answer":{"type":"integer"}},)"
      R"("required":["reasoning","answer"]}}}})";
  auto r = post_raw(srv(), "/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.raw;
  const std::string content = r.body["choices"][0]["message"]["content"];
  ASSERT_NE(content.find("\"answer\""), std::string::npos) << content;
  EXPECT_LT(content.find("\"reasoning\""), content.find("\"answer\"")) << content;
}

TEST_F(ServerStructuredOutput, AConstrainedReplyTooLongForMaxTokensEndsAsLength) {
  auto r = post_json(srv(), "/v1/chat/completions", chat({{"tools", {kWeatherTool}}, {"tool_choice", "required"}, {"max_tokens", 3}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["choices"][0]["finish_reason"], "length") << r.raw;
  EXPECT_FALSE(r.body["choices"][0]["message"].contains("tool_calls")) << r.raw;
}

TEST_F(ServerStructuredOutput, LogprobsAndSeveralChoices) {
  auto r = post_json(srv(), "/v1/chat/completions", chat({{"logprobs", true}, {"top_logprobs", 3}, {"max_tokens", 5}, {"n", 2}, {"seed", 9}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["choices"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& c = r.body["choices"][i];
    EXPECT_EQ(c["index"], i);
    const auto& items = c["logprobs"]["content"];
    ASSERT_FALSE(items.empty()) << r.raw;
    std::string joined;
    for (const auto& item : items) {
      EXPECT_LE(item["logprob"].get<double>(), 0.0);
      EXPECT_EQ(item["top_logprobs"].size(), 3u);
      EXPECT_GE(item["top_logprobs"][0]["logprob"].get<double>(), item["top_logprobs"][2]["logprob"].get<double>());
      for (int b : item["bytes"]) joined.push_back(static_cast<char>(b));
    }
    EXPECT_EQ(joined, c["message"]["content"].get<std::string>());
  }
  EXPECT_EQ(r.body["usage"]["completion_tokens"].get<int>(),
            static_cast<int>(r.body["choices"][0]["logprobs"]["content"].size() + r.body["choices"][1]["logprobs"]["content"].size()));

  r = post_json(srv(), "/v1/completions", {{"prompt", "Once"}, {"logprobs", 2}, {"max_tokens", 4}, {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& lp = r.body["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"].size(), 4u);
  EXPECT_EQ(lp["top_logprobs"][0].size(), 2u);
  EXPECT_EQ(lp["text_offset"][0], 0);
}

TEST_F(ServerStructuredOutput, WrongFieldsAre400sNamingThem) {
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"top_logprobs", 2}})), "top_logprobs");
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"logprobs", true}, {"top_logprobs", 21}})), "top_logprobs");
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"n", 9}})), "'n'");
  expect_400(post_json(srv(), "/v1/chat/completions",
                       chat({{"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"schema", {{"type", "string"}, {"not", {{"type", "null"}}}}}}}}}})),
             "not");
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"response_format", {{"type", "xml"}}}})), "response_format.type");
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"grammar", "root ::= missing"}})), "grammar");
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"grammar", "root ::= root \"a\" | \"b\""}})), "left-recursive");
  expect_400(post_json(srv(), "/v1/chat/completions",
                       chat({{"tools", {kWeatherTool}}, {"tool_choice", {{"type", "function"}, {"function", {{"name", "nope"}}}}}})),
             "tool_choice");
  nlohmann::json bad_tool = kWeatherTool;
  bad_tool["function"]["parameters"] = {{"type", "string"}};
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"tools", {bad_tool}}, {"tool_choice", "required"}})), "parameters");
  expect_400(post_json(srv(), "/v1/chat/completions", chat({{"tools", "get_weather"}})), "tools");
  expect_400(post_json(srv(), "/api/chat", {{"model", "stories260K"}, {"format", "yaml"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}}), "format");
  // The server is still well.
  EXPECT_EQ(post_json(srv(), "/v1/chat/completions", chat({{"max_tokens", 2}})).status, 200);
}

}  // namespace
}  // namespace pg::test
