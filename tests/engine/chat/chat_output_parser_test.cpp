// The streaming parser of generated text, per syntax: calls, parallel calls,
// text before and between calls, unicode and escaped arguments, arguments
// streamed as written, reasoning blocks, and malformed or cut-off calls
// falling back to content. Every input is also parsed split at every byte and
// one byte at a time, which must change nothing (chat_test_support.h).
#include <gtest/gtest.h>

#include <cctype>
#include <iterator>
#include <random>
#include <string>

#include "chat_test_support.h"
#include "engine/chat/chat_output_parser.h"

namespace pg::chat {
namespace {

using test::format_of;
using test::parse_every_way;
using test::ParserSetup;

ParserSetup setup(ToolCallSyntax tools, ReasoningSyntax reasoning = ReasoningSyntax::None, bool tools_on = true,
                  bool reasoning_on = true, bool prompt_opens = false) {
  return {format_of(tools, reasoning, prompt_opens), tools_on, reasoning_on};
}

ToolCall call(std::string id, std::string name, std::string arguments) {
  return {std::move(id), std::move(name), std::move(arguments)};
}

// ---------------------------------------------------------------- MistralNamed

TEST(ToolCallMistralNamed, CallWithTheModelsId) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed),
                                 "[TOOL_CALLS]get_weather[CALL_ID]a1B2c3D4e[ARGS]{\"city\": \"Paris\", \"unit\": \"celsius\"}");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0], call("a1B2c3D4e", "get_weather", R"({"city":"Paris","unit":"celsius"})"));
}

TEST(ToolCallMistralNamed, ReasoningTextAndParallelCallsWithoutIds) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink),
                                 "[THINK]Weather, then time.[/THINK]I'll check both.[TOOL_CALLS]get_weather[ARGS]"
                                 "{\"city\":\"Paris\"}[TOOL_CALLS]get_time[ARGS]{}");
  EXPECT_EQ(r.reasoning, "Weather, then time.");
  EXPECT_EQ(r.content, "I'll check both.");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0], call("AAAAAAAA0", "get_weather", R"({"city":"Paris"})"));
  EXPECT_EQ(r.tool_calls[1], call("AAAAAAAA1", "get_time", "{}"));
}

TEST(ToolCallMistralNamed, AnIdThatIsNotNineAlphanumericsIsReplaced) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed), "[TOOL_CALLS]f[CALL_ID]abc[ARGS]{\"a\":1}");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0], call("AAAAAAAA0", "f", R"({"a":1})"));
}

TEST(ToolCallMistralNamed, ArgumentsStreamAsWritten) {
  ChatOutputParser parser(format_of(ToolCallSyntax::MistralNamed), true, true, test::counting_ids());
  auto d = parser.push("Sure.[TOOL_CALLS]get_weather[ARGS]{\"city\": ");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].kind, ChatDelta::Content);
  EXPECT_EQ(d[0].text, "Sure.");
  EXPECT_EQ(d[1].kind, ChatDelta::ToolCallBegin);
  EXPECT_EQ(d[1].name, "get_weather");
  EXPECT_EQ(d[1].id, "AAAAAAAA0");
  EXPECT_EQ(d[1].index, 0);
  EXPECT_EQ(d[2].kind, ChatDelta::ToolCallArguments);
  EXPECT_EQ(d[2].text, "{\"city\":");
  d = parser.push("\"Pa");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, "\"Pa");
  d = parser.push("ris\"}");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, "ris\"}");
  EXPECT_TRUE(parser.finish().empty());
  EXPECT_EQ(parser.result().tool_calls.at(0).arguments, R"({"city":"Paris"})");
}

TEST(ToolCallMistralNamed, MalformedCallsStayContent) {
  for (const char* text : {
           "[TOOL_CALLS]get weather[ARGS]{}",        // a space in the name
           "[TOOL_CALLS][ARGS]{}",                   // no name
           "[TOOL_CALLS]f[ARGZ]{}",                  // unknown marker
           "[TOOL_CALLS]f[ARGS][1]",                 // arguments not an object
           "[TOOL_CALLS]f[ARGS]{\"a\":}",            // bad JSON
           "[TOOL_CALLS]f[CALL_ID]a-b[ARGS]{}",      // id not alphanumeric
           "[TOOL_CALLS]f[ARGS]{\"a\": \"cut off",   // incomplete at the end
           "[TOOL_CALLS]f[ARGS]",                    // no arguments
           "[TOOL_CALLS]",                           // just the marker
       }) {
    const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed), text);
    EXPECT_EQ(r.content, text);
    EXPECT_TRUE(r.tool_calls.empty()) << text;
  }
}

