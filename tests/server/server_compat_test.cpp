// Shapes of the OpenAI- and Ollama-compatible routes over real HTTP (the npm
// clients in tests/compat check the same routes end to end).
#include <gtest/gtest.h>

#include "shared_server_fixture.h"

namespace pg::test {
namespace {

class ServerCompat : public SharedServerTest<ServerCompat> {
 protected:
  static std::string stream_raw(const std::string& path, const nlohmann::json& body) {
    std::string received;
    auto r = post_streaming(srv(), path, body, [&](std::string_view c) {
      received.append(c);
      return true;
    });
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_EQ(r->status, 200);
    }
    return received;
  }
};

const nlohmann::json kMessages = {{{"role", "system"}, {"content", "You tell stories."}},
                                  {{"role", "user"}, {"content", "Tell me about a cat."}}};

TEST_F(ServerCompat, OpenAiModelsList) {
  auto r = get_json(srv(), "/v1/models");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["object"], "list");
  ASSERT_EQ(r.body["data"].size(), 1u);
  EXPECT_EQ(r.body["data"][0]["id"], "stories260K");
  EXPECT_EQ(r.body["data"][0]["object"], "model");
  auto one = get_json(srv(), "/v1/models/stories260K");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body["id"], "stories260K");
}

TEST_F(ServerCompat, OpenAiChatCompletionAndItsStream) {
  const nlohmann::json req = {{"model", "stories260K"}, {"messages", kMessages}, {"max_tokens", 20}, {"seed", 5}};
  auto r = post_json(srv(), "/v1/chat/completions", req);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["object"], "chat.completion");
  EXPECT_EQ(r.body["model"], "stories260K");
  EXPECT_EQ(r.body["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_TRUE(r.body["system_fingerprint"].is_string());
  const auto& choice = r.body["choices"][0];
  EXPECT_EQ(choice["message"]["role"], "assistant");
  EXPECT_EQ(choice["finish_reason"], "length");
  EXPECT_EQ(r.body["usage"]["completion_tokens"], 20);
  EXPECT_EQ(r.body["usage"]["total_tokens"],
            r.body["usage"]["prompt_tokens"].get<int>() + r.body["usage"]["completion_tokens"].get<int>());

  nlohmann::json sreq = req;
  sreq["stream"] = true;
  sreq["stream_options"] = {{"include_usage", true}};
  auto events = parse_sse(stream_raw("/v1/chat/completions", sreq));
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back().data, "[DONE]");
  EXPECT_EQ(events[0].json()["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  std::string finish;
  nlohmann::json usage;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const auto j = events[i].json();
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    if (j["choices"].empty()) {
      usage = j["usage"];
      continue;
    }
    const auto& c = j["choices"][0];
    if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
    if (c["finish_reason"].is_string()) finish = c["finish_reason"];
  }
  EXPECT_EQ(text, choice["message"]["content"].get<std::string>());
  EXPECT_EQ(finish, "length");
  EXPECT_EQ(usage["completion_tokens"], 20);
}

TEST_F(ServerCompat, OpenAiCompletionAndItsStream) {
  const nlohmann::json req = {{"model", "stories260K"}, {"prompt", {"Once upon a time"}}, {"max_tokens", 16},
                              {"temperature", 0}};
  auto r = post_json(srv(), "/v1/completions", req);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["object"], "text_completion");
  const std::string text = r.body["choices"][0]["text"];
  EXPECT_FALSE(text.empty());
  auto native = post_json(srv(), "/api/v1/models/generate", {{"prompt", "Once upon a time"}, {"max_tokens", 16}, {"temperature", 0}});
  EXPECT_EQ(text, native.body["text"].get<std::string>());

  nlohmann::json sreq = req;
  sreq["stream"] = true;
  auto events = parse_sse(stream_raw("/v1/completions", sreq));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string streamed;
  for (size_t i = 0; i + 1 < events.size(); ++i) streamed += events[i].json()["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(events[events.size() - 2].json()["choices"][0]["finish_reason"], "length");

  nlohmann::json echo = req;
  echo["echo"] = true;
  EXPECT_EQ(post_json(srv(), "/v1/completions", echo).body["choices"][0]["text"], "Once upon a time" + text);
}

TEST_F(ServerCompat, OllamaGenerateStreamsNdjsonByDefault) {
  const nlohmann::json req = {{"model", "stories260K:latest"}, {"prompt", "Once upon a time"},
                              {"options", {{"num_predict", 12}, {"temperature", 0}}}};
  auto c = srv().client();
  std::string body;
  auto r = post_streaming(srv(), "/api/generate", req, [&](std::string_view s) {
    body.append(s);
    return true;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
  auto lines = parse_ndjson(body);
  ASSERT_GE(lines.size(), 2u);
  std::string text;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_FALSE(lines[i]["done"].get<bool>());
    EXPECT_EQ(lines[i]["model"], "stories260K:latest");
    text += lines[i]["response"].get<std::string>();
  }
  const auto& last = lines.back();
  EXPECT_TRUE(last["done"].get<bool>());
  EXPECT_EQ(last["done_reason"], "length");
  EXPECT_EQ(last["eval_count"], 12);
  EXPECT_GT(last["total_duration"].get<int64_t>(), 0);
  EXPECT_TRUE(last["context"].is_array());
  auto native = post_json(srv(), "/api/v1/models/generate", {{"prompt", "Once upon a time"}, {"max_tokens", 12}, {"temperature", 0}});
  EXPECT_EQ(text, native.body["text"].get<std::string>());

  nlohmann::json once = req;
  once["stream"] = false;
  auto single = post_json(srv(), "/api/generate", once);
  ASSERT_EQ(single.status, 200);
  EXPECT_EQ(single.body["response"], text);
  EXPECT_TRUE(single.body["done"].get<bool>());
}

TEST_F(ServerCompat, OllamaChatStreamAndNot) {
  const nlohmann::json req = {{"model", "stories260K"}, {"messages", kMessages}, {"stream", false},
                              {"options", {{"num_predict", 10}, {"seed", 3}}}};
  auto r = post_json(srv(), "/api/chat", req);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["message"]["role"], "assistant");
  EXPECT_EQ(r.body["eval_count"], 10);
  nlohmann::json sreq = req;
  sreq["stream"] = true;
  auto lines = parse_ndjson(stream_raw("/api/chat", sreq));
  ASSERT_GE(lines.size(), 2u);
  std::string text;
  for (const auto& l : lines) text += l["message"]["content"].get<std::string>();
  EXPECT_EQ(text, r.body["message"]["content"].get<std::string>());
  EXPECT_TRUE(lines.back()["done"].get<bool>());
}

TEST_F(ServerCompat, ToolCallHistoriesOfBothClientsAreAccepted) {
  // OpenAI's shape: content null beside the calls, arguments as JSON text, results by id.
  const auto openai = nlohmann::json::parse(R"([
    {"role": "user", "content": "What time is it in Paris?"},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_Xk7pQ2mZ1vB9nW3e", "type": "function",
      "function": {"name": "get_time", "arguments": "{\"zone\": \"Europe/Paris\"}"}}]},
    {"role": "tool", "tool_call_id": "call_Xk7pQ2mZ1vB9nW3e", "content": "10:00"}])");
  // Ollama's: arguments as an object, results by tool name, reasoning as `thinking`.
  const auto ollama = nlohmann::json::parse(R"([
    {"role": "user", "content": "What time is it in Paris?"},
    {"role": "assistant", "content": "", "thinking": "Look it up.",
     "tool_calls": [{"function": {"name": "get_time", "arguments": {"zone": "Europe/Paris"}}}]},
    {"role": "tool", "tool_name": "get_time", "content": "10:00"}])");
  auto a = post_json(srv(), "/v1/chat/completions",
                     {{"model", "stories260K"}, {"messages", openai}, {"max_tokens", 4}, {"temperature", 0}});
  ASSERT_EQ(a.status, 200) << a.raw;
  auto b = post_json(srv(), "/v1/chat/completions",
                     {{"model", "stories260K"}, {"messages", ollama}, {"max_tokens", 4}, {"temperature", 0}});
  ASSERT_EQ(b.status, 200) << b.raw;
  // The default format writes both histories the same way.
  EXPECT_EQ(a.body["usage"]["prompt_tokens"], b.body["usage"]["prompt_tokens"]);
  auto c = post_json(srv(), "/api/chat",
                     {{"model", "stories260K"}, {"messages", ollama}, {"stream", false}, {"options", {{"num_predict", 4}}}});
  ASSERT_EQ(c.status, 200) << c.raw;
}

