// The chat template's extra variables from requests (server/template_vars.h):
// Ollama's think, OpenAI's reasoning_effort and chat_template_kwargs (OpenAI
// chat completions, native chat) reach the template as enable_thinking and
// other variables, so Qwen 3's template writes its empty think block for
// think: false; a request that says nothing leaves enable_thinking undefined;
// wrong shapes are 400s naming the field. Requests are read by the server's own
// reader and rendered by the app as a generation would; then a real server
// with a Qwen 3-templated model counts the same prompt tokens. reasoning_effort
// also reaches our harmony (gpt-oss) template's system message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../engine/model/synthetic_model.h"
#include "app/generation.h"
#include "engine/gguf/gguf.h"
#include "engine/model/llama_model.h"
#include "models/synth_templates.h"
#include "server/generation_request.h"
#include "server/request_fields.h"
#include "server_test_support.h"

namespace pg::server {
namespace {

using nlohmann::json;

const std::string kThinkOff = "<|im_start|>assistant\n<think>\n\n</think>\n\n";
const std::string kPlainTurn = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";

std::string qwen3_template() {
  std::ifstream in(test::source_dir() + "/tests/engine/template/families/qwen3.jinja", std::ios::binary);
  EXPECT_TRUE(in.is_open());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> model_bytes(const std::string& chat_template) {
  test::SynthSpec spec;
  spec.n_ctx = 256;
  spec.chat_template = chat_template;
  return test::make_synthetic_model(spec);
}

std::unique_ptr<LlamaModel> model_with_template(const std::string& chat_template) {
  auto file = gguf::GgufFile::from_bytes(model_bytes(chat_template));
  EXPECT_TRUE(file) << file.error();
  auto model = LlamaModel::from_file(std::move(*file));
  EXPECT_TRUE(model) << model.error();
  return std::move(*model);
}

// The prompt a generation request gives `model`, read as the route reads it.
Result<std::string> prompt_for(const LlamaModel& model, GenerationApi api, const json& body) {
  httplib::Request http;
  const ApiRequest req{http, body.dump(), {}, {}};
  const json parsed = parse_json_object(req.body);
  const FieldReader r(parsed);
  return app::prompt_text(model, read_generation_request(req, r, api).request.input);
}

// `base` with the members of `extra` added (or replaced).
json with(json base, const json& extra) {
  base.update(extra);
  return base;
}

const json kHi = json::array({{{"role", "user"}, {"content", "Hi"}}});

TEST(ServerTemplateVars, ThinkFalseGivesQwen3ItsEmptyThinkBlock) {
  auto model = model_with_template(qwen3_template());
  const json ollama = {{"model", "m"}, {"messages", kHi}};
  const std::string off = prompt_for(*model, GenerationApi::OllamaChat, with(ollama, {{"think", false}})).value();
  EXPECT_EQ(off, "<|im_start|>user\nHi<|im_end|>\n" + kThinkOff);
  EXPECT_NE(off.find("<think>\n\n</think>"), std::string::npos);
  // think: true and no think at all leave the template's default (thinking on).
  EXPECT_EQ(prompt_for(*model, GenerationApi::OllamaChat, with(ollama, {{"think", true}})).value(), kPlainTurn);
  EXPECT_EQ(prompt_for(*model, GenerationApi::OllamaChat, ollama).value(), kPlainTurn);
  EXPECT_EQ(prompt_for(*model, GenerationApi::OllamaChat, with(ollama, {{"think", "high"}})).value(), kPlainTurn);
}

TEST(ServerTemplateVars, OpenAiAndNativeChatTakeChatTemplateKwargsAndReasoningEffort) {
  auto model = model_with_template(qwen3_template());
  const json chat = {{"messages", kHi}};
  const json off = with(chat, {{"chat_template_kwargs", {{"enable_thinking", false}}}});
  EXPECT_TRUE(prompt_for(*model, GenerationApi::OpenAiChat, off).value().ends_with(kThinkOff));
  EXPECT_TRUE(prompt_for(*model, GenerationApi::NativeChat, off).value().ends_with(kThinkOff));
  EXPECT_TRUE(prompt_for(*model, GenerationApi::OpenAiChat, with(chat, {{"reasoning_effort", "none"}}))
                  .value()
                  .ends_with(kThinkOff));
  // reasoning_effort wins over the kwargs, as in llama.cpp's server.
  json both = with(chat, {{"chat_template_kwargs", {{"enable_thinking", true}}}, {"reasoning_effort", "none"}});
  EXPECT_TRUE(prompt_for(*model, GenerationApi::OpenAiChat, both).value().ends_with(kThinkOff));
  EXPECT_EQ(prompt_for(*model, GenerationApi::OpenAiChat, with(chat, {{"reasoning_effort", "high"}})).value(),
            kPlainTurn);
  EXPECT_EQ(prompt_for(*model, GenerationApi::OpenAiChat, chat).value(), kPlainTurn);
}

TEST(ServerTemplateVars, VariablesAreUndefinedUnlessGivenAndKeepTheClientsKeyOrder) {
  auto model = model_with_template(
      "{{ enable_thinking is defined }}|{{ reasoning_effort | default('-') }}|{{ opts | default('-') | tojson }}|"
      "{{ messages | length }}");
  const json chat = {{"messages", kHi}};
  EXPECT_EQ(prompt_for(*model, GenerationApi::OpenAiChat, chat).value(), "False|-|\"-\"|1");
  EXPECT_EQ(prompt_for(*model, GenerationApi::OllamaChat, chat).value(), "False|-|\"-\"|1");
  EXPECT_EQ(prompt_for(*model, GenerationApi::OllamaChat, with(chat, {{"think", "low"}})).value(), "True|low|\"-\"|1");
  EXPECT_EQ(prompt_for(*model, GenerationApi::OpenAiChat, with(chat, {{"reasoning_effort", "medium"}})).value(),
            "False|medium|\"-\"|1");
  // The kwargs' members in the order the client wrote them (tojson prints it).
  httplib::Request http;
  const std::string body = R"({"messages": [{"role": "user", "content": "Hi"}],
      "chat_template_kwargs": {"opts": {"z": 1, "a": [true, null, "x"]}, "enable_thinking": false}})";
  const ApiRequest req{http, body, {}, {}};
  const json parsed = parse_json_object(body);
  const auto g = read_generation_request(req, FieldReader(parsed), GenerationApi::NativeChat).request;
  EXPECT_EQ(app::prompt_text(*model, g.input).value(), R"(True|-|{"z": 1, "a": [true, null, "x"]}|1)");
  EXPECT_EQ(g.input.template_vars_field, "chat_template_kwargs");
}

TEST(ServerTemplateVars, ReasoningEffortReachesTheHarmonySystemMessage) {
  auto model = model_with_template(std::string(harmony_chat_template()));
  const json chat = {{"messages", kHi}};
  auto reasoning_line = [&](GenerationApi api, const json& extra) {
    const std::string prompt = prompt_for(*model, api, with(chat, extra)).value();
    EXPECT_TRUE(prompt.starts_with("<|start|>system<|message|>")) << prompt;
    EXPECT_TRUE(prompt.ends_with("<|start|>user<|message|>Hi<|end|><|start|>assistant")) << prompt;
    const size_t at = prompt.find("Reasoning: ");
    return at == std::string::npos ? std::string() : prompt.substr(at, prompt.find('\n', at) - at);
  };
  EXPECT_EQ(reasoning_line(GenerationApi::OpenAiChat, json::object()), "Reasoning: medium");
  EXPECT_EQ(reasoning_line(GenerationApi::OpenAiChat, {{"reasoning_effort", "high"}}), "Reasoning: high");
  EXPECT_EQ(reasoning_line(GenerationApi::OpenAiChat, {{"reasoning_effort", "low"}}), "Reasoning: low");
  EXPECT_EQ(reasoning_line(GenerationApi::NativeChat, {{"chat_template_kwargs", {{"reasoning_effort", "high"}}}}),
            "Reasoning: high");
  EXPECT_EQ(reasoning_line(GenerationApi::OllamaChat, {{"think", "low"}}), "Reasoning: low");
  EXPECT_EQ(reasoning_line(GenerationApi::OllamaChat, {{"think", true}}), "Reasoning: medium");
}

TEST(ServerTemplateVars, WrongShapesAre400sNamingTheField) {
  auto model = model_with_template("");
  auto expect_400 = [&](GenerationApi api, const json& extra, const std::string& field) {
    json body = {{"messages", kHi}};
    body.update(extra);
    try {
      (void)prompt_for(*model, api, body);
      ADD_FAILURE() << "accepted: " << body.dump();
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << e.message;
      EXPECT_EQ(e.code, "invalid_field") << e.message;
      EXPECT_NE(e.message.find(field), std::string::npos) << e.message;
    }
  };
  for (GenerationApi api : {GenerationApi::OpenAiChat, GenerationApi::NativeChat}) {
    expect_400(api, {{"chat_template_kwargs", "enable_thinking=false"}}, "chat_template_kwargs");
    expect_400(api, {{"chat_template_kwargs", json::array({1})}}, "chat_template_kwargs");
    expect_400(api, {{"chat_template_kwargs", {{"enable_thinking", "false"}}}}, "chat_template_kwargs.enable_thinking");
    expect_400(api, {{"chat_template_kwargs", {{"messages", json::array()}}}}, "chat_template_kwargs.messages");
    expect_400(api, {{"chat_template_kwargs", {{"bos_token", "<s>"}}}}, "chat_template_kwargs.bos_token");
  }
  expect_400(GenerationApi::OpenAiChat, {{"reasoning_effort", "extreme"}}, "reasoning_effort");
  expect_400(GenerationApi::OpenAiChat, {{"reasoning_effort", 3}}, "reasoning_effort");
  json deep = true;
  for (int i = 0; i < 70; ++i) deep = json::array({deep});
  expect_400(GenerationApi::OpenAiChat, {{"chat_template_kwargs", {{"deep", deep}}}}, "chat_template_kwargs.deep");
  // null and {} are nothing.
  EXPECT_TRUE(prompt_for(*model, GenerationApi::OpenAiChat, {{"messages", kHi}, {"chat_template_kwargs", nullptr}}));
  EXPECT_TRUE(prompt_for(*model, GenerationApi::OpenAiChat, {{"messages", kHi}, {"chat_template_kwargs", json::object()}}));
}

// The whole way through a server: a model carrying Qwen 3's template, prompts
// counted by the server are exactly those rendered above.
TEST(ServerTemplateVars, AServerCountsTheThinkBlockInThePrompt) {
  const std::string dir = ::testing::TempDir() + "pg_template_vars_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/qwen3-template.gguf";
  {
    const auto bytes = model_bytes(qwen3_template());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  auto model = model_with_template(qwen3_template());
  auto tokens = [&](const std::string& text) {
    return static_cast<int64_t>(model->tokenizer().encode(text, true, true).size());
  };
  app::ServerConfig config = test::test_server_config();
  config.model = path;
  test::TestServer srv(std::move(config));
  const json ollama = {{"model", "qwen3-template"}, {"messages", kHi}, {"stream", false}, {"options", {{"num_predict", 1}}}};
  auto r = test::post_json(srv, "/api/chat", with(ollama, {{"think", false}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["prompt_eval_count"], tokens("<|im_start|>user\nHi<|im_end|>\n" + kThinkOff));
  // (prompt_eval_count counts what was evaluated, after a cached prefix; usage counts the whole prompt.)
  const json openai = {{"messages", kHi}, {"max_tokens", 1}};
  r = test::post_json(srv, "/v1/chat/completions", openai);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["usage"]["prompt_tokens"], tokens(kPlainTurn));
  r = test::post_json(srv, "/v1/chat/completions", with(openai, {{"chat_template_kwargs", {{"enable_thinking", false}}}}));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["usage"]["prompt_tokens"], tokens("<|im_start|>user\nHi<|im_end|>\n" + kThinkOff));
  r = test::post_json(srv, "/v1/chat/completions", with(openai, {{"chat_template_kwargs", "no"}}));
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "invalid_field");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("chat_template_kwargs"), std::string::npos) << r.raw;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pg::server