TEST(ToolCallMistralNamed, AfterAMalformedCallEverythingIsContent) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed),
                                 "[TOOL_CALLS]a[ARGS]{} [TOOL_CALLS]b[ARGS]{x}[TOOL_CALLS]c[ARGS]{}");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "a");
  EXPECT_EQ(r.content, " [TOOL_CALLS]b[ARGS]{x}[TOOL_CALLS]c[ARGS]{}");  // with the space before it
}

TEST(ToolCallMistralNamed, AnnouncedCallThatFailsBecomesOneContentDelta) {
  ChatOutputParser parser(format_of(ToolCallSyntax::MistralNamed), true, true, test::counting_ids());
  auto d = parser.push("[TOOL_CALLS]f[ARGS]{\"a\": 1");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, ChatDelta::ToolCallBegin);
  d = parser.finish();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, ChatDelta::Content);
  EXPECT_EQ(d[0].text, "[TOOL_CALLS]f[ARGS]{\"a\": 1");
  EXPECT_TRUE(parser.result().tool_calls.empty());
}

TEST(ToolCallMistralNamed, TextAfterACallIsContent) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed), "[TOOL_CALLS]f[ARGS]{}\n\nDone. [TOOL_CALLS]g[ARGS]{}\n");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.content, "Done.");
}

// ------------------------------------------------------------------ MistralList

TEST(ToolCallMistralList, ParallelCallsWithTheirIds) {
  const auto r = parse_every_way(
      setup(ToolCallSyntax::MistralList),
      "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1B2c3D4e\"}, "
      "{\"name\": \"get_time\", \"arguments\": {}, \"id\": \"f5G6h7I8j\"}]");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0], call("a1B2c3D4e", "get_weather", R"({"city":"Paris"})"));
  EXPECT_EQ(r.tool_calls[1], call("f5G6h7I8j", "get_time", "{}"));
}

TEST(ToolCallMistralList, MissingOrBadIdsAreGeneratedAndSpacesAllowed) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralList),
                                 " [TOOL_CALLS] [{\"name\": \"f\", \"arguments\": {\"x\": [1, 2]}},\n"
                                 " {\"id\": \"short\", \"arguments\": \"{\\\"y\\\": true}\", \"name\": \"g\"}]");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0], call("AAAAAAAA0", "f", R"({"x":[1,2]})"));
  EXPECT_EQ(r.tool_calls[1], call("AAAAAAAA1", "g", R"({"y":true})"));  // arguments given as a JSON string
}

TEST(ToolCallMistralList, EachCallIsAnnouncedWholeWhenItsObjectCloses) {
  ChatOutputParser parser(format_of(ToolCallSyntax::MistralList), true, true, test::counting_ids());
  EXPECT_TRUE(parser.push("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"a\": 1}").empty());
  auto d = parser.push(", \"id\": \"a1B2c3D4e\"}");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, ChatDelta::ToolCallBegin);
  EXPECT_EQ(d[0].id, "a1B2c3D4e");
  EXPECT_EQ(d[1].text, R"({"a":1})");
  EXPECT_TRUE(parser.push("]").empty());
  EXPECT_TRUE(parser.finish().empty());
  EXPECT_EQ(parser.result().tool_calls.size(), 1u);
}

TEST(ToolCallMistralList, ACutOffListKeepsItsCompleteCalls) {
  auto r = parse_every_way(setup(ToolCallSyntax::MistralList), "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}");
  EXPECT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.content, "");
  r = parse_every_way(setup(ToolCallSyntax::MistralList),
                      "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}, {\"name\": \"g\", \"argu");
  EXPECT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.content, ", {\"name\": \"g\", \"argu");
}

TEST(ToolCallMistralList, MalformedListsStayContent) {
  for (const char* text : {
           "[TOOL_CALLS]get_weather[ARGS]{}",                               // the other Mistral syntax
           "[TOOL_CALLS][]",                                                 // no call
           "[TOOL_CALLS][{\"arguments\": {}}]",                              // no name
           "[TOOL_CALLS][{\"name\": \"f\"}]",                                // no arguments
           "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": [1]}]",           // arguments not an object
           "[TOOL_CALLS][{\"name\": \"f\", \"name\": \"g\", \"arguments\": {}}]",  // a key twice
           "[TOOL_CALLS][{\"name\": 3, \"arguments\": {}}]",                // name not a string
           "[TOOL_CALLS][\"f\"]",                                            // element not an object
       }) {
    const auto r = parse_every_way(setup(ToolCallSyntax::MistralList), text);
    EXPECT_EQ(r.content, text);
    EXPECT_TRUE(r.tool_calls.empty()) << text;
  }
}

