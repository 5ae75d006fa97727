// llama.cpp's example grammars (tests/engine/grammar/data, MIT, see the
// README there) parse with our GBNF parser, are accepted by the incremental
// matcher, and give llama.cpp's meaning to texts of our own: each text the
// grammar should accept is accepted, and each it should not is refused, by
// both the reference recognizer and the matcher. Reads only those files.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"
#include "test_paths.h"

namespace pg::grammar {
namespace {

std::string read_example(const std::string& name) {
  std::ifstream in(test::source_dir() + "/tests/engine/grammar/data/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_example(const std::string& file, const std::vector<std::string>& good, const std::vector<std::string>& bad) {
  SCOPED_TRACE(file);
  const std::string text = read_example(file);
  ASSERT_FALSE(text.empty()) << "missing tests/engine/grammar/data/" << file;
  auto g = parse_gbnf(text);
  ASSERT_TRUE(g) << g.error();
  auto m = GrammarMatcher::create(*g);
  ASSERT_TRUE(m) << m.error();
  auto matches = [&](const std::string& t) {
    m->reset();
    return m->accept_text(t) && m->can_end();
  };
  for (const std::string& t : good) {
    EXPECT_TRUE(grammar_accepts(*g, t)) << "should accept: " << t;
    EXPECT_TRUE(matches(t)) << "matcher should accept: " << t;
  }
  for (const std::string& t : bad) {
    EXPECT_FALSE(grammar_accepts(*g, t)) << "should refuse: " << t;
    EXPECT_FALSE(matches(t)) << "matcher should refuse: " << t;
  }
}

TEST(GbnfExamples, JsonObjects) {
  check_example("json.gbnf",
                {"{}", R"({"a": 1})", R"({"a": [1, 2.5, -3e5, true, false, null], "b": {"c": "d\"e\u00e9"}} )",
                 "{\n  \"k\": \"v\"\n}", R"({"x":[]})", R"({"e": 1.5E+3})"},
                {"[]", "1", R"("s")", R"({"a": 1,})", R"({a: 1})", R"({"a": 01})", R"({"a": "x)", "{\"a\": \"\x01\"}",
                 R"({"a": .5})", "{  \"a\": 1}"});
}

TEST(GbnfExamples, Arithmetic) {
  check_example("arithmetic.gbnf", {"x=1\n", "a +b*c = 12\n", "(x1 -y_2) /3 = z\n1=1\n", "foo=( bar )\n"},
                {"x=1", "=1\n", "1+=2\n", "X=1\n", "(x=1\n", "x==1\n", "a + b=1\n"});
}

TEST(GbnfExamples, List) {
  check_example("list.gbnf", {"- milk\n", "- eggs\n- flour, sugar\n- caf\u00e9 au lait\n"},
                {"", "- \n", "milk\n", "- milk", "- a\rb\n", "- a\u2028b\n", "-milk\n"});
}

TEST(GbnfExamples, Chess) {
  check_example("chess.gbnf",
                {"1. e4 e5\n2. Nf3 Nc6\n", "1. d4 d5\n2. c4 dxc4\n3. e4 b5\n", "1. e4 e5\n12. O-O O-O-O\n",
                 "1. e4 e5\n2. exd5 Qxd5+\n", "1. e4 e5\n2. a8=Q Kxh1#\n"},
                {"1. e4 e5\n", "1. e4\n2. e5 d4\n", "2. e4 e5\n2. d4 d5\n", "1. e9 e5\n2. d4 d5\n",
                 "1. e4 e5\n0. d4 d5\n", "1. e4 e5\n2. Pe4 d5\n", "1. e4 e5\n2. O-O-O-O d5\n"});
}

}  // namespace
}  // namespace pg::grammar
