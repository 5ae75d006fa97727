// Chat prompts (server/chat_prompt.h): a model's own tokenizer.chat_template is
// rendered by the Jinja interpreter with its BOS/EOS texts, the BOS the
// tokenizer adds is not doubled, a template that refuses the conversation is a
// 400 with the template's message, and models without a template get the
// documented default format. With tools: the request's tool list is the
// template's `tools` (None without), messages are normalised as llama.cpp does
// (content null -> "", string arguments -> objects, call ids for Ollama
// clients) so real templates render OpenAI and Ollama histories, and the
// default format lists the tools and writes <tool_call> blocks.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "server/app_names.h"
#include "engine/gguf/gguf.h"
#include "server/chat_messages.h"
#include "engine/model/llama_model.h"
#include "../engine/model/synthetic_model.h"
#include "server/api_error.h"
#include "app/chat_prompt.h"
#include "engine/template/chat_template.h"
#include "test_paths.h"

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

using ojson = nlohmann::ordered_json;

const ojson kTools = ojson::parse(
    R"([{"type":"function","function":{"name":"get_time","description":"Local time",)"
    R"("parameters":{"type":"object","properties":{"zone":{"type":"string"}}}}}])");

TEST(ServerChatPrompt, ToolsAreTheTemplatesToolsVariableAndNoneWithout) {
  auto model = model_with_template("{{ tools is none }}|{{ tools | tojson }}|{{ messages | length }}");
  const ojson messages = ojson::parse(R"([{"role":"user","content":"Hi"}])");
  EXPECT_EQ(render_chat_prompt(*model, messages, true).value(), "True|null|1");
  EXPECT_EQ(render_chat_prompt(*model, messages, true, nullptr).value(), "True|null|1");
  EXPECT_EQ(render_chat_prompt(*model, messages, true, kTools).value(), "False|"
            R"([{"type": "function", "function": {"name": "get_time", "description": "Local time", )"
            R"("parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}]|1)");
}

// Rendered by Python's Jinja2 (trim_blocks, lstrip_blocks) from the same template text.
const char* kDefaultWithTools =
    "<|im_start|>system\nBe brief.\n\n# Tools\n\nFunctions you may call:\n<tools>\n{\"type\": \"function\", "
    "\"function\": {\"name\": \"get_time\", \"description\": \"Local time\", \"parameters\": {\"type\": \"object\", "
    "\"properties\": {\"zone\": {\"type\": \"string\"}}}}}\n</tools>\n\nTo call one, reply with:\n<tool_call>\n"
    "{\"name\": <name>, \"arguments\": <JSON object>}\n</tool_call><|im_end|>\n<|im_start|>user\nTime in Paris?<|im_end|>\n"
    "<|im_start|>assistant\nLet me check.\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": "
    "\"Europe/Paris\"}}\n</tool_call><|im_end|>\n<|im_start|>tool\n10:00<|im_end|>\n<|im_start|>assistant\n";

TEST(ServerChatPrompt, TheDefaultFormatListsToolsAndWritesToolCallBlocks) {
  auto plain = model_with_template("");
  auto templated = model_with_template(kDefaultChatTemplate);
  // As an OpenAI client sends it: content null, arguments a JSON string, no id on the result.
  const ojson messages = ojson::parse(
      R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Time in Paris?"},)"
      R"({"role":"assistant","content":"Let me check.","tool_calls":[{"id":"call00001","type":"function",)"
      R"("function":{"name":"get_time","arguments":"{\"zone\": \"Europe/Paris\"}"}}]},)"
      R"({"role":"tool","content":"10:00","tool_call_id":"call00001"}])");
  EXPECT_EQ(render_chat_prompt(*plain, messages, true, kTools).value(), kDefaultWithTools);
  EXPECT_EQ(render_chat_prompt(*templated, messages, true, kTools).value(), kDefaultWithTools);

  // Without a system message the tools get a system turn of their own; calls
  // without text are just their blocks, one per line; an empty tool list is no tools.
  const ojson two_calls = ojson::parse(
      R"([{"role":"user","content":"Time?"},{"role":"assistant","content":null,"tool_calls":[)"
      R"({"function":{"name":"get_time","arguments":{"zone":"UTC"}}},{"function":{"name":"get_time","arguments":"oops"}}]}])");
  const std::string out = render_chat_prompt(*plain, two_calls, false, kTools).value();
  EXPECT_EQ(out.rfind("<|im_start|>system\n# Tools\n\n", 0), 0u) << out;
  EXPECT_NE(out.find("<|im_start|>user\nTime?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n"
                     "{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}\n</tool_call>\n<tool_call>\n"
                     "{\"name\": \"get_time\", \"arguments\": \"oops\"}\n</tool_call><|im_end|>\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(render_chat_prompt(*plain, kMessages, true, ojson::array()).value(),
            render_chat_prompt(*plain, kMessages, true).value());
}