// ------------------------------------------------------------------ Llama3Json

TEST(ToolCallLlama3, WholeTurnObjectIsACall) {
  const auto r = parse_every_way(setup(ToolCallSyntax::Llama3Json),
                                 "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0], call("call_AAAAAAAAAAAAAAAAAAAAAAA0", "get_weather", R"({"city":"Paris","days":3})"));
}

TEST(ToolCallLlama3, PythonTagWhitespaceAndArgumentsKey) {
  const auto r = parse_every_way(setup(ToolCallSyntax::Llama3Json),
                                 " \n<|python_tag|> {\"name\": \"f\", \"arguments\": {\"q\": \"x y\"}}\n");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"q":"x y"})");
}

TEST(ToolCallLlama3, NameAfterArgumentsAndStringArguments) {
  auto r = parse_every_way(setup(ToolCallSyntax::Llama3Json), "{\"parameters\": {\"a\": null}, \"name\": \"f\"}");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"a":null})");
  r = parse_every_way(setup(ToolCallSyntax::Llama3Json), "{\"name\": \"f\", \"parameters\": \"{\\\"a\\\": 1}\"}");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"a":1})");
}

TEST(ToolCallLlama3, ContentIsHeldOnlyUntilItCannotBeACall) {
  ChatOutputParser parser(format_of(ToolCallSyntax::Llama3Json), true, true, test::counting_ids());
  EXPECT_TRUE(parser.push("  ").empty());
  EXPECT_TRUE(parser.push("<|python").empty());
  auto d = parser.push("_tog|>Hi");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, "  <|python_tog|>Hi");
  d = parser.push(" {");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, " {");
}

TEST(ToolCallLlama3, AnythingButAWholeTurnCallIsContent) {
  for (const char* text : {
           "Sure! {\"name\": \"f\", \"parameters\": {}}",        // text before
           "{\"name\": \"f\", \"parameters\": {}} and more",     // text after
           "{\"name\": \"f\", \"parameters\": {}}{\"name\": \"g\", \"parameters\": {}}",  // two calls
           "{\"answer\": 42}",                                   // JSON, but no call
           "{\"name\": \"f\"}",                                  // no parameters
           "{\"name\": \"\", \"parameters\": {}}",               // empty name
           "{not json",
           "<|python_tag|>brave_search.call(query=\"x\")",      // built-in tool syntax: not supported
           "{\"name\": \"f\", \"parameters\": {\"a\": 1}",       // cut off
       }) {
    const auto r = parse_every_way(setup(ToolCallSyntax::Llama3Json), text);
    EXPECT_EQ(r.content, text);
    EXPECT_TRUE(r.tool_calls.empty()) << text;
  }
}

TEST(ToolCallLlama3, ToolsDisabledMeansContent) {
  const char* text = "{\"name\": \"f\", \"parameters\": {}}";
  const auto r = parse_every_way(setup(ToolCallSyntax::Llama3Json, ReasoningSyntax::None, /*tools_on=*/false), text);
  EXPECT_EQ(r.content, text);
  EXPECT_TRUE(r.tool_calls.empty());
}

// ------------------------------------------------------------------ TaggedJson

TEST(ToolCallTagged, TextThenParallelCalls) {
  for (ToolCallSyntax syntax : {ToolCallSyntax::TaggedJson, ToolCallSyntax::GenericJson}) {
    const auto r = parse_every_way(
        setup(syntax),
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
        "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"UTC\"}}\n</tool_call>");
    EXPECT_EQ(r.content, "Let me check.");
    ASSERT_EQ(r.tool_calls.size(), 2u);
    EXPECT_EQ(r.tool_calls[0], call("call_AAAAAAAAAAAAAAAAAAAAAAA0", "get_weather", R"({"city":"Paris"})"));
    EXPECT_EQ(r.tool_calls[1], call("call_AAAAAAAAAAAAAAAAAAAAAAA1", "get_time", R"({"tz":"UTC"})"));
  }
}

