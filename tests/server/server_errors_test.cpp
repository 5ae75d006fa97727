// Hostile and wrong requests: every one gets a JSON 4xx with
// {"error":{"code","message","type"}} (Ollama's routes: {"error":"message"})
// naming the problem, and the server keeps answering afterwards.
#include <gtest/gtest.h>

#include "shared_server_fixture.h"

namespace pg::test {
namespace {

class ServerErrors : public SharedServerTest<ServerErrors> {
 public:
  static app::ServerConfig suite_config() {
    auto config = test_server_config();
    config.max_body_bytes = 64 * 1024;
    return config;
  }

 protected:
  // Checks the error shape and that the message mentions `mention`.
  static void expect_error(const JsonReply& r, int status, const std::string& code, const std::string& mention) {
    EXPECT_EQ(r.status, status) << r.raw;
    ASSERT_TRUE(r.body.is_object()) << r.raw;
    const auto& e = r.body["error"];
    if (e.is_string()) {  // Ollama's routes: {"error": "message"}
      EXPECT_NE(e.get<std::string>().find(mention), std::string::npos) << r.raw;
      return;
    }
    EXPECT_EQ(e["code"], code) << r.raw;
    EXPECT_TRUE(e["type"].is_string()) << r.raw;
    EXPECT_NE(e["message"].get<std::string>().find(mention), std::string::npos) << r.raw;
  }
};

TEST_F(ServerErrors, MalformedJsonAndNonObjects) {
  expect_error(post_raw(srv(), "/api/v1/models/generate", "{\"prompt\": "), 400, "invalid_json", "not valid JSON");
  expect_error(post_raw(srv(), "/api/v1/models/generate", "[1,2]"), 400, "invalid_json", "JSON object");
  expect_error(post_raw(srv(), "/api/v1/models/generate", ""), 400, "invalid_json", "empty");
  expect_error(post_raw(srv(), "/v1/chat/completions", "nonsense"), 400, "invalid_json", "not valid JSON");
  expect_error(post_raw(srv(), "/api/chat", "{'single': 'quotes'}"), 400, "invalid_json", "not valid JSON");
}

TEST_F(ServerErrors, WrongTypesNameTheField) {
  const std::string gen = "/api/v1/models/generate";
  expect_error(post_json(srv(), gen, {{"prompt", 5}}), 400, "invalid_field", "'prompt' must be a string");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"stream", "yes"}}), 400, "invalid_field", "'stream'");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"stop", {1, 2}}}), 400, "invalid_field", "stop[0]");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"max_tokens", 2.5}}), 400, "invalid_field", "max_tokens");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"seed", "abc"}}), 400, "invalid_field", "seed");
  expect_error(post_json(srv(), gen, {{"model", 3}}), 400, "invalid_field", "'model'");
  expect_error(post_json(srv(), "/v1/chat/completions", {{"messages", "hi"}}), 400, "invalid_field", "messages");
  expect_error(post_json(srv(), "/v1/chat/completions", {{"messages", {{{"role", "wizard"}, {"content", "x"}}}}}), 400,
               "invalid_field", "messages[0].role");
  expect_error(post_json(srv(), "/api/chat", {{"model", "stories260K"}, {"messages", {{{"role", "user"}, {"content", 1}}}}}),
               400, "invalid_field", "messages[0].content");
  const auto bad_call = nlohmann::json::parse(
      R"([{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": [{"function": {"arguments": {}}}]}])");
  expect_error(post_json(srv(), "/v1/chat/completions", {{"messages", bad_call}}), 400, "invalid_field",
               "messages[1].tool_calls[0].function.name");
  expect_error(post_json(srv(), "/api/chat", {{"model", "stories260K"}, {"messages", bad_call}}), 400, "invalid_field",
               "messages[1].tool_calls[0].function.name");
  expect_error(post_json(srv(), "/api/generate", {{"model", "stories260K"}, {"prompt", "x"}, {"options", "hot"}}), 400,
               "invalid_field", "'options' must be a JSON object");
  expect_error(post_json(srv(), "/api/v1/detokenize", {{"tokens", {1, "two"}}}), 400, "invalid_field", "tokens[1]");
}

