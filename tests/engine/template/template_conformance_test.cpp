// Conformance with Hugging Face's rendering of real chat templates: every case
// of ../shared/testdata/chat-templates/basic.jsonl (35 templates shipped with
// popular models, 10 conversations each, rendered by Python's Jinja2 exactly as
// transformers does) must give the exact expected text, or fail where the
// template refused the conversation (expected_error).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"
#include "test_paths.h"

namespace pg::jinja {
namespace {

TEST(TemplateConformance, AllBasicCasesMatchHuggingFace) {
  PG_REQUIRE_SHARED();
  std::ifstream in(test::shared_path("testdata/chat-templates/basic.jsonl"));
  ASSERT_TRUE(in) << "cannot open basic.jsonl";
  std::string line;
  int cases = 0, passed = 0, errors_expected = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::ordered_json::parse(line);
    ++cases;
    nlohmann::ordered_json context;
    for (const char* key : {"messages", "add_generation_prompt", "bos_token", "eos_token"}) context[key] = c[key];
    const std::string id = c["template_id"].get<std::string>() + " (line " + std::to_string(cases) + ")";
    auto r = render_chat_template(c["template"].get<std::string>(), context);
    if (c.contains("expected_error")) {
      ++errors_expected;
      EXPECT_FALSE(r.is_ok()) << id << " should fail (" << c["expected_error"] << ") but rendered: " << *r;
      if (!r) {
        EXPECT_NE(r.error().find(c["expected_error"].get<std::string>()), std::string::npos) << id << ": " << r.error();
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
  EXPECT_EQ(cases, 350);
  EXPECT_EQ(errors_expected, 32);
  EXPECT_EQ(passed, cases) << passed << "/" << cases << " conformance cases pass";
}

TEST(TemplateConformance, ParseOnceRenderManyGivesTheSameText) {
  PG_REQUIRE_SHARED();
  std::ifstream in(test::shared_path("testdata/chat-templates/basic.jsonl"));
  ASSERT_TRUE(in);
  std::string line;
  std::getline(in, line);
  const auto c = nlohmann::ordered_json::parse(line);
  auto tmpl = Template::parse(c["template"].get<std::string>());
  ASSERT_TRUE(tmpl.is_ok()) << tmpl.error();
  nlohmann::ordered_json context;
  for (const char* key : {"messages", "add_generation_prompt", "bos_token", "eos_token"}) context[key] = c[key];
  for (int i = 0; i < 3; ++i) {
    auto r = tmpl->render(context);
    ASSERT_TRUE(r.is_ok()) << r.error();
    EXPECT_EQ(*r, c["expected"].get<std::string>());
  }
}

}  // namespace
}  // namespace pg::jinja
