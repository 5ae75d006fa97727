// The incremental JSON checker under the call parser: it must agree with
// nlohmann's parser on which object texts are valid (and fail at the first
// byte no valid text could continue with), compact them, and find the
// top-level members.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "engine/chat/json_scan.h"

namespace pg::chat {
namespace {

// Where the scanner stops: the number of bytes accepted before an error, or the text's size.
size_t accepted_prefix(std::string_view text) {
  JsonScanner s;
  for (size_t i = 0; i < text.size(); ++i) {
    if (s.feed(text[i]) == JsonScanner::Feed::Error) return i;
  }
  return text.size();
}

TEST(ToolCallJsonScan, AgreesWithNlohmannOnObjects) {
  const char* valid[] = {
      "{}", "{ }", "{\"a\":1}", " {\"a\" : [1, 2.5, -0, 0.5e-3, 1E+2, true, false, null]}",
      "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}", "{\"nested\":{\"x\":[{\"y\":[]}]}}",
      "{\"u\":\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"}", "[1, {\"a\": \"b\"}]", "[]",
  };
  for (const char* text : valid) {
    EXPECT_EQ(accepted_prefix(text), std::string_view(text).size()) << text;
    JsonScanner s;
    JsonScanner::Feed last = JsonScanner::Feed::Ok;
    for (char c : std::string_view(text)) last = s.feed(c);
    EXPECT_EQ(last, JsonScanner::Feed::Closed) << text;
    EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded()) << text;
  }
  const struct {
    const char* text;
    size_t fails_at;
  } invalid[] = {
      {"x", 0},           {"\"s\"", 0},          {"1", 0},             {"{a}", 1},
      {"{\"a\" 1}", 5},   {"{\"a\":}", 5},       {"{\"a\":1,}", 7},    {"[1,]", 3},
      {"{\"a\":01}", 6},  {"{\"a\":-}", 6},      {"{\"a\":1.}", 7},    {"{\"a\":1e}", 7},
      {"{\"a\":tru}", 8}, {"{\"a\":nul1}", 8},   {"{\"a\":\"\\x\"}", 7}, {"{\"a\":\"\\u12g4\"}", 10},
      {"{\"a\":\"\n\"}", 6}, {"{\"a\":\"\x80\"}", 6}, {"{\"a\":\"\xC3(\"}", 7}, {"{\"a\":1]", 6},
      {"[1}", 2},         {"{}}", 2},            {"{\"a\":+1}", 5},    {"{'a':1}", 1},
  };
  for (const auto& c : invalid) {
    EXPECT_EQ(accepted_prefix(c.text), c.fails_at) << c.text;
    EXPECT_TRUE(nlohmann::json::parse(c.text, nullptr, false).is_discarded() ||
                !nlohmann::json::parse(c.text, nullptr, false).is_structured())
        << c.text;
  }
}

TEST(ToolCallJsonScan, CompactsWithoutTouchingStrings) {
  EXPECT_EQ(compact_json_object(" { \"a b\" : [ 1 , \" x  y \" ] ,\n\t\"c\" : { } } \n"), "{\"a b\":[1,\" x  y \"],\"c\":{}}");
  EXPECT_EQ(compact_json_object("{\"n\": 1.50e+3}"), "{\"n\":1.50e+3}");
  EXPECT_FALSE(compact_json_object("[1]"));
  EXPECT_FALSE(compact_json_object("{} {}"));
  EXPECT_FALSE(compact_json_object("{\"a\":1"));
  EXPECT_FALSE(compact_json_object(""));
}

TEST(ToolCallJsonScan, FindsTopLevelMembers) {
  const auto m = json_object_members("{\"name\": \"f\", \"n\": 12, \"args\": {\"a\": [1, {\"b\": 2}]}, \"t\": true}");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 4u);
  EXPECT_EQ((*m)[0].key, "\"name\"");
  EXPECT_EQ((*m)[0].value, "\"f\"");
  EXPECT_EQ((*m)[1].value, "12");
  EXPECT_EQ((*m)[2].key, "\"args\"");
  EXPECT_EQ((*m)[2].value, "{\"a\": [1, {\"b\": 2}]}");
  EXPECT_EQ((*m)[3].value, "true");
  const auto last_number = json_object_members("  {\"x\":-1.5}");
  ASSERT_TRUE(last_number);
  EXPECT_EQ(last_number->at(0).value, "-1.5");
  EXPECT_FALSE(json_object_members("{\"x\":}"));
}

}  // namespace
}  // namespace pg::chat
