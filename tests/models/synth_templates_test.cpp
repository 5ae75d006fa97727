// Our harmony chat template (models/synth_templates.h) for synthesized gpt-oss
// models: it renders a tool conversation as Jinja2 3.1 renders it (the tools
// in the developer message, reasoning_effort in the system message, the
// call's analysis kept, the call and its result in harmony form), drops an
// earlier turn's analysis once a final reply follows, is detected as the
// harmony syntax, the calls it renders parse back through the output parser,
// and `playground synth` writes it into gpt-oss shapes (and only those).
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/gguf/gguf.h"

#include "engine/chat/chat_output_parser.h"
#include "engine/chat/tool_call_format.h"
#include "engine/template/chat_template.h"
#include "models/synth.h"
#include "models/synth_templates.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {

nlohmann::ordered_json tool_conversation() {
  return nlohmann::ordered_json::parse(R"({"messages": [
    {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "reasoning_content": "Use the tool.", "tool_calls": [
      {"id": "call1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "tool_call_id": "call1", "content": "21 C"}],
  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
      "unit": {"type": "string", "enum": ["C", "F"]}}, "required": ["city"]}}}],
  "add_generation_prompt": true, "reasoning_effort": "low"})");
}

TEST(SynthTemplates, HarmonyRendersAToolConversation) {
  auto r = jinja::render_chat_template(harmony_chat_template(), tool_conversation());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r,
            "<|start|>system<|message|>You are a helpful assistant.\nReasoning: low\n\n"
            "# Valid channels: analysis, commentary, final. Channel must be included for every message.\n"
            "Calls to these tools must go to the commentary channel: 'functions'.<|end|>"
            "<|start|>developer<|message|># Instructions\n\nBe brief.\n\n# Tools\n\n## functions\n\n"
            "namespace functions {\n\n// Current weather\ntype get_weather = (_: {\n// City name\ncity: string,\n"
            "unit?: \"C\" | \"F\",\n}) => any;\n\n} // namespace functions<|end|>"
            "<|start|>user<|message|>Weather in Paris?<|end|>"
            "<|start|>assistant<|channel|>analysis<|message|>Use the tool.<|end|>"
            "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
            "{\"city\": \"Paris\"}<|call|>"
            "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>21 C<|end|>"
            "<|start|>assistant");
}

TEST(SynthTemplates, HarmonyDropsEarlierAnalysisAndDefaultsTheEffort) {
  const auto context = nlohmann::ordered_json::parse(R"({"messages": [
    {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!", "reasoning_content": "Greet back."},
    {"role": "user", "content": "Bye"}], "add_generation_prompt": true})");
  auto r = jinja::render_chat_template(harmony_chat_template(), context);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r,
            "<|start|>system<|message|>You are a helpful assistant.\nReasoning: medium\n\n"
            "# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>"
            "<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>final<|message|>Hello!<|end|>"
            "<|start|>user<|message|>Bye<|end|><|start|>assistant");
  // The analysis of a call turn goes too once a final reply follows it.
  nlohmann::ordered_json later = tool_conversation();
  later["messages"].push_back({{"role", "assistant"}, {"content", "It is 21 C."}});
  auto r2 = jinja::render_chat_template(harmony_chat_template(), later);
  ASSERT_TRUE(r2) << r2.error();
  EXPECT_EQ(r2->find("Use the tool."), std::string::npos);
  EXPECT_NE(r2->find("<|channel|>final<|message|>It is 21 C.<|end|>"), std::string::npos);
}

TEST(SynthTemplates, HarmonyIsDetectedAndItsCallsParseBack) {
  const chat::ChatOutputFormat format = chat::detect_chat_output_format(harmony_chat_template(), {});
  EXPECT_EQ(format.tools, chat::ToolCallSyntax::Harmony);
  EXPECT_EQ(format.reasoning, chat::ReasoningSyntax::Harmony);

  nlohmann::ordered_json context = tool_conversation();
  context["messages"].erase(3);  // end with the assistant's call turn
  context["add_generation_prompt"] = false;
  auto r = jinja::render_chat_template(harmony_chat_template(), context);
  ASSERT_TRUE(r) << r.error();
  // What the model wrote after the prompt's `<|start|>assistant`.
  const std::string prompt_end = "Weather in Paris?<|end|><|start|>assistant";
  const size_t at = r->find(prompt_end);
  ASSERT_NE(at, std::string::npos);
  const chat::ParsedChatOutput out =
      chat::parse_chat_output(r->substr(at + prompt_end.size()), format, true, true, chat::seeded_id_generator(7));
  EXPECT_EQ(out.reasoning, "Use the tool.");
  EXPECT_EQ(out.content, "");
  ASSERT_EQ(out.tool_calls.size(), 1u);
  EXPECT_EQ(out.tool_calls[0].name, "get_weather");
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"city":"Paris"})");
}

TEST(SynthTemplates, GptOssShapesCarryTheHarmonyTemplate) {
  const std::filesystem::path dir = test::temp_dir("pg_synth_templates");
  auto template_of = [&](const SynthShape& shape) -> std::optional<std::string> {
    SynthOptions o;
    o.shape = shape;
    o.threads = 2;
    const std::string path = (dir / (shape.arch + ".gguf")).string();
    auto r = synthesize_model(path, o);
    EXPECT_TRUE(r) << (r ? "" : r.error());
    auto f = gguf::GgufFile::open(path);
    EXPECT_TRUE(f) << (f ? "" : f.error());
    return f ? (*f)->get_string("tokenizer.chat_template") : std::nullopt;
  };
  SynthShape moe = find_synth_shape("moe-test").value();
  moe.layers = 1;
  EXPECT_EQ(template_of(moe), std::string(harmony_chat_template()));
  // Another family's shape: no template (its vocabulary has no harmony tokens).
  const SynthShape llama{.name = "custom", .arch = "llama", .dim = 64, .layers = 1, .heads = 4, .kv_heads = 4,
                         .ffn = 128, .vocab = 512, .ctx = 256};
  EXPECT_EQ(template_of(llama), std::nullopt);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pg