TEST(ServerChatPrompt, TemplateMessagesNormaliseAsLlamaCppDoes) {
  const ojson in = ojson::parse(
      R"([{"role":"user","content":"x"},)"
      R"({"role":"assistant","content":null,"tool_calls":[)"
      R"({"id":"call00001","type":"function","function":{"name":"a","arguments":"{\"z\":1,\"b\":{\"y\":2,\"c\":3}}"}},)"
      R"({"function":{"name":"b","arguments":"[1,2]"}},)"
      R"({"function":{"name":"c","arguments":"not json"}}]},)"
      R"({"role":"tool","name":"c","content":"r-c"},)"
      R"({"role":"tool","content":"r-a","tool_call_id":"call00001"},)"
      R"({"role":"tool","content":"r-b"},)"
      R"({"role":"tool","content":"extra"},)"
      R"({"role":"assistant","tool_calls":[{"function":{"name":"a","arguments":{}}}]},)"
      R"({"role":"user","content":null}])");
  const ojson out = template_messages(in);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(out[0], in[0]);
  EXPECT_EQ(out[1]["content"], "");
  const ojson& calls = out[1]["tool_calls"];
  // A string holding an object becomes the object, in its order; other strings stay.
  EXPECT_EQ(calls[0].dump(), R"({"id":"call00001","type":"function","function":{"name":"a","arguments":{"z":1,"b":{"y":2,"c":3}}}})");
  EXPECT_EQ(calls[1]["function"]["arguments"], "[1,2]");
  EXPECT_EQ(calls[2]["function"]["arguments"], "not json");
  // Calls without ids get 9 alphanumerics, never one the conversation uses.
  EXPECT_EQ(calls[1]["id"], "call00002");
  EXPECT_EQ(calls[2]["id"], "call00003");
  // Results without an id answer the call of their name, else the first unanswered.
  EXPECT_EQ(out[2]["tool_call_id"], "call00003");
  EXPECT_EQ(out[3]["tool_call_id"], "call00001");
  EXPECT_EQ(out[4]["tool_call_id"], "call00002");
  EXPECT_FALSE(out[5].contains("tool_call_id"));
  EXPECT_EQ(out[6]["content"], "");  // absent content beside calls
  EXPECT_EQ(out[6]["tool_calls"][0]["id"], "call00004");
  EXPECT_TRUE(out[7]["content"].is_null());  // only assistant messages with calls are touched
}

// gpt-oss's official template reads an earlier turn's analysis from
// message.thinking, Qwen3's from message.reasoning_content: both get it.
TEST(ServerChatPrompt, TemplateMessagesGiveReasoningUnderBothNames) {
  const ojson in = ojson::parse(
      R"([{"role":"user","content":"x"},)"
      R"({"role":"assistant","content":"a","reasoning_content":"because"},)"
      R"({"role":"assistant","content":"b","reasoning_content":"r","thinking":"t"},)"
      R"({"role":"assistant","content":"c"}])");
  const ojson out = template_messages(in);
  EXPECT_EQ(out[1]["thinking"], "because");
  EXPECT_EQ(out[1]["reasoning_content"], "because");
  EXPECT_EQ(out[2]["thinking"], "t");  // a given thinking is kept
  EXPECT_FALSE(out[3].contains("thinking"));
  EXPECT_FALSE(out[0].contains("thinking"));
}