TEST(ToolCallTagged, UnicodeAndEscapesAreKeptAsWritten) {
  const auto r = parse_every_way(
      setup(ToolCallSyntax::TaggedJson),
      "<tool_call>\n{\"name\": \"note\", \"arguments\": {\"text\": \"h\xC3\xA9llo \xF0\x9F\x98\x80 \\\"q\\\" \\\\ "
      "<b>&</b>\\n\\u00e9\", \"n\": -1.5e3, \"ok\": false, \"l\": [ ]}}\n</tool_call>");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments,
            "{\"text\":\"h\xC3\xA9llo \xF0\x9F\x98\x80 \\\"q\\\" \\\\ <b>&</b>\\n\\u00e9\",\"n\":-1.5e3,\"ok\":false,\"l\":[]}");
  EXPECT_TRUE(test::same_json(r.tool_calls[0].arguments,
                              R"({"text":"héllo 😀 \"q\" \\ <b>&</b>\né","n":-1500.0,"ok":false,"l":[]})"));
}

TEST(ToolCallTagged, ArgumentsStreamOnceTheNameIsKnown) {
  ChatOutputParser parser(format_of(ToolCallSyntax::TaggedJson), true, true, test::counting_ids());
  EXPECT_TRUE(parser.push("<tool_call>\n{\"name\": \"f\", \"arguments\": ").empty());
  auto d = parser.push("{\"a\": [1, ");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, ChatDelta::ToolCallBegin);
  EXPECT_EQ(d[1].text, "{\"a\":[1,");
  d = parser.push("2]}}\n</tool_call>");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, "2]}");
}

TEST(ToolCallTagged, ArgumentsBeforeTheNameAreAnnouncedWhole) {
  ChatOutputParser parser(format_of(ToolCallSyntax::TaggedJson), true, true, test::counting_ids());
  EXPECT_TRUE(parser.push("<tool_call>{\"arguments\": {\"a\": 1}, ").empty());
  const auto d = parser.push("\"name\": \"f\"}");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].name, "f");
  EXPECT_EQ(d[1].text, R"({"a":1})");
  const auto r = parse_every_way(setup(ToolCallSyntax::TaggedJson),
                                 "<tool_call>{\"arguments\": {\"a\": 1}, \"id\": 7, \"name\": \"f\"}</tool_call>");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"a":1})");
}

TEST(ToolCallTagged, TextBetweenCallsAndAMissingClosingTagAtTheEnd) {
  const auto r = parse_every_way(setup(ToolCallSyntax::TaggedJson),
                                 "A<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call> B <tool_call>"
                                 "{\"name\": \"g\", \"arguments\": {}}\n</tool_ca");
  EXPECT_EQ(r.content, "AB");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[1].name, "g");
}

TEST(ToolCallTagged, MalformedCallsStayContent) {
  for (const char* text : {
           "Use the <tool_call> tag.",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": }}\n</tool_call>",
           "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": 5}\n</tool_call>",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {}, \"arguments\": {}}\n</tool_call>",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_cal>",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {}} trailing</tool_call>",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": \"\x80\"}}</tool_call>",  // invalid UTF-8
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": \"x",
           "Hello <tool",
       }) {
    const auto r = parse_every_way(setup(ToolCallSyntax::TaggedJson), text);
    EXPECT_EQ(r.content, text);
    EXPECT_TRUE(r.tool_calls.empty()) << text;
  }
}

TEST(ToolCallTagged, PartialMarkersAreHeldBackThenReleased) {
  ChatOutputParser parser(format_of(ToolCallSyntax::TaggedJson), true, true, test::counting_ids());
  auto d = parser.push("Hi \n<tool");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, "Hi");
  d = parser.push("box>");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, " \n<toolbox>");
  d = parser.push("\n\n");
  EXPECT_TRUE(d.empty());
  d = parser.finish();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, "\n\n");  // trailing whitespace of plain content is kept
  EXPECT_EQ(parser.result().content, "Hi \n<toolbox>\n\n");
}

TEST(ToolCallTagged, ToolsDisabledOrNoSyntaxMeansContent) {
  const char* text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>";
  auto r = parse_every_way(setup(ToolCallSyntax::TaggedJson, ReasoningSyntax::None, /*tools_on=*/false), text);
  EXPECT_EQ(r.content, text);
  r = parse_every_way(setup(ToolCallSyntax::None), text);
  EXPECT_EQ(r.content, text);
  EXPECT_TRUE(r.tool_calls.empty());
}

