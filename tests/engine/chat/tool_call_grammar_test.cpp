// Tool-call grammars, per syntax: each parses as GBNF, is accepted by the
// matcher, accepts the calls a model of that family writes (one or several,
// as allowed) and refuses unknown names, bad arguments and extra calls; and
// what it accepts, the output parser reads back as the same calls. Bad tool
// lists and choices are refused naming the field.
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

using grammar::grammar_accepts;
using grammar::GrammarMatcher;
using grammar::parse_gbnf;

const nlohmann::json kTools = nlohmann::json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {
      "city": {"type": "string"},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
      "required": ["city"]}}},
  {"type": "function", "function": {"name": "get_time", "description": "The time"}}
])");

struct Expect {
  std::string name;
  std::string arguments;  // JSON
};

// A grammar that must be usable; checks `accepted` and `refused` samples (text after the
// trigger or forced prefix) and that each accepted one parses back into `calls`.
struct Sample {
  std::string text;
  std::vector<Expect> calls;  // empty: must be refused
};

void check(const ChatOutputFormat& format, const ToolChoice& choice, bool parallel, const std::vector<Sample>& samples) {
  auto c = tool_call_constraint(format, kTools, choice, parallel);
  ASSERT_TRUE(c) << c.error();
  const std::string trace = std::string(tool_call_syntax_name(format.tools)) + (parallel ? " parallel" : " single") +
                            " choice " + std::to_string(static_cast<int>(choice.mode));
  SCOPED_TRACE(trace + "\n" + c->gbnf);
  auto g = parse_gbnf(c->gbnf);
  ASSERT_TRUE(g) << g.error();
  auto m = GrammarMatcher::create(*g);
  ASSERT_TRUE(m) << m.error();
  if (choice.mode == ToolChoice::Mode::Auto) {
    ASSERT_EQ(c->triggers.size(), 1u);
    EXPECT_TRUE(c->forced_prefix.empty());
  } else {
    EXPECT_TRUE(c->triggers.empty());
    EXPECT_FALSE(c->forced_prefix.empty());
  }
  const std::string start = choice.mode == ToolChoice::Mode::Auto ? c->triggers[0] : c->forced_prefix;
  for (const Sample& s : samples) {
    const bool want = !s.calls.empty();
    EXPECT_EQ(grammar_accepts(*g, s.text), want) << s.text;
    auto matcher = GrammarMatcher::create(*g);
    ASSERT_TRUE(matcher);
    EXPECT_EQ(matcher->accept_text(s.text) && matcher->can_end(), want) << s.text;
    if (!want) continue;
    const ParsedChatOutput r = test::parse_every_way({format, true, true}, start + s.text);
    EXPECT_EQ(r.content, "") << s.text;
    ASSERT_EQ(r.tool_calls.size(), s.calls.size()) << s.text;
    for (size_t i = 0; i < s.calls.size(); ++i) {
      EXPECT_EQ(r.tool_calls[i].name, s.calls[i].name);
      EXPECT_TRUE(test::same_json(r.tool_calls[i].arguments, s.calls[i].arguments))
          << r.tool_calls[i].arguments << " vs " << s.calls[i].arguments;
    }
  }
}

const Expect kParis{"get_weather", R"({"city": "Paris"})"};
const Expect kParisF{"get_weather", R"({"city": "Paris", "unit": "fahrenheit"})"};
const Expect kTime{"get_time", "{}"};

TEST(ToolCallGrammar, TaggedJson) {
  for (ToolCallSyntax syntax : {ToolCallSyntax::TaggedJson, ToolCallSyntax::GenericJson}) {
    const std::vector<Sample> single = {
        {"\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", {kParis}},
        {"{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"unit\":\"fahrenheit\"}}</tool_call>", {kParisF}},
        {"\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", {kTime}},
        {"\n{\"name\": \"get_wether\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", {}},
        {"\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"kelvin\"}}\n</tool_call>", {}},
        {"\n{\"name\": \"get_weather\", \"arguments\": {\"unit\": \"celsius\"}}\n</tool_call>", {}},
        {"\n{\"name\": \"get_weather\", \"arguments\": {\"city\": 7}}\n</tool_call>", {}},
        {"\n{\"name\": \"get_time\", \"arguments\": {\"x\": 1}}\n</tool_call>", {}},
        {"\n{\"name\": \"get_time\", \"arguments\": {}}\n", {}},
    };
    const std::string two = "\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
                            "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";
    std::vector<Sample> parallel = single;
    parallel.push_back({two, {kParis, kTime}});
    std::vector<Sample> not_parallel = single;
    not_parallel.push_back({two, {}});
    const ChatOutputFormat f = test::format_of(syntax);
    check(f, ToolChoice::automatic(), true, parallel);
    check(f, ToolChoice::automatic(), false, not_parallel);
    check(f, ToolChoice::required(), true, parallel);
    check(f, ToolChoice::named("get_time"), false,
          {{"\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", {kTime}},
           {"\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", {}}});
  }
}

