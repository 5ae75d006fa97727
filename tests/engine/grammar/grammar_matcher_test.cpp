// The incremental matcher agrees with the reference recognizer: for grammars
// with groups, repetitions, classes and recursion, and for many texts (known
// good ones, their prefixes, and random strings over the grammar's alphabet),
// "accepts every code point and can end" equals "the recognizer accepts".
// Rejection is immediate (a code point no continuation allows is refused and
// leaves the state as it was), and left recursion is refused up front.
#include <gtest/gtest.h>

#include <random>

#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"

namespace pg::grammar {
namespace {

const char* const kJsonish = R"(root   ::= value
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\] | "\\" ["\\/bfnrt] )* "\"" ws
number ::= "-"? ([0-9] | [1-9] [0-9]{0,3}) ws
ws     ::= | " "
)";

bool matcher_accepts(const Grammar& g, const std::string& text) {
  auto m = GrammarMatcher::create(g);
  EXPECT_TRUE(m) << m.error();
  return m && m->accept_text(text) && m->can_end();
}

void expect_agreement(const std::string& gbnf, const std::vector<std::string>& good, const std::string& alphabet,
                      uint32_t seed) {
  auto g = parse_gbnf(gbnf);
  ASSERT_TRUE(g) << g.error();
  std::vector<std::string> texts = good;
  for (const std::string& t : good)
    for (size_t n = 0; n < t.size(); ++n) texts.push_back(t.substr(0, n));
  std::mt19937 rng(seed);
  for (int i = 0; i < 400; ++i) {
    std::string t;
    const int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) t += alphabet[rng() % alphabet.size()];
    texts.push_back(t);
  }
  int accepted = 0;
  for (const std::string& t : texts) {
    const bool want = grammar_accepts(*g, t);
    accepted += want;
    EXPECT_EQ(matcher_accepts(*g, t), want) << "text: " << t;
  }
  EXPECT_GE(accepted, static_cast<int>(good.size()));
}

TEST(GrammarMatcher, AgreesWithTheRecognizerOnAJsonGrammar) {
  expect_agreement(kJsonish, {R"({"a": [1, -2, true], "b": {"c": "x\"y"}})", "[]", "null", R"("s")", "[[[]]]", "-12 "},
                   "{}[]\",: -0129abtrue\\nl", 1);
}

TEST(GrammarMatcher, AgreesWithTheRecognizerOnRepetitionsAndClasses) {
  expect_agreement("root ::= \"a\"* \"b\"+ [c-e]? \"f\"{2} (\"g\" | \"hh\"){1,3} [^x]{2,}\n",
                   {"bffgyy", "aabbbeffhhggzz", "bdffhhgg!!!"}, "abcdefghx!", 2);
}

TEST(GrammarMatcher, RefusesWhatNoContinuationAllowsAndKeepsItsState) {
  auto g = parse_gbnf(R"(root ::= "ab" ("c" | "d")+)");
  ASSERT_TRUE(g);
  auto m = GrammarMatcher::create(*g);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->can_end());
  EXPECT_FALSE(m->accept('b'));
  EXPECT_TRUE(m->accept('a'));
  EXPECT_FALSE(m->accept_text("bx"));  // all or nothing: still after "a"
  EXPECT_TRUE(m->accept_text("bc"));
  EXPECT_TRUE(m->can_end());
  EXPECT_FALSE(m->finished());  // more c or d may follow
  EXPECT_TRUE(m->accept('d'));
  m->reset();
  EXPECT_FALSE(m->can_end());
  EXPECT_TRUE(m->accept_text("abd"));

  auto done = parse_gbnf(R"(root ::= "ok")");
  ASSERT_TRUE(done);
  auto d = GrammarMatcher::create(*done);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->accept_text("ok"));
  EXPECT_TRUE(d->finished());
  EXPECT_FALSE(d->accept(' '));
}

TEST(GrammarMatcher, MultiByteCodePointsAreOneCharacter) {
  auto g = parse_gbnf("root ::= [\\u00e0-\\u00ff]+ \"\\U0001F600\"\n");
  ASSERT_TRUE(g);
  auto m = GrammarMatcher::create(*g);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->accept_text("\u00e9\u00e8\U0001F600"));
  EXPECT_TRUE(m->can_end());
  m->reset();
  EXPECT_FALSE(m->accept_text("\xc3"));  // half a character is not text
}

TEST(GrammarMatcher, LeftRecursionIsRefused) {
  for (const char* text : {"root ::= root \"a\" | \"a\"", "root ::= x\nx ::= y \"a\"\ny ::= | root",
                           "root ::= (\"\")* \"a\""}) {
    auto g = parse_gbnf(text);
    ASSERT_TRUE(g) << g.error();
    auto m = GrammarMatcher::create(*g);
    ASSERT_FALSE(m) << text;
    EXPECT_NE(m.error().find("left-recursive"), std::string::npos) << m.error();
  }
}

TEST(GrammarMatcher, RuleChainsDeeperThanTheLimitAreRefused) {
  auto chain = [](int n) {
    std::string text = "root ::= r0\n";
    for (int i = 0; i < n; ++i) text += "r" + std::to_string(i) + " ::= r" + std::to_string(i + 1) + "\n";
    return text + "r" + std::to_string(n) + " ::= \"x\"\n";
  };
  auto ok = parse_gbnf(chain(500));
  ASSERT_TRUE(ok) << ok.error();
  auto m = GrammarMatcher::create(*ok);
  ASSERT_TRUE(m) << m.error();
  EXPECT_TRUE(m->accept('x'));
  EXPECT_TRUE(m->can_end());
  auto deep = parse_gbnf(chain(5000));
  ASSERT_TRUE(deep) << deep.error();
  auto refused = GrammarMatcher::create(*deep);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("nest more than"), std::string::npos) << refused.error();
}

// Fuzzing findings, fixed: a long run of rules that match nothing once blew
// the stack (expansion was recursive), and an ambiguous grammar over a long
// text took seconds per character (now refused past kMaxStacks ways).
TEST(GrammarMatcher, FuzzFindingsStayFixed) {
  auto empties = parse_gbnf("root ::= \"\"{8308} \"a\"");
  ASSERT_TRUE(empties) << empties.error();
  auto m = GrammarMatcher::create(*empties);
  ASSERT_TRUE(m) << m.error();
  EXPECT_TRUE(m->accept_text("a"));
  EXPECT_TRUE(m->can_end());

  auto ambiguous = parse_gbnf("root ::= item+\nitem ::= \"-x\"? [^\\n]+ \"\\n\"* root_1\n");
  ASSERT_TRUE(ambiguous) << ambiguous.error();
  auto a = GrammarMatcher::create(*ambiguous);
  ASSERT_TRUE(a) << a.error();
  int taken = 0;  // each accept is bounded by kMaxStacks; before, 300 of them hung for minutes
  for (int i = 0; i < 300 && a->accept('z'); ++i) ++taken;
  EXPECT_GT(taken, 0);
}

}  // namespace
}  // namespace pg::grammar
