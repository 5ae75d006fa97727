// Hostile templates and contexts: unterminated tags, absurd nesting, huge
// ranges and loops, output bombs, runaway recursion, reference cycles, and
// randomly corrupted real templates. Each must end quickly with an error that
// names line and column (or render), never hang or crash. The Corrupt* test is
// small enough to also run under AddressSanitizer in CI.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"
#include "template_case.h"

namespace pg::jinja {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

Result<std::string> render(const std::string& source, const ChatTemplateOptions& options = {}) {
  return render_with(source, "{}", options);
}

void expect_error(const std::string& source, const std::string& fragment, const ChatTemplateOptions& options = {}) {
  const auto start = std::chrono::steady_clock::now();
  auto r = render(source, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(r.is_ok()) << "rendered " << r->size() << " bytes: " << source.substr(0, 200);
  EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("line "), std::string::npos) << r.error();
  EXPECT_LT(seconds, 5.0) << source.substr(0, 200);
}

TEST(TemplateHostile, UnterminatedTagsAreSyntaxErrorsWithPosition) {
  expect_error("hello\n{% if true %}\nno end", "line 3, column 7: Unexpected end of template");
  expect_error("{{ 'open", "unterminated string");
  expect_error("a\nb {{ x", "line 2, column 7: unexpected end of template");
  expect_error("{% for x in y %}", "'endfor'");
  expect_error("{# never closed", "Missing end of comment tag");
  expect_error("{% raw %} never closed", "Missing end of raw directive");
  expect_error("{{ (1, 2 }}", "unexpected '}', expected ')'");
  expect_error("{% endif %}", "Encountered unknown tag 'endif'");
  expect_error("{% foo %}", "Encountered unknown tag 'foo'");
  expect_error("{{ x | no_such_filter }}", "No filter named 'no_such_filter'");
  expect_error("{{ 1 $ 2 }}", "unexpected char '$'");
}

TEST(TemplateHostile, DeepNestingFailsInsteadOfOverflowingTheStack) {
  expect_error("{{ " + repeat("(", 50000) + "1" + repeat(")", 50000) + " }}", "nested too deeply");
  expect_error("{{ " + repeat("[", 5000) + repeat("]", 5000) + " }}", "nested too deeply");
  expect_error("{{ " + repeat("-", 20000) + "1 }}", "nests too deeply");
  expect_error("{{ " + repeat("not ", 20000) + "1 }}", "nests too deeply");
  expect_error(repeat("{% if true %}", 5000) + "x" + repeat("{% endif %}", 5000), "nests too deeply");
  expect_error(repeat("{% for i in [1] %}", 5000) + repeat("{% endfor %}", 5000), "nests too deeply");
  // Moderate nesting, as real templates use, is fine.
  auto ok = render("{{ " + repeat("(", 40) + "1" + repeat(")", 40) + " }}" + repeat("{% if true %}", 40) + "x" +
                   repeat("{% endif %}", 40));
  ASSERT_TRUE(ok.is_ok()) << ok.error();
  EXPECT_EQ(*ok, "1x");
}

TEST(TemplateHostile, DeepContextIsRefused) {
  nlohmann::ordered_json deep = nlohmann::ordered_json::array();
  for (int i = 0; i < 1000; ++i) deep = nlohmann::ordered_json::array({deep});
  auto tmpl = Template::parse("{{ x }}");
  ASSERT_TRUE(tmpl.is_ok());
  auto r = tmpl->render(nlohmann::ordered_json{{"x", deep}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.error().find("nested deeper"), std::string::npos) << r.error();
}

TEST(TemplateHostile, HugeRangesAndLoopsStop) {
  // Like Hugging Face's sandbox: range() refuses more than 100000 items.
  expect_error("{% for i in range(10**9) %}x{% endfor %}", "Range too big");
  expect_error("{{ range(100001) | length }}", "Range too big");
  ChatTemplateOptions few;
  few.limits.max_loop_iterations = 20000;
  expect_error("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
               "limit of 20000 loop iterations", few);
  // The default limit stops a billion-iteration nest too.
  expect_error("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
               "loop iterations");
}

TEST(TemplateHostile, OutputAndValueBombsStop) {
  expect_error("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "rendered output exceeds the limit of 16777216");
  expect_error("{{ 'x' * 10**10 }}", "MemoryError");
  expect_error("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
               "MemoryError");
  expect_error("{{ [1, 2, 3] * 10**8 }}", "MemoryError");
  ChatTemplateOptions small;
  small.limits.max_output_bytes = 100;
  expect_error("{{ 'x' * 101 }}", "limit of 100 bytes", small);
  auto fits = render("{{ 'x' * 100 }}", small);
  ASSERT_TRUE(fits.is_ok()) << fits.error();
  EXPECT_EQ(fits->size(), 100u);
}

TEST(TemplateHostile, RunawayRecursionStops) {
  expect_error("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "RecursionError");
  ChatTemplateOptions budget;
  budget.limits.max_steps = 200000;
  // Exponential fan-out: 2^40 calls, each shallow.
  expect_error("{% macro m(n) %}{% if n < 40 %}{{ m(n + 1) }}{{ m(n + 1) }}{% endif %}{% endmacro %}{{ m(0) }}",
               "evaluation budget", budget);
  expect_error("{% for item in [[[]]] recursive %}{{ loop([item]) }}{% endfor %}", "RecursionError");
}

TEST(TemplateHostile, ReferenceCyclesRenderAndAreFreed) {
  auto r = render("{% set ns = namespace(a=1) %}{% set ns.self = ns %}{{ ns }}");
  ASSERT_TRUE(r.is_ok()) << r.error();
  EXPECT_EQ(*r, "<Namespace {'a': 1, 'self': <Namespace {...}>}>");  // Jinja2 prints the same
  ChatTemplateOptions mutable_lists;
  mutable_lists.allow_mutating_methods = true;
  auto l = render("{% set x = [1] %}{% set _ = x.append(x) %}{{ x }}", mutable_lists);
  ASSERT_TRUE(l.is_ok()) << l.error();
  EXPECT_EQ(*l, "[1, [...]]");
  // Long chains of namespaces are destroyed without recursion.
  auto chain = render(
      "{% set h = namespace(c=none) %}{% for i in range(100000) %}{% set h.c = namespace(prev=h.c) %}{% endfor %}"
      "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}done");
  ASSERT_TRUE(chain.is_ok()) << chain.error();
  EXPECT_EQ(*chain, "done");
}

TEST(TemplateHostile, CorruptTemplatesNeverCrash) {
  // Random edits of a realistic template: every result is an output or an
  // error, never a crash, a hang or a leak (this test also runs under ASan).
  const std::string base =
      "{%- set ns = namespace(sys='', n=0) -%}{%- macro show(m, i=0) -%}[{{ m.role | upper }}:{{ m.content | trim }}"
      "{%- if m.tool_calls is defined %}{{ m.tool_calls | tojson }}{% endif %}]{%- endmacro -%}\n"
      "{%- for m in messages if m.role != 'x' -%}{% if loop.first %}{{ bos_token }}{% endif %}"
      "{%- set ns.n = ns.n + 1 %}{{ show(m, loop.index) }}{% if loop.index > 5 %}{% break %}{% endif %}\n"
      "{%- endfor %}{{ ns.n }}{% if add_generation_prompt %}<gen>{% endif %}{# done #}{% raw %}{{x}}{% endraw %}";
  const std::string context =
      R"({"messages": [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo",)"
      R"( "tool_calls": [{"function": {"name": "f", "arguments": {"a": [1, null]}}}]}],)"
      R"( "add_generation_prompt": true, "bos_token": "<s>"})";
  const std::vector<std::string> pieces = {"{{", "}}", "{%", "%}", "{#", "#}", "-", "(", ")", "[", "]", "'",
                                           "|", ".", " if ", " else ", " for ", " in ", "loop", "\\", "\n", "é"};
  std::mt19937 rng(12345);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  int rendered = 0, failed = 0;
  for (int i = 0; i < 300; ++i) {
    std::string s = base;
    const int edits = 1 + static_cast<int>(pick(4));
    for (int e = 0; e < edits; ++e) {
      const size_t p = pick(s.size() + 1);
      switch (pick(3)) {
        case 0: s.insert(p, pieces[pick(pieces.size())]); break;
        case 1: s.erase(p, 1 + pick(6)); break;
        default: s.insert(p, s.substr(pick(s.size()), 1 + pick(20))); break;
      }
    }
    auto r = render_with(s, context);
    (r ? rendered : failed)++;
  }
  EXPECT_EQ(rendered + failed, 300);
  EXPECT_GT(failed, 0);
  EXPECT_GT(rendered, 0);
}

}  // namespace
}  // namespace pg::jinja