TEST_F(ServerCompat, OllamaTagsShowPsVersion) {
  auto tags = get_json(srv(), "/api/tags");
  ASSERT_EQ(tags.status, 200);
  ASSERT_EQ(tags.body["models"].size(), 1u);
  const auto& t = tags.body["models"][0];
  EXPECT_EQ(t["name"], "stories260K:latest");
  EXPECT_EQ(t["details"]["format"], "gguf");
  EXPECT_EQ(t["details"]["family"], "llama");
  EXPECT_EQ(t["details"]["quantization_level"], "F32");
  EXPECT_EQ(t["size"], 1054208);

  auto show = post_json(srv(), "/api/show", {{"model", "stories260K"}});
  ASSERT_EQ(show.status, 200) << show.raw;
  EXPECT_EQ(show.body["model_info"]["general.architecture"], "llama");
  EXPECT_EQ(show.body["model_info"]["llama.context_length"], 512);
  // A float of the file is written as its shortest decimal (1e-05, not 9.99999974737875e-06).
  EXPECT_EQ(show.body["model_info"]["llama.attention.layer_norm_rms_epsilon"].get<double>(), 1e-05) << show.raw;
  EXPECT_EQ(show.raw.find("9.99999974737875"), std::string::npos) << show.raw;

  auto ps = get_json(srv(), "/api/ps");
  ASSERT_EQ(ps.status, 200);
  EXPECT_EQ(ps.body["models"][0]["name"], "stories260K:latest");

  auto version = get_json(srv(), "/api/version");
  EXPECT_EQ(version.body["version"], PG_VERSION);
}

}  // namespace
}  // namespace pg::test