TEST(ToolCallGrammar, MistralNamed) {
  const std::vector<Sample> single = {
      {"get_weather[CALL_ID]a1B2c3D4e[ARGS]{\"city\": \"Paris\"}", {kParis}},
      {"get_weather[ARGS]{\"city\":\"Paris\",\"unit\":\"fahrenheit\"}", {kParisF}},
      {"get_time[ARGS]{}", {kTime}},
      {"get_time[CALL_ID]short[ARGS]{}", {}},
      {"get_clock[ARGS]{}", {}},
      {"get_weather[ARGS]{\"city\": \"Paris\", \"unit\": \"kelvin\"}", {}},
      {"get_weather[ARGS]", {}},
  };
  const std::string two = "get_weather[CALL_ID]a1B2c3D4e[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]get_time[CALL_ID]f5G6h7I8j[ARGS]{}";
  std::vector<Sample> parallel = single, not_parallel = single;
  parallel.push_back({two, {kParis, kTime}});
  not_parallel.push_back({two, {}});
  const ChatOutputFormat f = test::format_of(ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink);
  check(f, ToolChoice::automatic(), true, parallel);
  check(f, ToolChoice::required(), false, not_parallel);
  check(f, ToolChoice::named("get_weather"), true, {{"get_weather[ARGS]{\"city\": \"Oslo\"}", {{"get_weather", R"({"city":"Oslo"})"}}},
                                                    {"get_time[ARGS]{}", {}}});
}

TEST(ToolCallGrammar, MistralList) {
  const std::vector<Sample> single = {
      {"[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1B2c3D4e\"}]", {kParis}},
      {" [{\"name\":\"get_time\",\"arguments\":{}}]", {kTime}},
      {"[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1B2\"}]", {}},
      {"[{\"name\": \"get_weather\", \"arguments\": {}}]", {}},
      {"[{\"name\": \"nope\", \"arguments\": {}}]", {}},
      {"[]", {}},
      {"[{\"name\": \"get_time\", \"arguments\": {}}", {}},
  };
  const std::string two = "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1B2c3D4e\"}, "
                          "{\"name\": \"get_time\", \"arguments\": {}, \"id\": \"f5G6h7I8j\"}]";
  std::vector<Sample> parallel = single, not_parallel = single;
  parallel.push_back({two, {kParis, kTime}});
  not_parallel.push_back({two, {}});
  const ChatOutputFormat f = test::format_of(ToolCallSyntax::MistralList);
  check(f, ToolChoice::automatic(), true, parallel);
  check(f, ToolChoice::required(), false, not_parallel);
}

TEST(ToolCallGrammar, Llama3JsonIsOneCallAtTheStart) {
  const std::vector<Sample> samples = {
      {"\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", {kParis}},
      {" \"name\":\"get_time\", \"parameters\": {}\n}", {kTime}},
      {"\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}", {}},  // the template's key only
      {"\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}; {\"name\": \"get_time\", \"parameters\": {}}", {}},
      {"\"name\": \"get_time\", \"parameters\": {\"city\": \"Paris\"}}", {}},
  };
  const ChatOutputFormat f = test::format_of(ToolCallSyntax::Llama3Json);
  check(f, ToolChoice::automatic(), true, samples);
  check(f, ToolChoice::required(), true, samples);
  auto c = tool_call_constraint(f, kTools, ToolChoice::automatic(), true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->triggers, std::vector<std::string>{"{"});
  EXPECT_TRUE(c->triggers_at_start);
  c = tool_call_constraint(f, kTools, ToolChoice::required(), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->forced_prefix, "{");
}

