// The pre-tokenizer regex engine, construct by construct: what each one
// matches, where alternation and quantifiers stop, llama.cpp's class quirks
// versus textbook Unicode classes, splitting (gaps, empty matches), bad
// patterns, and the step budget against pathological backtracking.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer/regex.h"
#include "engine/tokenizer/utf8.h"

namespace pg::regex {
namespace {

regex::Regex compile_ok(const std::string& pattern, ClassMode mode = ClassMode::LlamaCpp) {
  auto re = Regex::compile(pattern, Options{mode});
  EXPECT_TRUE(re) << pattern << ": " << re.error();
  if (!re) re = Regex::compile("x");
  return std::move(*re);
}

// The text of the match starting exactly at 0, or nullopt.
std::optional<std::string> match_prefix(const std::string& pattern, const std::string& text,
                                        ClassMode mode = ClassMode::LlamaCpp) {
  const Regex re = compile_ok(pattern, mode);
  const Subject s(utf8::decode(text));
  const auto end = re.match_at(Window{&s, 0, s.size()}, 0);
  if (!end) return std::nullopt;
  return utf8::encode(std::vector<uint32_t>(s.cps().begin(), s.cps().begin() + static_cast<long>(*end)));
}

bool matches_all(const std::string& pattern, const std::string& text, ClassMode mode = ClassMode::LlamaCpp) {
  const auto m = match_prefix(pattern, text, mode);
  return m && *m == text;
}

std::vector<std::string> split(const std::string& pattern, const std::string& text,
                               ClassMode mode = ClassMode::LlamaCpp) {
  const Regex re = compile_ok(pattern, mode);
  const Subject s(utf8::decode(text));
  std::vector<size_t> lengths;
  re.split(Window{&s, 0, s.size()}, lengths);
  std::vector<std::string> pieces;
  size_t start = 0;
  for (size_t len : lengths) {
    pieces.push_back(utf8::encode(std::vector<uint32_t>(s.cps().begin() + static_cast<long>(start),
                                                        s.cps().begin() + static_cast<long>(start + len))));
    start += len;
  }
  return pieces;
}

using Pieces = std::vector<std::string>;

TEST(TokenizerRegex, LiteralsAndOrderedAlternation) {
  EXPECT_EQ(match_prefix("abc", "abcd"), "abc");
  EXPECT_EQ(match_prefix("abc", "abd"), std::nullopt);
  // The first alternative that leads to a match wins, not the longest.
  EXPECT_EQ(match_prefix("a|ab", "ab"), "a");
  EXPECT_EQ(match_prefix("ab|a", "ab"), "ab");
  EXPECT_EQ(match_prefix("x|y|z", "z"), "z");
  EXPECT_EQ(match_prefix("\xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9!"), "\xC3\xA9t\xC3\xA9");  // UTF-8 literals
}

TEST(TokenizerRegex, GroupsAndCaseInsensitiveGroups) {
  EXPECT_EQ(match_prefix("(?:ab)+", "ababa"), "abab");
  EXPECT_EQ(match_prefix("(ab|cd)+e", "abcde"), "abcde");
  EXPECT_EQ(match_prefix("(?i:'s|'re)", "'RE"), "'RE");
  EXPECT_EQ(match_prefix("(?i:'s|'re)", "'S"), "'S");
  EXPECT_EQ(match_prefix("(?i:ab)c", "ABc"), "ABc");
  EXPECT_EQ(match_prefix("(?i:ab)c", "ABC"), std::nullopt);  // the flag ends with the group
  EXPECT_EQ(match_prefix("(?i:\xC3\xA9)", "\xC3\x89"), "\xC3\x89");  // é matches É
  EXPECT_EQ(match_prefix("(?i:[a-c]+)", "AbC"), "AbC");
}

TEST(TokenizerRegex, CharacterClasses) {
  EXPECT_TRUE(matches_all("[a-c]+", "abcab"));
  EXPECT_FALSE(matches_all("[a-c]+", "abd"));
  EXPECT_TRUE(matches_all("[^a-c]+", "xyz"));
  EXPECT_EQ(match_prefix("[^a-c]+", "xa"), "x");
  EXPECT_TRUE(matches_all(R"([\-\[\]\\]+)", R"(-[]\)"));
  EXPECT_TRUE(matches_all("[a-]+", "a-a"));
  EXPECT_TRUE(matches_all(R"([\r\n]+)", "\r\n\n"));
  EXPECT_TRUE(matches_all(R"([^\r\n\p{L}\p{N}]+)", " !\xE2\x80\x94"));  // space, !, em dash
  EXPECT_FALSE(matches_all(R"([^\r\n\p{L}\p{N}])", "\n"));
  EXPECT_TRUE(matches_all(R"([\p{L}\p{N}]+)", "x9\xE4\xB8\xAD\xC2\xBD"));  // x 9 中 ½
  EXPECT_TRUE(matches_all("[\xE4\xB8\x80-\xE9\xBE\xA5]+", "\xE4\xB8\xAD\xE6\x96\x87"));  // [一-龥]+ on 中文
  EXPECT_TRUE(matches_all(R"(\x41\u00e9\x{1F999})", "A\xC3\xA9\xF0\x9F\xA6\x99"));
}

TEST(TokenizerRegex, UnicodeProperties) {
  EXPECT_TRUE(matches_all(R"(\p{L}+)", "Stra\xC3\x9F" "e\xE4\xB8\xAD\xD0\x96"));  // Straße中Ж
  EXPECT_FALSE(matches_all(R"(\p{L})", "1"));
  EXPECT_TRUE(matches_all(R"(\p{N}+)", "9\xC2\xBD\xD9\xA3\xE2\x85\xA0"));  // 9 ½ ٣ Ⅰ
  EXPECT_TRUE(matches_all(R"(\p{P}+)", "!\xE2\x80\x94\xE3\x80\x82"));       // ! — 。
  EXPECT_TRUE(matches_all(R"(\p{S}+)", "$\xE2\x82\xAC\xE2\x9C\x85"));       // $ € ✅
  EXPECT_TRUE(matches_all(R"(e\p{M})", "e\xCC\x81"));                       // e + U+0301
  EXPECT_TRUE(matches_all(R"(\P{L}+)", "12 !"));
  EXPECT_TRUE(matches_all(R"(\p{Nd}+)", "12\xD9\xA3"));
  EXPECT_FALSE(matches_all(R"(\p{Nd})", "\xC2\xBD"));
  EXPECT_TRUE(matches_all(R"(\p{Han}+)", "\xE4\xB8\xAD\xE6\x96\x87"));
  EXPECT_FALSE(matches_all(R"(\p{Han})", "\xE3\x81\x82"));  // hiragana
  EXPECT_TRUE(matches_all(R"(\p{Lu}\p{Ll}+)", "Abc", ClassMode::Unicode));
  EXPECT_TRUE(matches_all(R"(\p{Lo}+)", "\xE4\xB8\xAD", ClassMode::Unicode));
  EXPECT_FALSE(matches_all(R"(\p{Lu})", "a", ClassMode::Unicode));
}

TEST(TokenizerRegex, LlamaCppClassQuirks) {
  // llama.cpp collapses \p{Lu} etc. into "letter" (ASCII: [A-Za-z]).
  EXPECT_TRUE(matches_all(R"(\p{Lu}+)", "aB\xC3\xA9"));
  EXPECT_FALSE(matches_all(R"(\p{Lu})", "a", ClassMode::Unicode));
  // '~' is a math symbol, but not among llama.cpp's ASCII \p{S} stand-ins.
  EXPECT_FALSE(matches_all(R"(\p{S})", "~"));
  EXPECT_TRUE(matches_all(R"(\p{S})", "~", ClassMode::Unicode));
  // Non-ASCII whitespace behaves as '\v': it is \s and belongs to no category.
  EXPECT_TRUE(matches_all(R"(\s)", "\xE3\x80\x80"));  // U+3000
  EXPECT_TRUE(matches_all(R"([\v])", "\xE3\x80\x80"));
  EXPECT_FALSE(matches_all(R"(\p{Zs})", "\xE3\x80\x80"));
  EXPECT_TRUE(matches_all(R"(\p{Zs})", "\xE3\x80\x80", ClassMode::Unicode));
  EXPECT_TRUE(matches_all(R"([^\p{L}\p{N}\p{P}\p{S}])", "\xC2\xA0"));  // NBSP
  // \s is Unicode White_Space: U+001C..U+001F are not whitespace (Python differs).
  EXPECT_FALSE(matches_all(R"(\s)", "\x1C"));
  EXPECT_TRUE(matches_all(R"(\s+)", "\t\n\v\f\r \xC2\x85"));
  // \d and \w are ASCII-only, as std::regex has them.
  EXPECT_TRUE(matches_all(R"(\d+\w+)", "12a_Z9"));
  EXPECT_FALSE(matches_all(R"(\d)", "\xD9\xA3"));
  EXPECT_TRUE(matches_all(R"(\d)", "\xD9\xA3", ClassMode::Unicode));
  EXPECT_FALSE(matches_all(R"(\w)", "\xC3\xA9"));
  EXPECT_TRUE(matches_all(R"(\w)", "\xC3\xA9", ClassMode::Unicode));
  EXPECT_TRUE(matches_all(R"(\S+)", "ab\xC3\xA9"));
  EXPECT_FALSE(matches_all(R"(\S)", "\xE2\x80\x83"));  // EM SPACE
}

TEST(TokenizerRegex, Quantifiers) {
  EXPECT_EQ(match_prefix("a?b", "b"), "b");
  EXPECT_EQ(match_prefix("a*", "aaab"), "aaa");
  EXPECT_EQ(match_prefix("a*", "b"), "");
  EXPECT_EQ(match_prefix("a+", "b"), std::nullopt);
  EXPECT_EQ(match_prefix(R"(\p{N}{1,3})", "12345"), "123");
  EXPECT_EQ(match_prefix(R"(\p{N}{3})", "12"), std::nullopt);
  EXPECT_EQ(match_prefix("a{2,}", "aaaa"), "aaaa");
  EXPECT_EQ(match_prefix("a{2}", "aaaa"), "aa");
  EXPECT_EQ(match_prefix("a{0,2}b", "aab"), "aab");
  EXPECT_EQ(match_prefix("x{", "x{"), "x{");  // not a quantifier: literal
  // Lazy.
  EXPECT_EQ(match_prefix("a+?", "aaa"), "a");
  EXPECT_EQ(match_prefix("a*?b", "aab"), "aab");
  EXPECT_EQ(match_prefix("a{1,3}?", "aaa"), "a");
  EXPECT_EQ(match_prefix("a??a", "aa"), "a");
  // Possessive and atomic: no giving back.
  EXPECT_EQ(match_prefix("a++a", "aaa"), std::nullopt);
  EXPECT_EQ(match_prefix("a+a", "aaa"), "aaa");
  EXPECT_EQ(match_prefix("(?>a+)a", "aaa"), std::nullopt);
  EXPECT_EQ(match_prefix(" ?+[a-z]+", " ab"), " ab");
  // Backtracking through a greedy loop.
  EXPECT_EQ(match_prefix(R"(\s*[\r\n]+)", "  \n \n  x"), "  \n \n");
}

TEST(TokenizerRegex, LookaheadAndAnchors) {
  EXPECT_EQ(match_prefix(R"(\s+(?!\S))", "   a"), "  ");
  EXPECT_EQ(match_prefix(R"(\s+(?!\S))", "   "), "   ");
  EXPECT_EQ(match_prefix(R"(\s+(?!\S))", " a"), std::nullopt);
  EXPECT_EQ(match_prefix(R"(a(?=b))", "ab"), "a");
  EXPECT_EQ(match_prefix(R"(a(?=b))", "ac"), std::nullopt);
  EXPECT_EQ(match_prefix(R"(((?=[\p{L}])([^a-z]))+)", "AB\xC3\x89" "c1"), "AB\xC3\x89");
  EXPECT_EQ(match_prefix(R"(\d{1,3}(?=(?:\d{3})*\b))", "1234567"), "1");
  EXPECT_EQ(match_prefix("^a", "a"), "a");
  EXPECT_EQ(match_prefix(R"(\s+$)", "  "), "  ");
  EXPECT_EQ(match_prefix(R"(\s+$)", "  x"), std::nullopt);
  EXPECT_EQ(match_prefix(R"(a\b)", "a b"), "a");
  EXPECT_EQ(match_prefix(R"(a\b)", "ab"), std::nullopt);
  EXPECT_EQ(match_prefix(R"(a\B)", "ab"), "a");
  EXPECT_EQ(match_prefix(R"(.+)", "ab\ncd"), "ab");
}

TEST(TokenizerRegex, SplitKeepsGapsAndHandlesEmptyMatches) {
  EXPECT_EQ(split(R"(\p{N}+)", "ab12cd345"), (Pieces{"ab", "12", "cd", "345"}));
  EXPECT_EQ(split(R"(\p{N}+)", ""), (Pieces{}));
  EXPECT_EQ(split(R"(x)", "abc"), (Pieces{"abc"}));
  // A pattern that only matches empty splits before every place it matches.
  EXPECT_EQ(split(R"((?=(\d{3})+(?!\d)))", "1234567"), (Pieces{"1", "", "234", "", "567"}));
  // The GPT-2 pattern leaves a lone whitespace before a word as its own piece.
  EXPECT_EQ(split(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
                  "I'm  here\tnow 42!"),
            (Pieces{"I", "'m", " ", " here", "\t", "now", " 42", "!"}));
}

TEST(TokenizerRegex, BadPatternsAreErrors) {
  for (const char* bad : {"(", "a)", "a{3,1}", "[z-a]", R"(\p{Bogus})", "(?<=a)b", "(a*)*", "*a", "[abc",
                          R"(\q)", "a|*"}) {
    auto re = Regex::compile(bad);
    ASSERT_FALSE(re) << bad;
    EXPECT_NE(re.error().find(bad), std::string::npos) << re.error();
  }
  // Hostile sizes: deep nesting and exploding repetition are refused, not run.
  EXPECT_FALSE(Regex::compile(std::string(500, '(') + "a" + std::string(500, ')')));
  EXPECT_TRUE(Regex::compile(std::string(50, '(') + "a" + std::string(50, ')')));
  EXPECT_FALSE(Regex::compile("(((a{100}){100}){100}){100}"));
  EXPECT_FALSE(Regex::compile("a{100001}"));
}

TEST(TokenizerRegex, PathologicalBacktrackingStopsAtTheBudget) {
  const Regex re = compile_ok("(a|a)*b");
  const Subject s(utf8::decode(std::string(60, 'a')));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(re.search(Window{&s, 0, s.size()}, 0), std::nullopt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  // Out-of-range windows are refused, not read.
  EXPECT_EQ(re.match_at(Window{&s, 0, s.size() + 1}, 0), std::nullopt);
  EXPECT_EQ(re.match_at(Window{nullptr, 0, 0}, 0), std::nullopt);
}

}  // namespace
}  // namespace pg::regex
