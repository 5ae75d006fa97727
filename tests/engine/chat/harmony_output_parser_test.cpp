// gpt-oss replies in the harmony format through ChatOutputParser: analysis
// messages become reasoning, the final message content, messages addressed to
// functions.NAME tool calls (recipient in the channel part or in the role
// part, several calls, arguments streamed as compact JSON); every text is
// parsed whole, split at every byte and byte by byte with the same result;
// cut-off and malformed replies degrade to content without crashing; and the
// header reader decides only once the bytes allow it.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "chat_test_support.h"
#include "engine/chat/chat_output_parser.h"
#include "engine/chat/harmony_header.h"

namespace pg::chat {
namespace {

const ChatOutputFormat kHarmony = test::format_of(ToolCallSyntax::Harmony, ReasoningSyntax::Harmony);

ParsedChatOutput parse(std::string_view text, bool tools = true, bool reasoning = true) {
  return test::parse_every_way({kHarmony, tools, reasoning}, text);
}

bool has_marker(const std::string& text) { return text.find("<|") != std::string::npos; }

TEST(HarmonyOutput, AnalysisIsReasoningAndFinalIsContent) {
  const ParsedChatOutput r = parse(
      "<|channel|>analysis<|message|>User greets. Reply kindly.<|end|>"
      "<|start|>assistant<|channel|>final<|message|>Hello! How can I help?<|return|>");
  EXPECT_EQ(r.reasoning, "User greets. Reply kindly.");
  EXPECT_EQ(r.content, "Hello! How can I help?");
  EXPECT_TRUE(r.tool_calls.empty());
}

TEST(HarmonyOutput, EndOfGenerationTokenNeedNotShow) {
  // <|return|> and <|call|> are end-of-generation tokens: the text usually stops before them.
  const ParsedChatOutput r = parse("<|channel|>final<|message|>Just this.");
  EXPECT_EQ(r.content, "Just this.");
  EXPECT_EQ(r.reasoning, "");
}

TEST(HarmonyOutput, CallWithRecipientInChannelPart) {
  const ParsedChatOutput r = parse(
      "<|channel|>analysis<|message|>Need weather.<|end|>"
      "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
      "{\"city\": \"Paris\", \"days\": [1, 2]}<|call|>");
  EXPECT_EQ(r.reasoning, "Need weather.");
  EXPECT_EQ(r.content, "");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"city":"Paris","days":[1,2]})");
  EXPECT_EQ(r.tool_calls[0].id, "call_AAAAAAAAAAAAAAAAAAAAAAA0");
}

TEST(HarmonyOutput, CallWithRecipientInRolePartAndNoEndToken) {
  // The reply's first header has no role (the prompt ended with `<|start|>assistant`).
  const ParsedChatOutput first = parse(" to=functions.get_time<|channel|>commentary json<|message|>{}");
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.tool_calls[0].name, "get_time");
  EXPECT_EQ(first.tool_calls[0].arguments, "{}");
  EXPECT_EQ(first.content, "");

  const ParsedChatOutput later = parse(
      "<|channel|>analysis<|message|>Check the clock.<|end|>"
      "<|start|>assistant to=functions.get_time<|channel|>commentary <|constrain|>json<|message|>{\"zone\":\"UTC\"}");
  ASSERT_EQ(later.tool_calls.size(), 1u);
  EXPECT_EQ(later.tool_calls[0].arguments, R"({"zone":"UTC"})");
  EXPECT_EQ(later.reasoning, "Check the clock.");
}

TEST(HarmonyOutput, AReplyMayRestateItsOpening) {
  const ParsedChatOutput r = parse("<|start|>assistant<|channel|>final<|message|>Hi.");
  EXPECT_EQ(r.content, "Hi.");
  EXPECT_EQ(parse("<|start|>assistant").content, "<|start|>assistant");  // cut off: as written
}

TEST(HarmonyOutput, SeveralCallsAndAPreamble) {
  const ParsedChatOutput r = parse(
      "<|channel|>commentary<|message|>Looking both up.<|end|>"
      "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\":\"Oslo\"}<|call|>"
      "<|start|>assistant<|channel|>commentary to=functions.get_time json<|message|>{}<|call|>");
  EXPECT_EQ(r.content, "Looking both up.");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.tool_calls[1].name, "get_time");
  EXPECT_NE(r.tool_calls[0].id, r.tool_calls[1].id);
}

