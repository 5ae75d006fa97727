// The harmony (gpt-oss) tool-call grammar: with tool_choice auto it holds
// after the "to=functions." trigger and accepts the recipient in the channel
// or in the role part; with a forced call it is the whole reply, an optional
// analysis message then a commentary-channel call, and has no forced prefix.
// Whatever it accepts, the output parser reads back as that call (and the
// analysis as reasoning); unknown tools, bad arguments and a final answer
// instead of a call are refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat_test_support.h"
#include "engine/chat/chat_output_parser.h"
#include "engine/chat/tool_call_grammar.h"
#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"

namespace pg::chat {
namespace {

const nlohmann::json kTools = nlohmann::json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                   "additionalProperties": false}}},
  {"type": "function", "function": {"name": "get_time", "description": "The time"}}
])");

const ChatOutputFormat kHarmony = test::format_of(ToolCallSyntax::Harmony, ReasoningSyntax::Harmony);

struct Sample {
  std::string text;
  std::string name;  // "": must be refused
  std::string arguments = {};
  std::string reasoning = {};
  // Auto: what the model wrote before the grammar held, up to the trigger.
  std::string before = "<|channel|>commentary to=functions.";
};

void check(const ChatOutputFormat& format, const ToolChoice& choice, const std::vector<Sample>& samples) {
  auto c = tool_call_constraint(format, kTools, choice, true);
  ASSERT_TRUE(c) << c.error();
  SCOPED_TRACE(c->gbnf);
  EXPECT_TRUE(c->forced_prefix.empty());
  if (choice.mode == ToolChoice::Mode::Auto) {
    ASSERT_EQ(c->triggers, std::vector<std::string>{"to=functions."});
    EXPECT_FALSE(c->triggers_at_start);
  } else {
    EXPECT_TRUE(c->triggers.empty());
  }
  auto g = grammar::parse_gbnf(c->gbnf);
  ASSERT_TRUE(g) << g.error();
  for (const Sample& s : samples) {
    const bool want = !s.name.empty();
    EXPECT_EQ(grammar::grammar_accepts(*g, s.text), want) << s.text;
    if (!want) continue;
    // Auto: the model wrote the header up to the trigger itself.
    const std::string reply =
        choice.mode == ToolChoice::Mode::Auto ? s.before + s.text : s.text;
    const ParsedChatOutput r = test::parse_every_way({format, true, true}, reply);
    EXPECT_EQ(r.content, "") << reply;
    EXPECT_EQ(r.reasoning, s.reasoning) << reply;
    ASSERT_EQ(r.tool_calls.size(), 1u) << reply;
    EXPECT_EQ(r.tool_calls[0].name, s.name);
    EXPECT_TRUE(test::same_json(r.tool_calls[0].arguments, s.arguments)) << r.tool_calls[0].arguments;
  }
}

TEST(HarmonyGrammar, AutoAfterTheTrigger) {
  check(kHarmony, ToolChoice::automatic(),
        {{"get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}", "get_weather", R"({"city":"Paris"})"},
         {"get_time json<|message|>{}", "get_time", "{}"},
         {"get_weather<|channel|>commentary json<|message|>{\"city\":\"Oslo\"}", "get_weather", R"({"city":"Oslo"})",
          "", " to=functions."},
         {"get_weather<|channel|>commentary <|constrain|>json<|message|>{\"city\":\"Oslo\"}", "get_weather",
          R"({"city":"Oslo"})", "", "<|start|>assistant to=functions."},
         {"get_clock json<|message|>{}", ""},
         {"get_weather <|constrain|>json<|message|>{\"town\": \"Paris\"}", ""},
         {"get_weather <|constrain|>json<|message|>{\"city\": 3}", ""},
         {"get_weather<|message|>{\"city\":\"Oslo\"}", "get_weather", R"({"city":"Oslo"})"},
         {"get_weather json json<|message|>{\"city\":\"Oslo\"}", ""}});
}

TEST(HarmonyGrammar, ForcedCallMayFollowAnAnalysisMessage) {
  const std::vector<Sample> samples = {
      {"<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Rome\"}", "get_weather",
       R"({"city":"Rome"})"},
      {"<|channel|>analysis<|message|>The user wants weather; 2 < 3.<|end|><|start|>assistant"
       "<|channel|>commentary to=functions.get_time json<|message|>{}",
       "get_time", "{}", "The user wants weather; 2 < 3."},
      {"<|channel|>final<|message|>No call.", ""},
      {"<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>y", ""},
      {"<|channel|>analysis<|message|>a <|end|> b<|end|><|start|>assistant<|channel|>commentary "
       "to=functions.get_time json<|message|>{}",
       ""},  // a marker inside the analysis
      {"<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{}", ""},  // "city" is required
      {"<|channel|>commentary to=functions.get_time<|message|>{}", "get_time", "{}"},
      // The recipient is in the channel part: no second channel.
      {"<|channel|>commentary to=functions.get_time<|channel|>commentary<|message|>{}", ""},
  };
  check(kHarmony, ToolChoice::required(), samples);
  check(kHarmony, ToolChoice::named("get_time"),
        {{"<|channel|>commentary to=functions.get_time json<|message|>{}", "get_time", "{}"},
         {"<|channel|>commentary to=functions.get_weather json<|message|>{\"city\": \"Rome\"}", ""}});
}

TEST(HarmonyGrammar, ForcedCallAfterAnAnalysisThePromptOpened) {
  const ChatOutputFormat opened = test::format_of(ToolCallSyntax::Harmony, ReasoningSyntax::Harmony, true);
  check(opened, ToolChoice::required(),
        {{"go on<|end|><|start|>assistant<|channel|>commentary to=functions.get_time json<|message|>{}", "get_time", "{}",
          "go on"},
         {"<|channel|>commentary to=functions.get_time json<|message|>{}", ""}});
}

}  // namespace
}  // namespace pg::chat
