// Conformance with Hugging Face's rendering of real chat templates given tools,
// assistant tool calls and tool results: every case of
// ../shared/testdata/chat-templates/tools.jsonl (Mistral Nemo, Mistral Small
// 3.2, Llama 3.1, Qwen 2.5, Qwen 3, Hermes 3, Gemma 2; see TOOLS.md there) must
// give the exact expected text, or fail where Jinja2 failed (expected_error).
// The input is rendered exactly as given (no normalisation of messages), with
// `tools: null` passed as a defined none and strftime_now() at the vectors'
// fixed instant. This test must never reorder keys: tojson prints them in order.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"
#include "test_paths.h"

namespace pg::jinja {
namespace {

// 2026-11-26 00:00:00 local time: strftime_now() formats local time, as Python's
// datetime.now().strftime does, so the instant is taken in the local zone.
std::time_t vectors_now() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 26;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

TEST(TemplateToolsConformance, AllToolCasesMatchHuggingFace) {
  PG_REQUIRE_SHARED();
  std::ifstream in(test::shared_path("testdata/chat-templates/tools.jsonl"));
  ASSERT_TRUE(in) << "cannot open testdata/chat-templates/tools.jsonl";
  ChatTemplateOptions options;
  options.now = vectors_now();
  std::string line;
  int cases = 0, passed = 0, errors_expected = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::ordered_json::parse(line);
    ++cases;
    nlohmann::ordered_json context;
    for (const char* key : {"messages", "tools", "add_generation_prompt", "bos_token", "eos_token"})
      context[key] = c.at(key);
    const std::string id = c["template_id"].get<std::string>() + " / " + c["case"].get<std::string>() + " (line " +
                           std::to_string(cases) + ")";
    auto r = render_chat_template(c["template"].get<std::string>(), context, options);
    if (c.contains("expected_error")) {
      ++errors_expected;
      const std::string expected = c["expected_error"].get<std::string>();
      EXPECT_FALSE(r.is_ok()) << id << " should fail (" << expected << ") but rendered: " << *r;
      if (r) continue;
      // The text is Python's; only a template's own raise_exception() message
      // is ours to match (it fails for the same reason, not some other one).
      const std::string raised = "TemplateError: ";
      if (expected.rfind(raised, 0) == 0) {
        const bool same = r.error().find(expected.substr(raised.size())) != std::string::npos;
        EXPECT_TRUE(same) << id << ": expected " << expected << ", got " << r.error();
        if (same) ++passed;
      } else {
        ++passed;
      }
    } else {
      ASSERT_TRUE(c.contains("expected")) << id;
      EXPECT_TRUE(r.is_ok()) << id << ": " << r.error();
      if (r) {
        EXPECT_EQ(*r, c["expected"].get<std::string>()) << id;
        if (*r == c["expected"].get<std::string>()) ++passed;
      }
    }
  }
  EXPECT_EQ(cases, 79);
  EXPECT_EQ(errors_expected, 13);
  EXPECT_EQ(passed, cases) << passed << "/" << cases << " tool conformance cases pass";
}

}  // namespace
}  // namespace pg::jinja