TEST(ToolCallParser, PushAfterFinishDoesNothingAndIdsAreSeeded) {
  ChatOutputParser parser(format_of(ToolCallSyntax::TaggedJson), true, true, seeded_id_generator(7));
  parser.push("<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>");
  parser.finish();
  EXPECT_TRUE(parser.push("more").empty());
  EXPECT_TRUE(parser.finish().empty());
  const std::string id = parser.result().tool_calls.at(0).id;
  ASSERT_EQ(id.size(), 29u);
  EXPECT_TRUE(id.starts_with("call_"));
  for (char c : id.substr(5)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;
  // Same seed, same ids; generators do not share state.
  IdGenerator a = seeded_id_generator(7), b = seeded_id_generator(7);
  EXPECT_EQ(a(24), b(24));
  EXPECT_EQ(a(9), b(9));
  EXPECT_EQ("call_" + seeded_id_generator(7)(24), id);
  EXPECT_NE(seeded_id_generator(8)(24), seeded_id_generator(7)(24));
  EXPECT_EQ(random_id_generator()(9).size(), 9u);
}

TEST(ToolCallParser, ParseWholeOutputAtOnce) {
  const ParsedChatOutput r = parse_chat_output(
      "<think>a</think>b<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": 1}}</tool_call>",
      format_of(ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags), true, true, test::counting_ids());
  EXPECT_EQ(r.reasoning, "a");
  EXPECT_EQ(r.content, "b");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0], call("call_AAAAAAAAAAAAAAAAAAAAAAA0", "f", R"({"x":1})"));
  // Without an id generator, ids are random (and well-formed).
  const ParsedChatOutput m = parse_chat_output("[TOOL_CALLS]f[ARGS]{}", format_of(ToolCallSyntax::MistralNamed), true,
                                               true, IdGenerator());
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].id.size(), 9u);
}

TEST(ToolCallParser, RandomFragmentsAgreeHoweverSplit) {
  // Texts made of markers, JSON pieces, whitespace and words, in random order: whatever they
  // parse to, splitting them anywhere must not change it, and the deltas must add up.
  const char* fragments[] = {
      "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "a1B2c3D4e", "<tool_call>", "</tool_call>", "<|python_tag|>",
      "<think>", "</think>", "[THINK]", "[/THINK]", "{", "}", "[", "]", "\"name\"", "\"arguments\"",
      "\"parameters\"", "\"id\"", ":", ",", " ", "\n", "\"f\"", "1", "\"x\\\"y\"", "get_time", "<tool", "[TOOL",
      "</thi", "h\xC3\xA9", "\xF0\x9F\x98", "\x80",
  };
  std::mt19937 rng(1234);
  const ToolCallSyntax syntaxes[] = {ToolCallSyntax::MistralList, ToolCallSyntax::MistralNamed,
                                     ToolCallSyntax::Llama3Json, ToolCallSyntax::TaggedJson};
  const ReasoningSyntax reasonings[] = {ReasoningSyntax::ThinkTags, ReasoningSyntax::MistralThink};
  for (int i = 0; i < 160; ++i) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 14);
    for (int k = 0; k < n; ++k) text += fragments[rng() % std::size(fragments)];
    const ParserSetup s = setup(syntaxes[i % 4], reasonings[(i / 4) % 2], true, (i / 8) % 2 == 0, (i / 16) % 3 == 0);
    parse_every_way(s, text);
  }
  // Well-formed calls among them still parse.
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink),
                                 "[THINK] </think> [/THINK] <tool_call>[TOOL_CALLS]get_time[CALL_ID]a1B2c3D4e[ARGS]{}");
  EXPECT_EQ(r.content, "<tool_call>");
  ASSERT_EQ(r.tool_calls.size(), 1u);
}

// ------------------------------------------------------------------- reasoning

TEST(ReasoningParser, ThinkTagsAreStrippedAndWhitespaceAfterDropped) {
  const auto r = parse_every_way(setup(ToolCallSyntax::GenericJson, ReasoningSyntax::ThinkTags),
                                 "<think>\nFirst, 2+2.\n\nIt is 4.\n</think>\n\n  The answer is 4.\n");
  EXPECT_EQ(r.reasoning, "First, 2+2.\n\nIt is 4.");
  EXPECT_EQ(r.content, "The answer is 4.\n");
}