TEST(HarmonyOutput, StreamsDeltasWithoutMarkers) {
  ChatOutputParser parser(kHarmony, true, true, test::counting_ids());
  std::vector<ChatDelta> all;
  for (std::string_view piece : {"<|chan", "nel|>analysis<|mess", "age|>Think", "ing<|e", "nd|><|start|>assistant",
                                 "<|channel|>final<|message|>Answ", "er<", "|return|>"}) {
    for (ChatDelta& d : parser.push(piece)) all.push_back(std::move(d));
  }
  for (ChatDelta& d : parser.finish()) all.push_back(std::move(d));
  std::string reasoning, content;
  for (const ChatDelta& d : all) {
    EXPECT_FALSE(has_marker(d.text)) << d.text;
    (d.kind == ChatDelta::Reasoning ? reasoning : content) += d.text;
  }
  EXPECT_EQ(reasoning, "Thinking");
  EXPECT_EQ(content, "Answer");
}

TEST(HarmonyOutput, ArgumentsStreamBeforeTheCallEnds) {
  ChatOutputParser parser(kHarmony, true, true, test::counting_ids());
  const std::vector<ChatDelta> d =
      parser.push("<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Pa");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, ChatDelta::ToolCallBegin);
  EXPECT_EQ(d[0].name, "get_weather");
  EXPECT_EQ(d[1].kind, ChatDelta::ToolCallArguments);
  EXPECT_EQ(d[1].text, R"({"city":"Pa)");
  EXPECT_TRUE(parser.result().tool_calls.empty());
}

TEST(HarmonyOutput, MalformedOrCutOffCallsBecomeContent) {
  const std::string bad_json = "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\" 1}";
  ParsedChatOutput r = parse(bad_json);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, bad_json);

  const std::string not_object = "<|channel|>commentary to=functions.get_weather<|message|>[1]<|call|>";
  r = parse(not_object);
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, not_object);

  const std::string cut = "<|start|>assistant<|channel|>commentary to=functions.get_weather<|message|>{\"city\": \"Pa";
  r = parse("<|channel|>analysis<|message|>Hm.<|end|>" + cut);
  EXPECT_EQ(r.reasoning, "Hm.");
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, cut);

  // Ended before its object closed.
  r = parse("<|channel|>commentary to=functions.f<|message|>{\"a\": 1<|call|>");
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "<|channel|>commentary to=functions.f<|message|>{\"a\": 1<|call|>");
}

TEST(HarmonyOutput, ACompleteCallStaysWhenALaterOneFails) {
  const ParsedChatOutput r = parse(
      "<|channel|>commentary to=functions.a<|message|>{}<|call|><|start|>assistant<|channel|>commentary "
      "to=functions.b<|message|>oops<|call|> and more");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].name, "a");
  EXPECT_EQ(r.content, "<|start|>assistant<|channel|>commentary to=functions.b<|message|>oops<|call|> and more");
}

TEST(HarmonyOutput, TextThatIsNotHarmonyIsContent) {
  EXPECT_EQ(parse("Hello there, friend.").content, "Hello there, friend.");
  EXPECT_EQ(parse("  spaced  ").content, "  spaced  ");
  EXPECT_EQ(parse("<b>bold</b> <|x").content, "<b>bold</b> <|x");
  const ParsedChatOutput cut_header = parse("<|channel|>analy");
  EXPECT_EQ(cut_header.content, "<|channel|>analy");
  EXPECT_EQ(cut_header.reasoning, "");
}

TEST(HarmonyOutput, WhitespaceAndStrayEndMarkersBetweenMessagesAreDropped) {
  const ParsedChatOutput r =
      parse("<|channel|>analysis<|message|>a<|end|>\n<|end|> <|start|>assistant<|channel|>final<|message|>b<|return|>\n");
  EXPECT_EQ(r.reasoning, "a");
  EXPECT_EQ(r.content, "b");
  // Text between messages is content.
  EXPECT_EQ(parse("<|channel|>final<|message|>b<|end|> tail").content, "b tail");
}

TEST(HarmonyOutput, AMessageWithoutItsEndStillEndsAtTheNextHeader) {
  const ParsedChatOutput r = parse("<|channel|>analysis<|message|>think<|channel|>final<|message|>say");
  EXPECT_EQ(r.reasoning, "think");
  EXPECT_EQ(r.content, "say");
}

TEST(HarmonyOutput, MarkerLookalikesInsideTextAndArguments) {
  const ParsedChatOutput r = parse(
      "<|channel|>analysis<|message|>a <|en b<|end|><|start|>assistant<|channel|>commentary to=functions.f "
      "<|constrain|>json<|message|>{\"s\": \"<|end\"}");
  EXPECT_EQ(r.reasoning, "a <|en b");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments, R"({"s":"<|end"})");
}

