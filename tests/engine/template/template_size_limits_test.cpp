// Filters and methods whose result size comes from template data (a width, a
// count, a repeat): center, ljust, rjust, zfill, indent, expandtabs, replace,
// join, batch, and printing (str, tojson) of values that share sub-lists.
// Each must refuse an absurd size with a MemoryError BEFORE
// allocating it (quickly, with little memory), and still work at sane sizes.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <string>

#include "engine/template/chat_template.h"
#include "template_case.h"

namespace pg::jinja {
namespace {

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

void expect_refused(const std::string& source) {
  SCOPED_TRACE(source);
  const long peak_before = peak_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  auto r = render_with(source, "{}");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(r.is_ok()) << "rendered " << r->size() << " bytes";
  EXPECT_NE(r.error().find("MemoryError"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("exceeds the limit of"), std::string::npos) << r.error();
  EXPECT_LT(seconds, 2.0);
  // 3e8 padding characters would be 300 MB to 1.2 GB; the check comes first.
  EXPECT_LT(peak_rss_kib() - peak_before, 100 * 1024) << "KiB of new peak memory";
}

TEST(TemplateSizeLimits, HugeWidthsAreRefusedBeforeAllocating) {
  expect_refused("{{ 'a'.center(300000000) }}");
  expect_refused("{{ 'a' | center(300000000) }}");
  expect_refused("{{ 'a'.ljust(300000000) }}");
  expect_refused("{{ 'a'.rjust(300000000, '\u00e9') }}");
  expect_refused("{{ '7'.zfill(300000000) }}");
  expect_refused("{{ 'a\\tb'.expandtabs(300000000) }}");
  expect_refused("{{ ('a\\n' * 1000) | indent(100000) }}");
  expect_refused("{{ ('a' * 1000000).replace('a', 'b' * 100) }}");
  expect_refused("{{ ('a' * 1000000).replace('', 'b' * 100) }}");
  expect_refused("{{ ('b' * 1000000).join(['x'] * 100) }}");
  expect_refused("{{ (['x'] * 100) | join('b' * 1000000) }}");
  expect_refused("{{ [1] | batch(300000000, 0) | list | length }}");
}

TEST(TemplateSizeLimits, SharedSubListsCannotPrintPastTheLimit) {
  // 10^9 items in print, a few thousand in memory.
  const std::string build = "{% set a = [1] * 1000 %}{% set b = [a] * 1000 %}{% set c = [b] * 1000 %}";
  for (const std::string& use : {"{{ c | tojson }}", "{{ c }}", "{{ c | string | length }}"}) {
    SCOPED_TRACE(use);
    const auto start = std::chrono::steady_clock::now();
    auto r = render_with(build + use, "{}");
    ASSERT_FALSE(r.is_ok()) << "rendered " << r->size() << " bytes";
    EXPECT_NE(r.error().find("MemoryError"), std::string::npos) << r.error();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
  }
  auto small = render_with("{% set a = [1, 2] %}{{ [a, a] }} {{ [a, a] | tojson }}", "{}");
  ASSERT_TRUE(small.is_ok()) << small.error();
  EXPECT_EQ(*small, "[[1, 2], [1, 2]] [[1, 2], [1, 2]]");
}

TEST(TemplateSizeLimits, SaneWidthsStillWork) {
  const struct {
    const char* source;
    const char* expected;
  } cases[] = {
      {"[{{ 'a'.center(5) }}]", "[  a  ]"},
      {"[{{ 'ab' | center(6) }}]", "[  ab  ]"},
      {"[{{ 'a'.ljust(3, '-') }}]", "[a--]"},
      {"[{{ 'a'.rjust(3, '\u00e9') }}]", "[\u00e9\u00e9a]"},
      {"[{{ '-7'.zfill(4) }}]", "[-007]"},
      {"[{{ 'a\\tb'.expandtabs(4) }}]", "[a   b]"},
      {"[{{ 'a\\nb' | indent(2) }}]", "[a\n  b]"},
      {"[{{ 'aXa'.replace('a', 'bb') }}]", "[bbXbb]"},
      {"[{{ '-'.join(['x', 'y']) }}]", "[x-y]"},
      {"[{{ [1, 2, 3] | batch(2, 0) | list }}]", "[[[1, 2], [3, 0]]]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    auto r = render_with(c.source, "{}");
    ASSERT_TRUE(r.is_ok()) << r.error();
    EXPECT_EQ(*r, c.expected);
  }
}

}  // namespace
}  // namespace pg::jinja
