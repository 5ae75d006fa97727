// The primitives under every request body parse (util/json_guard.h,
// util/json_preview.h, util/text_cap.h): the linear depth scan, exception-free
// parsing, bounded previews of values and UTF-8-safe capping. Named Server*
// so the AddressSanitizer run (make test-asan) covers them with the routes.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "util/json_guard.h"
#include "util/json_preview.h"
#include "util/text_cap.h"

namespace pg {
namespace {

TEST(ServerJsonGuard, DepthScanCountsOnlyStructureOutsideStrings) {
  EXPECT_EQ(json_nesting_depth("1"), 0u);
  EXPECT_EQ(json_nesting_depth("[]"), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a":[{"b":[]}]})"), 4u);
  EXPECT_EQ(json_nesting_depth(R"(["[[[[", "\"[[[", "\\", "{{"])"), 1u);
  EXPECT_EQ(json_nesting_depth("[[]][[[]]]"), 3u);
  EXPECT_EQ(json_nesting_depth(std::string(100000, '['), 512), 513u);  // stops early
  EXPECT_TRUE(check_json_depth(std::string(512, '[') + std::string(512, ']')));
  const Status deep = check_json_depth(std::string(513, '[') + std::string(513, ']'));
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.message().find("512"), std::string::npos);
}

TEST(ServerJsonGuard, ParseNeverThrowsAndSaysWhy) {
  auto ok = parse_json_guarded(R"({"a":[1,2]})", "the body");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)["a"][1], 2);
  auto syntax = parse_json_guarded(R"({"a":)", "the body");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().find("the body is not valid JSON (byte"), std::string::npos) << syntax.error();
  for (const std::string& big : {std::string("1e309"), std::string("[-1e999]"), std::string(100000, '9')}) {
    auto r = parse_json_guarded(big, "the body");
    ASSERT_FALSE(r) << big.substr(0, 10);
    EXPECT_NE(r.error().find("number too large"), std::string::npos) << r.error();
  }
  auto deep = parse_ordered_json_guarded(std::string(100000, '['), "the body");
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().find("deeper than the limit of 512"), std::string::npos) << deep.error();
  EXPECT_TRUE(parse_json_or_discarded("[[[").is_discarded());
  EXPECT_TRUE(parse_json_or_discarded(std::string(600, '[') + std::string(600, ']')).is_discarded());
  EXPECT_EQ(parse_json_or_discarded("[1]"), nlohmann::json::array({1}));
}

TEST(ServerJsonGuard, PreviewIsBoundedAndCutsOnUtf8Boundaries) {
  EXPECT_EQ(json_preview(nlohmann::json::parse(R"({"a":[1,"x",null]})")), R"({"a":[1,"x",null]})");
  // Wide: a million items, previewed without serializing them.
  nlohmann::json wide = nlohmann::json::array();
  for (int i = 0; i < 1000000; ++i) wide.push_back(i);
  const auto start = std::chrono::steady_clock::now();
  const std::string p = json_preview(wide, 60);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.1);
  EXPECT_LE(p.size(), 60u);
  EXPECT_EQ(p.substr(0, 7), "[0,1,2,");
  EXPECT_EQ(p.substr(p.size() - 3), "...");
  // Deep (built here, not parsed): the preview stops descending.
  nlohmann::json deep = nlohmann::json::array();
  for (int i = 0; i < 400; ++i) deep = nlohmann::json::array({std::move(deep)});
  EXPECT_LE(json_preview(deep, 60).size(), 60u);
  EXPECT_NE(json_preview(deep, 200).find("[...]"), std::string::npos) << json_preview(deep, 200);
  // A long string of 2-byte characters: never cut inside one.
  std::string accents;
  for (int i = 0; i < 10000; ++i) accents += "\xc3\xa9";
  for (size_t max : {10, 11, 12, 13, 60}) {
    const std::string s = json_preview(nlohmann::json(accents), max);
    EXPECT_LE(s.size(), max);
    EXPECT_NO_THROW((void)nlohmann::json(s).dump()) << max;  // dump() throws on invalid UTF-8
  }
  nlohmann::ordered_json ordered = {{"z", 1}, {"a", 2}};
  EXPECT_EQ(json_preview(ordered), R"({"z":1,"a":2})");
}

TEST(ServerJsonGuard, CapTextKeepsUtf8AndBlanksControls) {
  EXPECT_EQ(cap_text("short", 10), "short");
  EXPECT_EQ(cap_text("a\nb\tc\x1b", 10), "a b c ");
  EXPECT_EQ(cap_text("abcdef", 3), "abc...");
  EXPECT_EQ(cap_text("a\xc3\xa9z", 2), "a...");          // "é" does not fit whole
  EXPECT_EQ(cap_text("a\xe2\x82\xac", 3), "a...");       // neither does "€"
  EXPECT_EQ(cap_text("a\xe2\x82\xac", 4), "a\xe2\x82\xac");
  EXPECT_EQ(utf8_prefix("\xf0\x9f\x98\x80!", 4), "\xf0\x9f\x98\x80");
}

}  // namespace
}  // namespace pg
