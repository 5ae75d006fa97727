// Chat prompts (server/chat_prompt.h): a model's own tokenizer.chat_template is
// rendered by the Jinja interpreter with its BOS/EOS texts, the BOS the
// tokenizer adds is not doubled, a template that refuses the conversation is a
// 400 with the template's message, and models without a template get the
// documented default format.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/app_names.h"
#include "engine/gguf/gguf.h"
#include "server/chat_messages.h"
#include "engine/model/llama_model.h"
#include "../engine/model/synthetic_model.h"
#include "server/api_error.h"
#include "app/chat_prompt.h"

namespace pg::server {
namespace {

std::unique_ptr<LlamaModel> model_with_template(const std::string& chat_template) {
  test::SynthSpec spec;
  spec.chat_template = chat_template;
  auto file = gguf::GgufFile::from_bytes(test::make_synthetic_model(spec));
  EXPECT_TRUE(file) << file.error();
  auto model = LlamaModel::from_file(std::move(*file));
  EXPECT_TRUE(model) << model.error();
  return std::move(*model);
}

const nlohmann::json kMessages = nlohmann::json::parse(
    R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}])");

// A Llama-2-style template: BOS per turn, system folded into the first user turn,
// roles must alternate.
const char* kLlama2Style =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}"
    "{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}"
    "{% endfor %}";

TEST(ServerChatPrompt, RendersTheModelsOwnTemplateWithoutADoubleBos) {
  auto model = model_with_template(kLlama2Style);
  const std::string bos = model->tokenizer().token_text(model->tokenizer().bos_id());
  const std::string eos = model->tokenizer().token_text(model->tokenizer().eos_id());
  const std::string prompt = render_chat_prompt(*model, kMessages, true).value();
  // The first BOS is left to the tokenizer; the later turns keep theirs.
  EXPECT_EQ(prompt, "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello " + eos + bos + "[INST] Bye [/INST]");
}

TEST(ServerChatPrompt, ATemplateThatRefusesTheConversationIsA400WithItsMessage) {
  auto model = model_with_template(kLlama2Style);
  const nlohmann::json bad = nlohmann::json::parse(R"([{"role":"user","content":"a"},{"role":"user","content":"b"}])");
  const auto rendered = render_chat_prompt(*model, bad, true);
  ASSERT_FALSE(rendered) << "expected the template to refuse";
  const ApiError e = api_error(rendered.status());  // what a route answers
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "chat_template_error");
  EXPECT_NE(std::string(e.what()).find("roles must alternate"), std::string::npos) << e.what();
}

TEST(ServerChatPrompt, ModelsWithoutATemplateGetTheDefaultFormat) {
  auto model = model_with_template("");
  EXPECT_EQ(render_chat_prompt(*model, nlohmann::json::parse(R"([{"role":"user","content":"Hi"}])"), true).value(),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ServerChatPrompt, ToolCallMessagesKeepTheClientsKeyOrderForTojson) {
  auto model = model_with_template(
      "{% for m in messages %}{% if m.tool_calls %}{{ m.tool_calls[0].function.arguments | tojson }}|"
      "{{ m.tool_calls[0] | tojson }}{% elif m.role == 'tool' %}|{{ m.tool_call_id }}:{{ m.content }}{% endif %}"
      "{% endfor %}");
  const auto body = nlohmann::ordered_json::parse(
      R"({"messages":[{"role":"user","content":"weather?"},)"
      R"({"role":"assistant","content":"","tool_calls":[{"type":"function","id":"c1",)"
      R"("function":{"name":"get_weather","arguments":{"zip":"10115","city":"Berlin","a":1}}}]},)"
      R"({"role":"tool","tool_call_id":"c1","content":"sunny"}]})");
  const auto messages = normalize_chat_messages(&body["messages"], "messages");
  EXPECT_EQ(render_chat_prompt(*model, messages, false).value(),
            R"({"zip": "10115", "city": "Berlin", "a": 1}|)"
            R"({"type": "function", "id": "c1", "function": {"name": "get_weather", "arguments": {"zip": "10115", "city": "Berlin", "a": 1}}})"
            "|c1:sunny");
  const auto bad = nlohmann::ordered_json::parse(R"([{"role":"assistant","content":"","tool_calls":"get_weather"}])");
  EXPECT_THROW(normalize_chat_messages(&bad, "messages"), ApiError);
}

TEST(ServerChatPrompt, TheStoredDefaultTemplateRendersTheDefaultFormat) {
  auto plain = model_with_template("");
  auto templated = model_with_template(kDefaultChatTemplate);
  EXPECT_EQ(effective_chat_template(*plain), kDefaultChatTemplate);
  EXPECT_EQ(render_chat_prompt(*templated, kMessages, true).value(), render_chat_prompt(*plain, kMessages, true).value());
  EXPECT_EQ(render_chat_prompt(*templated, kMessages, false).value(), render_chat_prompt(*plain, kMessages, false).value());
}

}  // namespace
}  // namespace pg::server
