// gpt-oss's harmony format through a real server on loopback, with a small
// random-weight model that carries our harmony chat template (its special
// tokens spelled in bytes: the format is read from the text): a reply held to
// a harmony text by a `grammar` comes back split into reasoning_content and
// content, whole and streamed, with no framing tokens in either; a forced
// tool call comes back as OpenAI's tool_calls (name, JSON arguments), whole
// and streamed, for several seeds, and goes back into the template with its
// result. (reasoning_effort reaching the template: server_template_vars_test.cpp.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../engine/model/synthetic_model.h"
#include "models/synth_templates.h"
#include "server_test_support.h"

namespace pg::test {
namespace {

using nlohmann::json;

const json kWeatherTool = {
    {"type", "function"},
    {"function",
     {{"name", "get_weather"},
      {"description", "Weather in a city"},
      {"parameters",
       {{"type", "object"},
        {"properties", {{"city", {{"type", "string"}, {"maxLength", 10}}}}},
        {"required", {"city"}},
        {"additionalProperties", false}}}}}};

const json kUser = json::array({{{"role", "user"}, {"content", "Weather in Paris?"}}});

bool has_marker(const std::string& text) { return text.find("<|") != std::string::npos; }

class ServerHarmony : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "pg_harmony_" + std::to_string(::getpid()));
    std::filesystem::create_directories(*dir_);
    SynthSpec spec;
    spec.n_ctx = 2048;
    spec.chat_template = std::string(harmony_chat_template());
    const auto bytes = make_synthetic_model(spec);
    std::ofstream(*dir_ + "/harmony-test.gguf", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    app::ServerConfig config = test_server_config();
    config.model = *dir_ + "/harmony-test.gguf";
    server_ = new TestServer(std::move(config));
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static TestServer& srv() { return *server_; }

  static std::string* dir_;
  static TestServer* server_;
};

std::string* ServerHarmony::dir_ = nullptr;
TestServer* ServerHarmony::server_ = nullptr;

// A streamed OpenAI chat reply, put back together.
struct Streamed {
  std::string reasoning, content, name, arguments, finish;
  int calls = 0;
};

Streamed stream_chat(const TestServer& srv, json body) {
  body["stream"] = true;
  const JsonReply r = post_json(srv, "/v1/chat/completions", body);
  EXPECT_EQ(r.status, 200) << r.raw;
  Streamed s;
  for (const SseEvent& ev : parse_sse(r.raw)) {
    if (ev.data == "[DONE]") continue;
    const json j = ev.json();
    const json& c = j["choices"][0];
    if (c["finish_reason"].is_string()) s.finish = c["finish_reason"];
    const json& d = c["delta"];
    if (d.contains("reasoning_content") && d["reasoning_content"].is_string()) {
      EXPECT_FALSE(has_marker(d["reasoning_content"])) << ev.data;
      s.reasoning += d["reasoning_content"].get<std::string>();
    }
    if (d.contains("content") && d["content"].is_string()) {
      EXPECT_FALSE(has_marker(d["content"])) << ev.data;
      s.content += d["content"].get<std::string>();
    }
    if (!d.contains("tool_calls")) continue;
    const json& call = d["tool_calls"][0];
    if (call["function"].contains("name")) {
      s.name = call["function"]["name"];
      ++s.calls;
    }
    s.arguments += call["function"].value("arguments", "");
  }
  return s;
}

TEST_F(ServerHarmony, AnalysisIsReasoningContentAndFinalIsContent) {
  // The grammar makes the random model write exactly this harmony reply.
  const json body = {{"messages", kUser},
                     {"max_tokens", 200},
                     {"grammar", "root ::= \"<|channel|>analysis<|message|>Weighing it up.<|end|><|start|>assistant"
                                 "<|channel|>final<|message|>Sunny, 21 C.\""}};
  const JsonReply r = post_json(srv(), "/v1/chat/completions", body);
  ASSERT_EQ(r.status, 200) << r.raw;
  const json& message = r.body["choices"][0]["message"];
  EXPECT_EQ(message["reasoning_content"], "Weighing it up.") << r.raw;
  EXPECT_EQ(message["content"], "Sunny, 21 C.") << r.raw;
  EXPECT_EQ(r.body["choices"][0]["finish_reason"], "stop");

  const Streamed s = stream_chat(srv(), body);
  EXPECT_EQ(s.reasoning, "Weighing it up.");
  EXPECT_EQ(s.content, "Sunny, 21 C.");
  EXPECT_EQ(s.finish, "stop");

}

// A conversation that answers from documents keeps the reply's tools and its
// reasoning split: the sources and the tool definitions share the context, the
// call and the analysis are stored apart from the content, with the sources.
TEST_F(ServerHarmony, GroundedConversationRepliesCallToolsAndSplitReasoning) {
  ASSERT_EQ(post_json(srv(), "/api/v1/collections", {{"name", "travel"}}).status, 201);
  auto c = srv().client();
  auto up = to_reply(c.Post("/api/v1/collections/travel/documents",
                            httplib::MultipartFormDataItems{
                                file_part("paris.txt", "Paris trips: pack an umbrella, the weather in Paris turns fast.\n")}));
  ASSERT_EQ(up.status, 202) << up.raw;
  ASSERT_EQ(wait_for_job(srv(), up.body["job"]["id"])["status"], "done");
  const std::string id =
      post_json(srv(), "/api/v1/conversations", {{"collections", {"travel"}}, {"retrieval", {{"mode", "bm25"}}}}).body["id"];
  const std::string path = "/api/v1/conversations/" + id + "/messages";

  int calls = 0;
  for (int seed = 1; seed <= 4 && calls == 0; ++seed) {
    const JsonReply r = post_json(srv(), path,
                                  {{"content", "Weather in Paris?"},
                                   {"tools", {kWeatherTool}},
                                   {"tool_choice", "required"},
                                   {"params", {{"max_tokens", 150}, {"seed", seed}, {"temperature", 0.8}}}});
    ASSERT_EQ(r.status, 201) << r.raw;
    const json& reply = r.body["reply"];
    ASSERT_GE(reply["sources"].size(), 1u) << r.raw;
    EXPECT_EQ(reply["sources"][0]["document"], "paris.txt");
    if (reply["generation"]["finish_reason"] == "length") continue;  // still reasoning at max_tokens
    ASSERT_EQ(reply["tool_calls"].size(), 1u) << r.raw;
    EXPECT_EQ(reply["tool_calls"][0]["function"]["name"], "get_weather");
    EXPECT_EQ(reply["generation"]["finish_reason"], "tool_calls");
    EXPECT_FALSE(has_marker(reply["content"])) << r.raw;
    ++calls;
  }
  EXPECT_EQ(calls, 1);

  // The harmony reply splits into reasoning and content, streamed and stored, with its sources.
  const JsonReply r = post_json(
      srv(), path,
      {{"content", "And the weather in Paris tomorrow?"},
       {"stream", true},
       {"grammar", "root ::= \"<|channel|>analysis<|message|>Checking notes.<|end|><|start|>assistant"
                   "<|channel|>final<|message|>Take an umbrella [1].\""},
       {"params", {{"max_tokens", 200}}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto events = parse_sse(r.raw);
  ASSERT_GE(events.size(), 2u);
  ASSERT_EQ(events.front().event, "start");
  const json start = events.front().json();
  ASSERT_GE(start["sources"].size(), 1u) << events.front().data;  // known before the first token
  ASSERT_EQ(events.back().event, "done") << events.back().data;
  const json done = events.back().json();
  EXPECT_EQ(done["reply"]["content"], "Take an umbrella [1].");
  EXPECT_EQ(done["reply"]["reasoning"], "Checking notes.");
  EXPECT_EQ(done["reply"]["sources"], start["sources"]);
}

TEST_F(ServerHarmony, ForcedToolCallComesBackAsToolCalls) {
  int calls = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    const json body = {{"messages", kUser},       {"tools", {kWeatherTool}}, {"tool_choice", "required"},
                       {"max_tokens", 150},       {"seed", seed},            {"temperature", 0.8}};
    const JsonReply r = post_json(srv(), "/v1/chat/completions", body);
    ASSERT_EQ(r.status, 200) << r.raw;
    const json& choice = r.body["choices"][0];
    const json& message = choice["message"];
    EXPECT_FALSE(has_marker(message["content"].is_string() ? message["content"].get<std::string>() : "")) << r.raw;
    // Reasoning before the call (the grammar allows an analysis message) comes without markers.
    EXPECT_FALSE(has_marker(message.value("reasoning_content", ""))) << r.raw;
    if (choice["finish_reason"] == "length") {
      // The grammar let the model reason first and it was still reasoning at max_tokens (the
      // constraint usually closes the analysis in time: it keeps to what can end in the tokens left).
      EXPECT_TRUE(message["reasoning_content"].is_string()) << r.raw;
      continue;
    }
    EXPECT_EQ(choice["finish_reason"], "tool_calls") << r.raw;
    ASSERT_EQ(message["tool_calls"].size(), 1u) << r.raw;
    const json& call = message["tool_calls"][0];
    EXPECT_EQ(call["type"], "function");
    EXPECT_EQ(call["function"]["name"], "get_weather");
    EXPECT_TRUE(call["id"].get<std::string>().starts_with("call_")) << r.raw;
    const json args = json::parse(call["function"]["arguments"].get<std::string>(), nullptr, false);
    ASSERT_TRUE(args.is_object()) << r.raw;
    EXPECT_TRUE(args["city"].is_string()) << r.raw;
    ++calls;

    const Streamed s = stream_chat(srv(), body);
    EXPECT_EQ(s.finish, "tool_calls");
    EXPECT_EQ(s.calls, 1);
    EXPECT_EQ(s.name, "get_weather");
    EXPECT_EQ(json::parse(s.arguments, nullptr, false), args) << s.arguments;
    EXPECT_EQ(s.content, "");
  }
  EXPECT_GE(calls, 1) << "no seed made the call within max_tokens";

  // A named function, and the call sent back with its result renders and answers.
  const json named = {{"messages", kUser},
                      {"tools", {kWeatherTool}},
                      {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_weather"}}}}},
                      {"max_tokens", 150},
                      {"seed", 2}};
  const JsonReply r = post_json(srv(), "/v1/chat/completions", named);
  ASSERT_EQ(r.status, 200) << r.raw;
  if (r.body["choices"][0]["finish_reason"] == "tool_calls") {
    const json call = r.body["choices"][0]["message"]["tool_calls"][0];
    const json messages = {kUser[0],
                           {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}},
                           {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "sunny"}}};
    const JsonReply back =
        post_json(srv(), "/v1/chat/completions", {{"messages", messages}, {"tools", {kWeatherTool}}, {"max_tokens", 5}});
    EXPECT_EQ(back.status, 200) << back.raw;
  }
}

}  // namespace
}  // namespace pg::test