TEST(ReasoningParser, ReasoningThenToolCallQwen3) {
  const auto r = parse_every_way(setup(ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags),
                                 "<think>\nI need the weather tool for Paris.\n</think>\n\n<tool_call>\n{\"name\": "
                                 "\"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
  EXPECT_EQ(r.reasoning, "I need the weather tool for Paris.");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
}

TEST(ReasoningParser, MistralThink) {
  const auto r = parse_every_way(setup(ToolCallSyntax::MistralNamed, ReasoningSyntax::MistralThink),
                                 "[THINK]Hmm [/THIN K] still thinking.[/THINK]\nAnswer.");
  EXPECT_EQ(r.reasoning, "Hmm [/THIN K] still thinking.");
  EXPECT_EQ(r.content, "Answer.");
}

TEST(ReasoningParser, ThePromptOpenedTheBlock) {
  const ParserSetup s = setup(ToolCallSyntax::GenericJson, ReasoningSyntax::ThinkTags, true, true, /*prompt_opens=*/true);
  auto r = parse_every_way(s, "\nOkay, so 2+2 </thin is 4.\n</think>\n\nIt is 4.");
  EXPECT_EQ(r.reasoning, "Okay, so 2+2 </thin is 4.");
  EXPECT_EQ(r.content, "It is 4.");
  r = parse_every_way(s, "<think>\nagain\n</think>4");  // the model opens it once more
  EXPECT_EQ(r.reasoning, "again");
  EXPECT_EQ(r.content, "4");
  r = parse_every_way(s, "</think>4");
  EXPECT_EQ(r.reasoning, "");
  EXPECT_EQ(r.content, "4");
  r = parse_every_way(s, "<thi");  // cut off: all reasoning
  EXPECT_EQ(r.reasoning, "<thi");
  EXPECT_EQ(r.content, "");
}

TEST(ReasoningParser, UnclosedBlockIsReasoningToTheEnd) {
  const auto r = parse_every_way(setup(ToolCallSyntax::GenericJson, ReasoningSyntax::ThinkTags),
                                 "<think>Still going </thi  \n");
  EXPECT_EQ(r.reasoning, "Still going </thi");
  EXPECT_EQ(r.content, "");
}

TEST(ReasoningParser, OnlyALeadingBlockIsReasoning) {
  const ParserSetup s = setup(ToolCallSyntax::GenericJson, ReasoningSyntax::ThinkTags);
  auto r = parse_every_way(s, "Answer <think>x</think> more");
  EXPECT_EQ(r.reasoning, "");
  EXPECT_EQ(r.content, "Answer <think>x</think> more");
  r = parse_every_way(s, "\n <think>x</think>y");  // whitespace before the tag stays content (as llama.cpp)
  EXPECT_EQ(r.reasoning, "x");
  EXPECT_EQ(r.content, "\n y");
  r = parse_every_way(s, "<thinking>x");
  EXPECT_EQ(r.content, "<thinking>x");
  r = parse_every_way(s, "<think>a</think>b<think>c</think>");
  EXPECT_EQ(r.reasoning, "a");
  EXPECT_EQ(r.content, "b<think>c</think>");
}

TEST(ReasoningParser, DisabledReasoningStaysContent) {
  const char* text = "<think>\nhmm\n</think>\n\n<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>";
  auto r = parse_every_way(setup(ToolCallSyntax::TaggedJson, ReasoningSyntax::ThinkTags, true, /*reasoning_on=*/false),
                           text);
  EXPECT_EQ(r.reasoning, "");
  EXPECT_EQ(r.content, "<think>\nhmm\n</think>");
  EXPECT_EQ(r.tool_calls.size(), 1u);
  r = parse_every_way(setup(ToolCallSyntax::None, ReasoningSyntax::ThinkTags, true, false, /*prompt_opens=*/true),
                      "a</think>b");
  EXPECT_EQ(r.content, "a</think>b");
  r = parse_every_way(setup(ToolCallSyntax::None, ReasoningSyntax::None), "<think>a</think>b");
  EXPECT_EQ(r.content, "<think>a</think>b");
}

TEST(ReasoningParser, ReasoningStreamsWithTrailingWhitespaceHeld) {
  ChatOutputParser parser(format_of(ToolCallSyntax::None, ReasoningSyntax::ThinkTags), true, true, test::counting_ids());
  EXPECT_TRUE(parser.push("<think>\n").empty());
  auto d = parser.push("one \n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, ChatDelta::Reasoning);
  EXPECT_EQ(d[0].text, "one");
  d = parser.push("two</think>\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].text, " \ntwo");
  d = parser.push("\nDone");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, ChatDelta::Content);
  EXPECT_EQ(d[0].text, "Done");
}

}  // namespace
}  // namespace pg::chat
