// GBNF as llama.cpp writes it: the parser's rewriting of groups and
// repetitions checked through the reference recognizer (which strings a
// grammar accepts), escapes, classes, comments and multi-line rules, and
// hostile grammars refused with the line and column.
#include <gtest/gtest.h>

#include "engine/grammar/gbnf.h"

namespace pg::grammar {
namespace {

Grammar parsed(const std::string& text) {
  auto g = parse_gbnf(text);
  EXPECT_TRUE(g) << g.error();
  return g ? std::move(*g) : Grammar{};
}

std::string error_of(const std::string& text) {
  auto g = parse_gbnf(text);
  EXPECT_FALSE(g) << "accepted: " << text;
  if (g) return "";
  EXPECT_EQ(g.code(), StatusCode::kInvalidArgument);
  return g.error();
}

TEST(Gbnf, LiteralsAlternativesAndGroups) {
  const Grammar g = parsed(R"(root ::= "yes" | "no" | ("may" "be"))");
  for (const char* ok : {"yes", "no", "maybe"}) EXPECT_TRUE(grammar_accepts(g, ok)) << ok;
  for (const char* bad : {"", "ye", "yess", "may", "be", "noyes"}) EXPECT_FALSE(grammar_accepts(g, bad)) << bad;
}

TEST(Gbnf, RepetitionsMatchExactlyTheirCounts) {
  const Grammar g = parsed("root ::= \"a\"* \"b\"+ \"c\"? \"d\"{2} \"e\"{1,3} \"f\"{2,}\n");
  EXPECT_TRUE(grammar_accepts(g, "bddeff"));
  EXPECT_TRUE(grammar_accepts(g, "aaabbbcddeeefff"));
  EXPECT_FALSE(grammar_accepts(g, "ddeff"));     // b+ needs one
  EXPECT_FALSE(grammar_accepts(g, "bdeff"));     // d{2}
  EXPECT_FALSE(grammar_accepts(g, "bddeeeeff"));  // e{1,3}
  EXPECT_FALSE(grammar_accepts(g, "bddef"));     // f{2,}
  EXPECT_FALSE(grammar_accepts(g, "bccddeff"));  // c?
  // A repeated literal repeats as a whole; a repeated group too.
  const Grammar h = parsed("root ::= \"ab\"{2} (\"x\" | \"yz\")*");
  EXPECT_TRUE(grammar_accepts(h, "ababxyzx"));
  EXPECT_FALSE(grammar_accepts(h, "abbxyz"));
  EXPECT_FALSE(grammar_accepts(h, "ababy"));
}

TEST(Gbnf, ClassesRangesNegationDotAndEscapes) {
  const Grammar g = parsed(R"(root ::= [a-cx] [^0-9\n] . "\x41\u00e9\U0001F600\t\"\\" [\]\[])");
  EXPECT_TRUE(grammar_accepts(g, "bQ?A\u00e9\U0001F600\t\"\\]"));
  EXPECT_TRUE(grammar_accepts(g, "x\u00e9\U0001F600A\u00e9\U0001F600\t\"\\["));  // multi-byte code points are one char
  EXPECT_FALSE(grammar_accepts(g, "dQ?A\u00e9\U0001F600\t\"\\]"));
  EXPECT_FALSE(grammar_accepts(g, "b5?A\u00e9\U0001F600\t\"\\]"));
  EXPECT_FALSE(grammar_accepts(g, "b\n?A\u00e9\U0001F600\t\"\\]"));
}

TEST(Gbnf, MultiLineRulesCommentsAndRecursion) {
  // The shape of llama.cpp's grammars/json.gbnf, cut down.
  const Grammar g = parsed(R"(# a JSON-ish value
root   ::= value
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws   # trailing comment

string ::= "\"" ( [^"\\] | "\\" ["\\/bfnrt] )* "\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ws
ws ::= | " " | "\n" [ \t]{0,20}
)");
  for (const char* ok : {R"({"a": [1, -2, true], "b": {"c": "x\"y"}})", "[]", "null", R"("s")", "[[[]]]"})
    EXPECT_TRUE(grammar_accepts(g, ok)) << ok;
  for (const char* bad : {R"({"a" 1})", "[1,]", "nul", R"("unterminated)", "01"})
    EXPECT_FALSE(grammar_accepts(g, bad)) << bad;
}

TEST(Gbnf, HostileOrBrokenGrammarsAreClearErrors) {
  EXPECT_NE(error_of("value ::= \"x\"").find("no 'root' rule"), std::string::npos);
  EXPECT_NE(error_of("root ::= missing").find("rule 'missing' is used but never defined"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"x\"\nroot ::= \"y\"").find("defined twice"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"open").find("not closed"), std::string::npos);
  EXPECT_NE(error_of("root ::= [a-").find("line 1"), std::string::npos);
  EXPECT_NE(error_of("root ::= (\"a\"").find("')'"), std::string::npos);
  EXPECT_NE(error_of("root ::= * \"a\"").find("follows nothing"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"a\"{3,1}").find("below its minimum"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"\\q\"").find("unknown escape"), std::string::npos);
  EXPECT_NE(error_of("root ::= [z-a]").find("below its start"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"\xff\"").find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(error_of("root ::= \"a\"\n  x ::= y").find("line 2"), std::string::npos);
  EXPECT_NE(error_of("root = \"a\"").find("'::='"), std::string::npos);
  // Sizes: a repetition count past the limit, nesting past the limit, and
  // repetitions that together would build millions of elements. (Nested
  // repetitions stay small: a repeated group is one rule referred to m times.)
  EXPECT_NE(error_of("root ::= \"a\"{100000}").find("repetition count"), std::string::npos);
  EXPECT_NE(error_of("root ::= " + std::string(200, '(') + "\"a\"" + std::string(200, ')')).find("nest deeper"),
            std::string::npos);
  std::string many = "root ::=";
  for (int i = 0; i < 250; ++i) many += " \"a\"{9999}";
  EXPECT_NE(error_of(many).find("grows past"), std::string::npos);
  const Grammar nested = parsed("root ::= ((((\"a\"{9999}){9999}){9999}){9999})");
  EXPECT_FALSE(grammar_accepts(nested, "a"));
}

}  // namespace
}  // namespace pg::grammar
