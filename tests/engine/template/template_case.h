// Shared helper of the template tests: a template with either the exact
// output real Jinja2 gave for it or the expectation that rendering fails.
// check_cases() renders each case of a table with one JSON context through
// Template::parse/render (no variables added) and reports every mismatch
// together with the template that caused it.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"

namespace pg::jinja {

struct TemplateCase {
  const char* source;
  bool error;
  const char* expected;
};

inline Result<std::string> render_with(const std::string& source, const std::string& context_json,
                                       const ChatTemplateOptions& options = {}) {
  auto tmpl = Template::parse(source);
  if (!tmpl) return Error{tmpl.error()};
  return tmpl->render(nlohmann::ordered_json::parse(context_json), options);
}

template <size_t N>
void check_cases(const TemplateCase (&cases)[N], size_t expected_count, const char* context_json) {
  ASSERT_EQ(N, expected_count);
  for (const TemplateCase& c : cases) {
    SCOPED_TRACE(std::string("template: ") + c.source);
    auto r = render_with(c.source, context_json);
    if (c.error) {
      EXPECT_FALSE(r.is_ok()) << "rendered instead of failing: " << (r ? *r : "");
      if (!r) {
        EXPECT_NE(r.error().find("chat template"), std::string::npos) << r.error();
      }
    } else {
      ASSERT_TRUE(r.is_ok()) << r.error();
      EXPECT_EQ(*r, c.expected);
    }
  }
}

}  // namespace pg::jinja
