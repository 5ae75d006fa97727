// The public API of the chat-template module: error messages with line and
// column, Hugging Face's defaults in render_chat_template, the sandbox's
// refusal of mutating methods (and the option that allows them), a fixed clock
// for strftime_now, JSON key order, and rendering one parsed template from
// several threads. Expected strings were checked with Jinja2 3.1.6.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"
#include "template_case.h"

namespace pg::jinja {
namespace {

TEST(TemplateApi, SyntaxErrorsNameLineAndColumn) {
  auto t = Template::parse("line one\n{% if true %}\n  {{ foo( }}\n{% endif %}");
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.error(), "chat template syntax error at line 3, column 11: unexpected '}', expected ')'");
}

TEST(TemplateApi, RuntimeErrorsNameLineAndColumn) {
  auto r = render_with("{% for m in messages %}\n{{ m.content + 1 }}\n{% endfor %}",
                       R"({"messages": [{"content": "x"}]})");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error(),
            "chat template error at line 2, column 14: TypeError: can only concatenate str (not \"int\") to str");
  auto u = render_with("{{ 'é' ~ missing.attr }}", "{}");
  ASSERT_FALSE(u.is_ok());
  EXPECT_EQ(u.error(), "chat template error at line 1, column 17: UndefinedError: 'missing' is undefined");
}

TEST(TemplateApi, RaiseExceptionCarriesTheTemplatesMessage) {
  auto r = render_with("ok\n  {{ raise_exception('Conversation roles must alternate') }}", "{}");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.error(), "chat template raised an exception at line 2, column 6: Conversation roles must alternate");
}

TEST(TemplateApi, ContextMustBeAnObject) {
  auto t = Template::parse("x");
  ASSERT_TRUE(t.is_ok());
  auto r = t->render(nlohmann::ordered_json::array());
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.error().find("must be a JSON object"), std::string::npos) << r.error();
}

TEST(TemplateApi, RenderChatTemplateAddsHuggingFaceDefaults) {
  const char* source =
      "{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|{{ messages | length }}";
  auto r = render_chat_template(source, nlohmann::ordered_json{{"messages", nlohmann::ordered_json::array()}});
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(*r, "True|True|False|0");
  // Template::render adds nothing.
  auto plain = render_with("{{ tools is defined }}", "{}");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(*plain, "False");
  // Given values win.
  auto given = render_chat_template("{{ tools | length }}{{ add_generation_prompt }}",
                                    nlohmann::json{{"tools", {1, 2}}, {"add_generation_prompt", true}});
  ASSERT_TRUE(given.is_ok()) << given.error();
  EXPECT_EQ(*given, "2True");
}

TEST(TemplateApi, MutatingMethodsAreRefusedLikeTheImmutableSandbox) {
  auto r = render_with("{% set x = [] %}{% set _ = x.append(1) %}{{ x }}", "{}");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.error().find("SecurityError: access to attribute 'append' of 'list' object is unsafe."),
            std::string::npos)
      << r.error();
  auto d = render_with("{{ {'a': 1}.pop('a') }}", "{}");
  EXPECT_FALSE(d.is_ok());
  // Non-mutating methods work.
  auto ok = render_with("{{ [1, 2, 1].count(1) }}{{ {'a': 1}.get('a') }}{{ {'a': 1}.copy() }}", "{}");
  ASSERT_TRUE(ok.is_ok()) << ok.error();
  EXPECT_EQ(*ok, "21{'a': 1}");
}

TEST(TemplateApi, MutatingMethodsCanBeAllowed) {
  ChatTemplateOptions options;
  options.allow_mutating_methods = true;
  auto r = render_with(
      "{% set ns = namespace(l=[]) %}{% for m in messages %}{% set _ = ns.l.append(m.role) %}{% endfor %}"
      "{{ ns.l }}{% set d = {'a': 1} %}{% set _ = d.update({'b': 2}) %}{{ d }}{{ d.pop('a') }}{{ ns.l.pop() }}",
      R"({"messages": [{"role": "user"}, {"role": "assistant"}]})", options);
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(*r, "['user', 'assistant']{'a': 1, 'b': 2}1assistant");
}

TEST(TemplateApi, StrftimeNowUsesTheGivenClock) {
  ChatTemplateOptions options;
  options.now = 1720000000;  // 2024-07-03 09:46:40 UTC
  auto r = render_with("{{ strftime_now('%Y %B') }}", "{}", options);
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(*r, "2024 July");
  auto now = render_with("{{ strftime_now('%Y') | int > 2000 }}", "{}");
  ASSERT_TRUE(now.is_ok()) << now.error();
  EXPECT_EQ(*now, "True");
}

TEST(TemplateApi, OrderedJsonKeepsKeyOrderForTojson) {
  auto t = Template::parse("{{ tool | tojson }}");
  ASSERT_TRUE(t.is_ok());
  auto ordered = t->render(nlohmann::ordered_json::parse(R"({"tool": {"name": "f", "description": "d", "a": 1}})"));
  ASSERT_TRUE(ordered.is_ok()) << ordered.error();
  EXPECT_EQ(*ordered, R"({"name": "f", "description": "d", "a": 1})");
  // nlohmann::json sorts keys when it parses, so the order is lost.
  auto sorted = t->render(nlohmann::json::parse(R"({"tool": {"name": "f", "description": "d", "a": 1}})"));
  ASSERT_TRUE(sorted.is_ok()) << sorted.error();
  EXPECT_EQ(*sorted, R"({"a": 1, "description": "d", "name": "f"})");
}

TEST(TemplateApi, OneParsedTemplateRendersOnSeveralThreads) {
  auto t = Template::parse(
      "{%- set ns = namespace(n=0) -%}{%- for m in messages -%}{%- set ns.n = ns.n + m.content | length -%}"
      "<{{ m.role }}>{{ m.content | upper }}{%- endfor -%}|{{ ns.n }}");
  ASSERT_TRUE(t.is_ok()) << t.error();
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      nlohmann::ordered_json ctx;
      ctx["messages"] = nlohmann::ordered_json::array();
      for (int k = 0; k < 200; ++k) ctx["messages"].push_back({{"role", "user"}, {"content", "ab" + std::to_string(i)}});
      for (int rep = 0; rep < 20; ++rep) {
        auto r = t->render(ctx);
        results[static_cast<size_t>(i)] = r ? *r : r.error();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 4; ++i) {
    std::string expected;
    for (int k = 0; k < 200; ++k) expected += "<user>AB" + std::to_string(i);
    expected += "|600";
    EXPECT_EQ(results[static_cast<size_t>(i)], expected);
  }
}

}  // namespace
}  // namespace pg::jinja
