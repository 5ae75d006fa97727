// Detection of tool-call and reasoning syntaxes on every template of
// ../shared/testdata/chat-templates (tools.jsonl and basic.jsonl), with and
// without special tokens in the vocabulary; and the conformance of the output
// parser with those templates: the assistant turns that carry tool calls, as
// each template renders them, parse back into the same calls and reasoning.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "chat_test_support.h"
#include "engine/chat/chat_output_parser.h"
#include "engine/chat/tool_call_format.h"
#include "test_paths.h"

namespace pg::chat {
namespace {

struct Expected {
  ToolCallSyntax tools;
  ReasoningSyntax reasoning;
};

// template_id -> template source, from a file of vectors.
std::map<std::string, std::string> templates_of(const std::string& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(pg::test::shared_path("testdata/chat-templates/" + file));
  EXPECT_TRUE(in) << "cannot open " << file;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::json::parse(line);
    out.emplace(c["template_id"].get<std::string>(), c["template"].get<std::string>());
  }
  return out;
}

std::function<bool(std::string_view)> vocab(std::set<std::string> tokens) {
  return [tokens = std::move(tokens)](std::string_view t) { return tokens.count(std::string(t)) > 0; };
}

const std::function<bool(std::string_view)> kNoVocab;

TEST(ToolCallFormat, EveryToolsTemplateIsDetected) {
  PG_REQUIRE_SHARED();
  const std::map<std::string, Expected> expected = {
      {"mistralai-Mistral-Nemo-Instruct-2407", {ToolCallSyntax::MistralList, ReasoningSyntax::None}},
      {"Mistral-Small-3.2-24B-Instruct-2506", {ToolCallSyntax::MistralNamed, ReasoningSyntax::None}},
      {"meta-llama-Llama-3.1-8B-Instruct", {ToolCallSyntax::Llama3Json, ReasoningSyntax::None}},
      {"Qwen-Qwen2.5-7B-Instruct", {ToolCallSyntax::TaggedJson, ReasoningSyntax::None}},
      {"Qwen-Qwen3-0.6B", {ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags}},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", {ToolCallSyntax::TaggedJson, ReasoningSyntax::None}},
      {"google-gemma-2-2b-it", {ToolCallSyntax::GenericJson, ReasoningSyntax::None}},
  };
  const auto templates = templates_of("tools.jsonl");
  EXPECT_EQ(templates.size(), expected.size());
  for (const auto& [id, source] : templates) {
    ASSERT_TRUE(expected.count(id)) << "no expectation for " << id;
    const ChatOutputFormat f = detect_chat_output_format(source, kNoVocab);
    EXPECT_EQ(f.tools, expected.at(id).tools) << id << ": " << tool_call_syntax_name(f.tools);
    EXPECT_EQ(f.reasoning, expected.at(id).reasoning) << id << ": " << reasoning_syntax_name(f.reasoning);
    EXPECT_FALSE(f.prompt_opens_reasoning) << id;
    // The template decides over the vocabulary.
    EXPECT_EQ(detect_chat_output_format(source, vocab({"[TOOL_CALLS]", "<tool_call>", "<|python_tag|>"})).tools,
              expected.at(id).tools == ToolCallSyntax::GenericJson ? ToolCallSyntax::MistralList : expected.at(id).tools)
        << id;
  }
}

TEST(ToolCallFormat, BasicTemplatesHaveNoSyntaxOfTheirOwn) {
  PG_REQUIRE_SHARED();
  const auto templates = templates_of("basic.jsonl");
  EXPECT_EQ(templates.size(), 35u);
  for (const auto& [id, source] : templates) {
    const ChatOutputFormat f = detect_chat_output_format(source, kNoVocab);
    EXPECT_EQ(f.tools, ToolCallSyntax::GenericJson) << id;
    EXPECT_EQ(f.reasoning, ReasoningSyntax::None) << id;
  }
  // Without a syntax in the template, the vocabulary's special tokens tell the family.
  const std::string mistral = templates.at("10-mistral-instruct");
  EXPECT_EQ(detect_chat_output_format(mistral, vocab({"[TOOL_CALLS]"})).tools, ToolCallSyntax::MistralList);
  EXPECT_EQ(detect_chat_output_format(mistral, vocab({"[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "[THINK]"})),
            (ChatOutputFormat{ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink, false}));
  EXPECT_EQ(detect_chat_output_format(templates.at("22-llama3-instruct"), vocab({"<|python_tag|>"})).tools,
            ToolCallSyntax::Llama3Json);
  EXPECT_EQ(detect_chat_output_format(templates.at("00-chatml"), vocab({"<tool_call>", "<think>"})),
            (ChatOutputFormat{ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags, false}));
}

TEST(ToolCallFormat, FamiliesOutsideTheVectors) {
  // The lines of each family's template that decide (llama.cpp's models/templates).
  const struct {
    const char* name;
    const char* source;
    Expected expected;
  } cases[] = {
      {"Ministral 3 Reasoning",
       "{{- '[THINK]' + block['thinking'] + '[/THINK]' }}{{- '[TOOL_CALLS]' }}{{- name + '[ARGS]' + arguments }}",
       {ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink}},
      {"Granite 4.0", "{{- '<tool_call>\\n{\"name\": \"' + tc.name + '\", \"arguments\": ' + tc.arguments|tojson }}",
       {ToolCallSyntax::TaggedJson, ReasoningSyntax::None}},
      {"Qwen3-Coder", "{{- '<tool_call>\\n<function=' + tool_call.name + '>\\n' }}",
       {ToolCallSyntax::GenericJson, ReasoningSyntax::None}},
      {"DeepSeek-R1 distill", "{{'<｜Assistant｜><think>\\n'}}{% if not enable_thinking %}{{- '</think>' -}}{% endif %}",
       {ToolCallSyntax::GenericJson, ReasoningSyntax::ThinkTags}},
      {"Llama 3.2", "<|start_header_id|>assistant<|end_header_id|>\\n\\n{{- '\"parameters\": ' }}",
       {ToolCallSyntax::Llama3Json, ReasoningSyntax::None}},
      {"Firefunction v2", "<|start_header_id|>assistant<|end_header_id|> functools[{{ calls }}]",
       {ToolCallSyntax::GenericJson, ReasoningSyntax::None}},
      {"gpt-oss", "{{- '<|start|>assistant to=functions.' + name + '<|channel|>commentary json<|message|>' }}",
       {ToolCallSyntax::Harmony, ReasoningSyntax::Harmony}},
      {"harmony without tools", "<|start|>user<|message|>{{ m.content }}<|end|>{{- '<|start|>assistant<|channel|>final' }}",
       {ToolCallSyntax::Harmony, ReasoningSyntax::Harmony}},
      {"<|channel|> alone", "{{ '<|channel|>' }}", {ToolCallSyntax::GenericJson, ReasoningSyntax::None}},
      {"empty", "", {ToolCallSyntax::GenericJson, ReasoningSyntax::None}},
  };
  for (const auto& c : cases) {
    const ChatOutputFormat f = detect_chat_output_format(c.source, kNoVocab);
    EXPECT_EQ(f.tools, c.expected.tools) << c.name;
    EXPECT_EQ(f.reasoning, c.expected.reasoning) << c.name;
  }
}

TEST(ToolCallFormat, HarmonyFromTheVocabularyAndItsNames) {
  // A template naming no syntax (ChatML-like) on a vocabulary with harmony's framing tokens.
  const auto harmony_vocab = vocab({"<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>", "<|call|>"});
  EXPECT_EQ(detect_chat_output_format("{{ '<|im_start|>' }}", harmony_vocab),
            (ChatOutputFormat{ToolCallSyntax::Harmony, ReasoningSyntax::Harmony, false}));
  EXPECT_EQ(detect_chat_output_format("{{ '<|im_start|>' }}", vocab({"<|start|>", "<|message|>"})).tools,
            ToolCallSyntax::GenericJson);
  EXPECT_STREQ(tool_call_syntax_name(ToolCallSyntax::Harmony), "harmony");
  EXPECT_STREQ(reasoning_syntax_name(ReasoningSyntax::Harmony), "harmony");
  EXPECT_EQ(tool_call_marker(ToolCallSyntax::Harmony), "to=functions.");
  EXPECT_EQ(reasoning_open_tag(ReasoningSyntax::Harmony), "<|channel|>analysis<|message|>");
  EXPECT_EQ(reasoning_close_tag(ReasoningSyntax::Harmony), "<|end|>");
  // A harmony prompt ends with `<|start|>assistant`, after any earlier analysis closed.
  EXPECT_FALSE(prompt_ends_inside_reasoning(
      ReasoningSyntax::Harmony, "<|start|>assistant<|channel|>analysis<|message|>x<|end|><|start|>assistant"));
  EXPECT_TRUE(prompt_ends_inside_reasoning(ReasoningSyntax::Harmony, "<|start|>assistant<|channel|>analysis<|message|>"));
}

TEST(ReasoningFormat, PromptEndsInsideReasoning) {
  EXPECT_TRUE(prompt_ends_inside_reasoning(ReasoningSyntax::ThinkTags, "<｜User｜>Hi<｜Assistant｜><think>\n"));
  EXPECT_FALSE(prompt_ends_inside_reasoning(ReasoningSyntax::ThinkTags, "<｜User｜>Hi<｜Assistant｜><think>\n</think>"));
  EXPECT_FALSE(prompt_ends_inside_reasoning(ReasoningSyntax::ThinkTags,
                                            "<|im_start|>assistant\n<think>\n\n</think>\n\n"));  // Qwen3, thinking off
  EXPECT_FALSE(prompt_ends_inside_reasoning(ReasoningSyntax::ThinkTags, "<|im_start|>assistant\n"));
  EXPECT_FALSE(prompt_ends_inside_reasoning(ReasoningSyntax::ThinkTags, "what is <think>? <|im_start|>assistant\n"));
  EXPECT_TRUE(prompt_ends_inside_reasoning(ReasoningSyntax::MistralThink, "[/INST][THINK]"));
  EXPECT_FALSE(prompt_ends_inside_reasoning(ReasoningSyntax::MistralThink, "[/INST]<think>"));
  EXPECT_FALSE(prompt_ends_inside_reasoning(ReasoningSyntax::None, "<think>"));
  EXPECT_EQ(reasoning_open_tag(ReasoningSyntax::MistralThink), "[THINK]");
  EXPECT_EQ(reasoning_close_tag(ReasoningSyntax::ThinkTags), "</think>");
  EXPECT_EQ(tool_call_marker(ToolCallSyntax::GenericJson), "<tool_call>");
  EXPECT_EQ(tool_call_marker(ToolCallSyntax::Llama3Json), "");
}

// ------------------------------------------------- parsing what templates render

// Where an assistant turn with calls sits in each template's rendering.
struct TurnBounds {
  const char* start;
  bool start_included;
  const char* end;
};

const std::map<std::string, TurnBounds>& turn_bounds() {
  static const std::map<std::string, TurnBounds> bounds = {
      {"mistralai-Mistral-Nemo-Instruct-2407", {"[TOOL_CALLS]", true, "</s>"}},
      {"Mistral-Small-3.2-24B-Instruct-2506", {"[TOOL_CALLS]", true, "</s>"}},
      {"meta-llama-Llama-3.1-8B-Instruct", {"<|start_header_id|>assistant<|end_header_id|>\n\n", false, "<|eot_id|>"}},
      {"Qwen-Qwen2.5-7B-Instruct", {"<|im_start|>assistant", false, "<|im_end|>"}},
      {"Qwen-Qwen3-0.6B", {"<|im_start|>assistant", false, "<|im_end|>"}},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", {"<|im_start|>assistant", false, "<|im_end|>"}},
  };
  return bounds;
}

// The assistant turns of `rendered` that hold calls in `syntax`.
std::vector<std::string> call_turns(const std::string& rendered, const TurnBounds& b, ToolCallSyntax syntax) {
  std::vector<std::string> turns;
  size_t pos = 0;
  while ((pos = rendered.find(b.start, pos)) != std::string::npos) {
    const size_t body = b.start_included ? pos : pos + std::string_view(b.start).size();
    const size_t end = rendered.find(b.end, body);
    if (end == std::string::npos) break;
    std::string turn = rendered.substr(body, end - body);
    const bool has_call = syntax == ToolCallSyntax::Llama3Json ? turn.starts_with("{")
                                                                 : turn.find(tool_call_marker(syntax)) != std::string::npos;
    if (has_call) turns.push_back(std::move(turn));
    pos = end;
  }
  return turns;
}

std::string expected_reasoning(const nlohmann::json& message) {
  if (message.contains("reasoning_content") && message["reasoning_content"].is_string()) {
    return message["reasoning_content"].get<std::string>();
  }
  const std::string content = message.value("content", nlohmann::json()).is_string() ? message["content"].get<std::string>() : "";
  const size_t open = content.find("<think>"), close = content.find("</think>");
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string r = content.substr(open + 7, close - open - 7);
  while (!r.empty() && r.front() == '\n') r.erase(0, 1);
  while (!r.empty() && r.back() == '\n') r.pop_back();
  return r;
}

TEST(ToolCallFormat, CallsRenderedByEachTemplateParseBack) {
  PG_REQUIRE_SHARED();
  std::ifstream in(pg::test::shared_path("testdata/chat-templates/tools.jsonl"));
  ASSERT_TRUE(in);
  std::string line;
  int turns_checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::json::parse(line);
    const std::string id = c["template_id"].get<std::string>();
    if (!c.contains("expected") || !turn_bounds().count(id)) continue;
    const ChatOutputFormat format = detect_chat_output_format(c["template"].get<std::string>(), kNoVocab);
    std::vector<nlohmann::json> messages;
    for (const auto& m : c["messages"]) {
      if (m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty()) messages.push_back(m);
    }
    const std::vector<std::string> turns = call_turns(c["expected"].get<std::string>(), turn_bounds().at(id), format.tools);
    const std::string where = id + " / " + c["case"].get<std::string>();
    ASSERT_EQ(turns.size(), messages.size()) << where;
    for (size_t t = 0; t < turns.size(); ++t) {
      const auto& calls = messages[t]["tool_calls"];
      // Mistral Small 3.2 renders string arguments JSON-quoted after [ARGS]; models write objects there.
      if (format.tools == ToolCallSyntax::MistralNamed && calls[0]["function"]["arguments"].is_string()) continue;
      const ParsedChatOutput r = test::parse_every_way({format, true, true}, turns[t]);
      EXPECT_EQ(r.content, "") << where << "\n" << turns[t];
      EXPECT_EQ(r.reasoning, expected_reasoning(messages[t])) << where;
      ASSERT_EQ(r.tool_calls.size(), calls.size()) << where << "\n" << turns[t];
      for (size_t k = 0; k < calls.size(); ++k) {
        const auto& fn = calls[k]["function"];
        EXPECT_EQ(r.tool_calls[k].name, fn["name"].get<std::string>()) << where;
        const nlohmann::json args =
            fn["arguments"].is_string() ? nlohmann::json::parse(fn["arguments"].get<std::string>()) : fn["arguments"];
        EXPECT_EQ(nlohmann::json::parse(r.tool_calls[k].arguments), args) << where;
        if (format.tools == ToolCallSyntax::MistralList || format.tools == ToolCallSyntax::MistralNamed) {
          EXPECT_EQ(r.tool_calls[k].id, calls[k]["id"].get<std::string>()) << where;
        }
      }
      ++turns_checked;
    }
  }
  EXPECT_EQ(turns_checked, 39);  // every assistant turn with calls in the six templates
}

}  // namespace
}  // namespace pg::chat