TEST_F(ServerErrors, OutOfRangeValuesAreRefused) {
  const std::string gen = "/api/v1/models/generate";
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"temperature", 5.5}}), 400, "invalid_field", "temperature");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"temperature", -1}}), 400, "invalid_field", "temperature");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"top_p", 1.5}}), 400, "invalid_field", "top_p");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"top_k", -1}}), 400, "invalid_field", "top_k");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"min_p", 2}}), 400, "invalid_field", "min_p");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"presence_penalty", 3}}), 400, "invalid_field", "presence_penalty");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"max_tokens", 0}}), 400, "invalid_field", "max_tokens");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"max_tokens", 513}}), 400, "invalid_field", "context size");
  expect_error(post_json(srv(), gen, {{"prompt", "x"}, {"stop", std::vector<std::string>(17, "a")}}), 400,
               "invalid_field", "stop");
  expect_error(post_json(srv(), "/v1/completions", {{"prompt", "x"}, {"n", 9}}), 400, "invalid_field", "'n'");
  expect_error(post_json(srv(), "/api/v1/detokenize", {{"tokens", {1, 100000}}}), 400, "invalid_field", "vocabulary");
  expect_error(post_json(srv(), "/api/generate", {{"model", "stories260K"}, {"prompt", "x"}, {"options", {{"num_predict", 0}}}}),
               400, "invalid_field", "num_predict");
}

TEST_F(ServerErrors, UnknownModelsAre404) {
  expect_error(post_json(srv(), "/api/v1/models/generate", {{"model", "no-such-model"}, {"prompt", "x"}}), 404,
               "model_not_found", "no-such-model");
  expect_error(post_json(srv(), "/v1/chat/completions",
                         {{"model", "../../etc/passwd"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}}),
               404, "model_not_found", "passwd");
  expect_error(post_json(srv(), "/api/show", {{"model", "gpt-4"}}), 404, "model_not_found", "gpt-4");
  expect_error(get_json(srv(), "/v1/models/gpt-4"), 404, "model_not_found", "gpt-4");
}

TEST_F(ServerErrors, BodyLargerThanTheLimitIs413) {
  const std::string huge = "{\"prompt\": \"" + std::string(200 * 1024, 'a') + "\"}";
  expect_error(post_raw(srv(), "/api/v1/models/generate", huge), 413, "body_too_large", "max_body_bytes");
  EXPECT_EQ(get_json(srv(), "/api/v1/health").status, 200);
}

TEST_F(ServerErrors, PromptLongerThanTheContextIs400) {
  std::string prompt;
  for (int i = 0; i < 400; ++i) prompt += "the big dog ran ";
  expect_error(post_json(srv(), "/api/v1/models/generate", {{"prompt", prompt}}), 400, "context_length_exceeded",
               "context size 512");
  expect_error(post_json(srv(), "/v1/completions", {{"prompt", prompt}}), 400, "context_length_exceeded", "512");
}

TEST_F(ServerErrors, CancelOfUnknownGenerationIs404AndServerStaysUp) {
  expect_error(post_json(srv(), "/api/v1/generations/gen-nothing/cancel", nlohmann::json::object()), 404,
               "generation_not_found", "gen-nothing");
  auto health = get_json(srv(), "/api/v1/health");
  EXPECT_EQ(health.status, 200);
  auto ok = post_json(srv(), "/api/v1/models/generate", {{"prompt", "Hi"}, {"max_tokens", 2}});
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(ServerErrors, OllamaRoutesAnswerOllamasErrorShape) {
  for (const auto& [path, body] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"/api/generate", {{"model", "no-such"}, {"prompt", "x"}}},
           {"/api/chat", {{"model", "stories260K"}, {"messages", 5}}},
           {"/api/embed", {{"model", "stories260K"}}},
           {"/api/nothing", {{"x", 1}}}}) {
    auto r = post_json(srv(), path, body);
    EXPECT_GE(r.status, 400) << path;
    EXPECT_LT(r.status, 500) << path;
    ASSERT_TRUE(r.body.is_object()) << r.raw;
    EXPECT_TRUE(r.body["error"].is_string()) << path << ": " << r.raw;
  }
  // Ours keep the object shape.
  auto ours = post_json(srv(), "/api/v1/models/generate", {{"model", "no-such"}});
  EXPECT_TRUE(ours.body["error"].is_object()) << ours.raw;
  auto openai = post_json(srv(), "/v1/completions", {{"model", "no-such"}});
  EXPECT_TRUE(openai.body["error"].is_object()) << openai.raw;
}

TEST_F(ServerErrors, UnknownIdsAre404AndHugeBodiesAre413OnNewRoutes) {
  expect_error(get_json(srv(), "/api/v1/conversations/conv-none"), 404, "conversation_not_found", "conv-none");
  expect_error(post_raw(srv(), "/api/v1/embeddings", std::string(100 * 1024, ' ')), 413, "body_too_large", "max_body_bytes");
  expect_error(post_raw(srv(), "/api/v1/conversations", std::string(100 * 1024, ' ')), 413, "body_too_large", "max_body_bytes");
  EXPECT_EQ(get_json(srv(), "/api/v1/health").status, 200);
}

}  // namespace
}  // namespace pg::test