TEST(ToolCallGrammar, TriggersAndForcedPrefixes) {
  const struct {
    ChatOutputFormat format;
    const char* marker;
    const char* forced;
  } cases[] = {
      {test::format_of(ToolCallSyntax::MistralList), "[TOOL_CALLS]", "[TOOL_CALLS]"},
      {test::format_of(ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink, true), "[TOOL_CALLS]",
       "[/THINK][TOOL_CALLS]"},
      {test::format_of(ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags), "<tool_call>", "<tool_call>"},
      {test::format_of(ToolCallSyntax::GenericJson, ReasoningSyntax::ThinkTags, true), "<tool_call>",
       "</think>\n\n<tool_call>"},
  };
  for (const auto& k : cases) {
    auto a = tool_call_constraint(k.format, kTools, ToolChoice::automatic(), true);
    ASSERT_TRUE(a) << a.error();
    EXPECT_EQ(a->triggers, std::vector<std::string>{k.marker});
    EXPECT_FALSE(a->triggers_at_start);
    auto r = tool_call_constraint(k.format, kTools, ToolChoice::required(), true);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->forced_prefix, k.forced);
  }
  // With the reasoning block the prompt opened, the forced prefix closes it and the parser reads
  // the call after it.
  const ChatOutputFormat f = test::format_of(ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags, true);
  auto c = tool_call_constraint(f, kTools, ToolChoice::named("get_time"), false);
  ASSERT_TRUE(c);
  const auto r = test::parse_every_way({f, true, true}, c->forced_prefix + "\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>");
  EXPECT_EQ(r.reasoning, "");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "get_time");
}

Status error_of(const nlohmann::json& tools, const ToolChoice& choice = ToolChoice::automatic(),
                ToolCallSyntax syntax = ToolCallSyntax::TaggedJson) {
  auto c = tool_call_constraint(test::format_of(syntax), tools, choice, true);
  EXPECT_FALSE(c) << c->gbnf;
  return c.status();
}

TEST(ToolCallGrammar, BadToolsAndChoicesNameTheField) {
  auto with_parameters = [](const nlohmann::json& parameters) {
    nlohmann::json tools = kTools;
    tools[1]["function"]["parameters"] = parameters;
    return tools;
  };
  for (const nlohmann::json& parameters : {nlohmann::json("object"), nlohmann::json::array(),
                                           nlohmann::json{{"type", "string"}}, nlohmann::json{{"type", "array"}},
                                           nlohmann::json{{"anyOf", nlohmann::json::array()}}}) {
    const Status st = error_of(with_parameters(parameters));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << parameters;
    EXPECT_NE(st.message().find("tools[1].function.parameters"), std::string::npos) << st.message();
    EXPECT_EQ(st.reason(), "invalid_field");
  }
  // A schema the grammar builder refuses: its error, naming where the schema is.
  const Status refused = error_of(with_parameters({{"type", "object"}, {"properties", {{"a", {{"type", "frobnicate"}}}}}}));
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("tools[1].function.parameters"), std::string::npos) << refused.message();

  Status st = error_of(kTools, ToolChoice::named("get_stock"));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(st.message().starts_with("tool_choice")) << st.message();

  st = error_of(nlohmann::json::object());
  EXPECT_TRUE(st.message().starts_with("tools:")) << st.message();
  st = error_of(nlohmann::json::array());
  EXPECT_TRUE(st.message().starts_with("tools:")) << st.message();

  nlohmann::json tools = kTools;
  tools[1]["function"]["name"] = "get_weather";
  st = error_of(tools);
  EXPECT_TRUE(st.message().starts_with("tools[1].function.name")) << st.message();
  tools[1]["function"]["name"] = "get time";
  st = error_of(tools);
  EXPECT_TRUE(st.message().starts_with("tools[1].function.name")) << st.message();
  tools = kTools;
  tools[0]["type"] = "retrieval";
  st = error_of(tools);
  EXPECT_TRUE(st.message().starts_with("tools[0].type")) << st.message();
  tools = kTools;
  tools[0].erase("function");
  st = error_of(tools);
  EXPECT_TRUE(st.message().starts_with("tools[0].function")) << st.message();

  st = error_of(kTools, ToolChoice::automatic(), ToolCallSyntax::None);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.reason(), "tools_unsupported");
}

}  // namespace
}  // namespace pg::chat