// The vectors of ../shared/testdata/chat-templates/tools.jsonl by template and case.
std::map<std::string, std::map<std::string, ojson>> tool_vectors() {
  std::map<std::string, std::map<std::string, ojson>> out;
  std::ifstream in(test::shared_path("testdata/chat-templates/tools.jsonl"));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) {
      const ojson c = ojson::parse(line);
      out[c["template_id"].get<std::string>()][c["case"].get<std::string>()] = c;
    }
  return out;
}

jinja::ChatTemplateOptions vectors_options() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 26;
  tm.tm_isdst = -1;
  jinja::ChatTemplateOptions o;
  o.now = std::mktime(&tm);
  return o;
}

Result<std::string> render_vector(const ojson& c, const ojson& messages) {
  ojson context = {{"messages", messages}, {"tools", c["tools"]}, {"add_generation_prompt", c["add_generation_prompt"]},
                   {"bos_token", c["bos_token"]}, {"eos_token", c["eos_token"]}};
  return jinja::render_chat_template(c["template"].get<std::string>(), context, vectors_options());
}

TEST(ServerChatPrompt, RealTemplatesRenderStringArgumentsAsTheObjectOnesOnceNormalised) {
  PG_REQUIRE_SHARED();
  const auto vectors = tool_vectors();
  ASSERT_EQ(vectors.size(), 7u);
  int compared = 0;
  for (const auto& [id, cases] : vectors) {
    SCOPED_TRACE(id);
    const ojson& object_case = cases.at("tool_call_args_object");
    const ojson& string_case = cases.at("tool_call_args_string");
    if (!object_case.contains("expected")) continue;  // Gemma 2 refuses both
    auto r = render_vector(string_case, template_messages(string_case["messages"]));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(*r, object_case["expected"].get<std::string>());
    ++compared;
  }
  EXPECT_EQ(compared, 6);
  // Qwen3 refuses what the OpenAI SDK sends back (content null) unless normalised.
  const ojson& qwen3 = vectors.at("Qwen-Qwen3-0.6B").at("openai_client_style");
  ASSERT_FALSE(render_vector(qwen3, qwen3["messages"]));
  auto r = render_vector(qwen3, template_messages(qwen3["messages"]));
  ASSERT_TRUE(r) << r.error();
  EXPECT_NE(r->find("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"São Paulo\"}}\n</tool_call>"),
            std::string::npos)
      << *r;
}

TEST(ServerChatPrompt, AnOllamaToolHistoryRendersWithMistralSmall32) {
  PG_REQUIRE_SHARED();
  const ojson c = tool_vectors().at("Mistral-Small-3.2-24B-Instruct-2506").at("tool_call_args_object");
  // Ollama's shape: no ids, arguments as an object, the result named by tool_name.
  const ojson body = ojson::parse(
      R"({"messages":[{"role":"user","content":"Weather in Paris?"},)"
      R"({"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},)"
      R"({"role":"tool","tool_name":"get_weather","content":"18 C"}]})");
  const ojson messages = normalize_chat_messages(&body["messages"], "messages");
  ASSERT_FALSE(render_vector(c, messages)) << "the template requires 9-character ids";
  auto r = render_vector(c, template_messages(messages));
  ASSERT_TRUE(r) << r.error();
  EXPECT_NE(r->find("[TOOL_CALLS]get_weather[CALL_ID]call00001[ARGS]{\"city\": \"Paris\"}</s>"), std::string::npos) << *r;
  EXPECT_NE(r->find("[TOOL_RESULTS]call00001[TOOL_CONTENT]18 C[/TOOL_RESULTS]"), std::string::npos) << *r;
}

}  // namespace
}  // namespace pg::server