TEST(HarmonyOutput, DisabledToolsOrReasoningGiveContent) {
  const std::string call = "<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\": 1}<|call|>";
  const ParsedChatOutput no_tools = parse(call, /*tools=*/false);
  EXPECT_TRUE(no_tools.tool_calls.empty());
  EXPECT_EQ(no_tools.content, "{\"a\": 1}");
  const ParsedChatOutput no_reasoning =
      parse("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>y", true, false);
  EXPECT_EQ(no_reasoning.reasoning, "");
  EXPECT_EQ(no_reasoning.content, "xy");
}

TEST(HarmonyOutput, PromptThatOpenedAnalysis) {
  const ChatOutputFormat opened = test::format_of(ToolCallSyntax::Harmony, ReasoningSyntax::Harmony, true);
  const ParsedChatOutput r =
      test::parse_every_way({opened, true, true}, "still thinking<|end|><|start|>assistant<|channel|>final<|message|>ok");
  EXPECT_EQ(r.reasoning, "still thinking");
  EXPECT_EQ(r.content, "ok");
}

TEST(HarmonyOutput, EveryPrefixOfAReplyParses) {
  const std::string reply =
      "<|channel|>analysis<|message|>Plan.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather "
      "<|constrain|>json<|message|>{\"city\":\"Rome\"}<|call|>";
  for (size_t n = 0; n <= reply.size(); ++n) {
    const ParsedChatOutput r = parse_chat_output(reply.substr(0, n), kHarmony, true, true, test::counting_ids());
    const size_t shown = std::min<size_t>(r.reasoning.size(), 5);
    EXPECT_EQ(r.reasoning.substr(0, shown), std::string("Plan.").substr(0, shown)) << n;
    // The call counts once its object closed, whether or not <|call|> shows.
    const bool closed = n >= reply.size() - std::string("<|call|>").size();
    EXPECT_EQ(r.tool_calls.size(), closed ? 1u : 0u) << n;
    // Cut inside the first header, or in the call: its text is content; in the analysis: none.
    const size_t body = reply.find("<|message|>") + std::string("<|message|>").size(), next = reply.find("<|start|>");
    if (!closed) {
      EXPECT_EQ(r.content.empty(), n == 0 || (n >= body && n <= next)) << n;
    }
  }
}

TEST(HarmonyHeader, DecidesOnlyWhenTheBytesAllow) {
  HarmonyHeader h;
  EXPECT_EQ(scan_harmony_header("", false, h), HarmonyHeaderScan::Partial);
  EXPECT_EQ(scan_harmony_header("<|chan", false, h), HarmonyHeaderScan::Partial);
  EXPECT_EQ(scan_harmony_header("<|channel|>final", false, h), HarmonyHeaderScan::Partial);
  EXPECT_EQ(scan_harmony_header("<|channel|>final<|message|>", false, h), HarmonyHeaderScan::Complete);
  EXPECT_EQ(h.channel, "final");
  EXPECT_EQ(scan_harmony_header("assistant to=functions.x<|channel|>commentary json<|message|>", true, h),
            HarmonyHeaderScan::Complete);
  EXPECT_EQ(h.role, "assistant");
  EXPECT_EQ(h.recipient, "functions.x");
  EXPECT_EQ(h.channel, "commentary");
  EXPECT_EQ(h.content_type, "json");
  EXPECT_EQ(scan_harmony_header("<|channel|>commentary to=functions.x <|constrain|>json<|message|>", false, h),
            HarmonyHeaderScan::Complete);
  EXPECT_EQ(h.content_type, "json");
  EXPECT_EQ(scan_harmony_header("Hello", false, h), HarmonyHeaderScan::Invalid);
  EXPECT_EQ(scan_harmony_header("<|message|>", false, h), HarmonyHeaderScan::Invalid);  // no channel
  EXPECT_EQ(scan_harmony_header("<|channel|>a<|channel|>b", false, h), HarmonyHeaderScan::Invalid);
  EXPECT_EQ(scan_harmony_header("<|channel|><|message|>", false, h), HarmonyHeaderScan::Invalid);
  EXPECT_EQ(scan_harmony_header(std::string(kMaxHarmonyHeaderBytes + 1, ' '), false, h), HarmonyHeaderScan::Invalid);
}

}  // namespace
}  // namespace pg::chat
