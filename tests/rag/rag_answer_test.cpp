// The context budget, the prompt's source block and the citation check (rag/answer.h).
#include "rag/answer.h"

#include <gtest/gtest.h>

namespace pg::rag {
namespace {

size_t words(std::string_view s) {
  size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

SourcePassage passage(int64_t chunk, std::string text, int page = 1) {
  SourcePassage p;
  p.chunk_id = chunk;
  p.document_id = 7;
  p.document_name = "manual.pdf";
  p.page_start = p.page_end = page;
  p.text = std::move(text);
  return p;
}

TEST(RagAnswer, SourcesAreNumberedInRankOrderAndWhatDoesNotFitIsReported) {
  std::vector<SourcePassage> candidates = {passage(1, "one two three", 3), passage(2, std::string(200, 'x') + " big"),
                                           passage(3, "small text")};
  candidates[1].text = "";
  for (int i = 0; i < 40; ++i) candidates[1].text += "word ";
  // Block of passage 1: "[1] manual.pdf, page 3\none two three" = 7 words.
  const ContextPlan plan = fit_sources(candidates, 15, words);
  ASSERT_EQ(plan.used.size(), 2u);
  EXPECT_EQ(plan.used[0].chunk_id, 1);
  EXPECT_EQ(plan.used[0].number, 1);
  EXPECT_EQ(plan.used[1].chunk_id, 3);
  EXPECT_EQ(plan.used[1].number, 2);
  ASSERT_EQ(plan.dropped.size(), 1u);
  EXPECT_EQ(plan.dropped[0].passage.chunk_id, 2);
  EXPECT_EQ(plan.dropped[0].reason, kDropBudget);
  EXPECT_NE(plan.dropped[0].detail.find("44 tokens"), std::string::npos) << plan.dropped[0].detail;
  EXPECT_LE(plan.source_tokens, 15u);
}

TEST(RagAnswer, TheBestSourceIsCutToFitWhenNothingFitsWhole) {
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "w" + std::to_string(i) + " ";
  const ContextPlan plan = fit_sources({passage(1, long_text), passage(2, "short one")}, 13, words);
  ASSERT_EQ(plan.used.size(), 1u);
  EXPECT_TRUE(plan.used[0].truncated);
  EXPECT_EQ(plan.used[0].chunk_id, 1);
  // "[1] manual.pdf, page 1" is 4 words; 8 words of text and "..." make 13.
  EXPECT_EQ(plan.used[0].text, "w0 w1 w2 w3 w4 w5 w6 w7 ...");
  EXPECT_EQ(plan.source_tokens, 13u);
  EXPECT_EQ(plan.used[0].tokens, 13u);
  EXPECT_EQ(plan.used[0].full_tokens, 54u);
  EXPECT_FALSE(plan.budget_too_small);
  ASSERT_EQ(plan.dropped.size(), 1u);  // the second does not fit in what is left
  EXPECT_EQ(plan.dropped[0].passage.chunk_id, 2);
  EXPECT_EQ(plan.dropped[0].reason, kDropBudget);
  EXPECT_EQ(plan.dropped[0].passage.rank, 2);
}

// The demo model's case: the header takes most of a tiny budget and the
// text's first "word" is longer than what is left (a path, a URL): the best
// source is still cut, inside the word, and the heading goes first.
TEST(RagAnswer, TheBestSourceIsCutInsideAWordAndWithoutItsHeadingWhenThatIsWhatFits) {
  const CountTokens chars = [](std::string_view s) { return s.size(); };
  SourcePassage p = passage(1, "/usr/share/mime/packages/freedesktop.org.xml holds the magic rules");
  p.heading_path = "Shared MIME-info Database > The source XML files";
  const size_t header = block_overhead_tokens(p, chars);
  SourcePassage plain = p;
  plain.heading_path.clear();
  const size_t plain_header = block_overhead_tokens(plain, chars);
  const ContextPlan plan = fit_sources({p}, plain_header + 20, chars);
  ASSERT_LT(plain_header + 20, header);
  ASSERT_EQ(plan.used.size(), 1u);
  EXPECT_TRUE(plan.used[0].truncated);
  EXPECT_EQ(plan.used[0].heading_path, "");
  EXPECT_EQ(plan.used[0].text, "/usr/share/mime/ ...");  // 16 characters and " ..." fill the 20
  EXPECT_LE(plan.source_tokens, plain_header + 20);
  EXPECT_TRUE(plan.dropped.empty());
}

// Every retrieved passage that is not used is listed with a machine-readable
// reason and its rank, document, pages and score: k of n fit, n - k dropped.
TEST(RagAnswer, WhatDoesNotFitIsListedWithReasonRankAndScore) {
  std::vector<SourcePassage> candidates;
  for (int i = 0; i < 5; ++i) {
    candidates.push_back(passage(10 + i, "alpha beta gamma delta", 20 + i));
    candidates.back().score = 5.0 - i;
  }
  // Each block: "[n] manual.pdf, page P" 4 words + 4 words = 8; a budget of 17 holds two.
  const ContextPlan plan = fit_sources(candidates, 17, words);
  ASSERT_EQ(plan.used.size(), 2u);
  ASSERT_EQ(plan.dropped.size(), 3u);
  for (size_t i = 0; i < plan.dropped.size(); ++i) {
    const DroppedPassage& d = plan.dropped[i];
    EXPECT_EQ(d.reason, kDropBudget);
    EXPECT_EQ(d.passage.rank, static_cast<int>(i) + 3);
    EXPECT_EQ(d.passage.chunk_id, 12 + static_cast<int64_t>(i));
    EXPECT_EQ(d.passage.page_start, 22 + static_cast<int>(i));
    EXPECT_EQ(d.passage.score, 3.0 - static_cast<double>(i));
    EXPECT_EQ(d.passage.number, 0);
    EXPECT_EQ(d.passage.tokens, 8u);
    EXPECT_NE(d.detail.find("needs 8 tokens, 1 of the 17-token"), std::string::npos) << d.detail;
  }
  EXPECT_FALSE(plan.budget_too_small);
}

TEST(RagAnswer, NothingFitsInAZeroBudget) {
  const ContextPlan plan = fit_sources({passage(1, "text"), passage(2, "more text")}, 0, words);
  EXPECT_TRUE(plan.used.empty());
  ASSERT_EQ(plan.dropped.size(), 2u);
  EXPECT_TRUE(plan.budget_too_small);
  EXPECT_NE(plan.budget_note.find("0-token source budget cannot hold any source"), std::string::npos)
      << plan.budget_note;
  for (const DroppedPassage& d : plan.dropped) EXPECT_EQ(d.reason, kDropBudgetTooSmall);
}

TEST(RagAnswer, ABudgetWithRoomForTheHeaderOnlyIsTooSmall) {
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "w" + std::to_string(i) + " ";
  // 4 words of header and 3 of text: less than kMinSourceTextTokens of text.
  const ContextPlan plan = fit_sources({passage(1, long_text)}, 8, words);
  EXPECT_TRUE(plan.used.empty());
  EXPECT_TRUE(plan.budget_too_small);
  ASSERT_EQ(plan.dropped.size(), 1u);
  EXPECT_EQ(plan.dropped[0].reason, kDropBudgetTooSmall);
}

TEST(RagAnswer, SourceBlockNamesDocumentPagesAndHeading) {
  SourcePassage p = passage(1, "body", 4);
  p.number = 2;
  p.page_end = 5;
  p.heading_path = "Intro > Setup";
  EXPECT_EQ(format_source(p), "[2] manual.pdf, pages 4-5 (Intro > Setup)\nbody");
}

TEST(RagAnswer, MessagesPutSourcesInTheSystemMessageOrAllInOneUserMessage) {
  std::vector<SourcePassage> used = {passage(1, "alpha")};
  used[0].number = 1;
  const auto with_system = answer_messages("What?", used, "Use the sources.", true);
  ASSERT_EQ(with_system.size(), 2u);
  EXPECT_EQ(with_system[0]["role"], "system");
  EXPECT_EQ(with_system[0]["content"], "Use the sources.\n\nSources:\n\n[1] manual.pdf, page 1\nalpha");
  EXPECT_EQ(with_system[1]["content"], "What?");
  const auto user_only = answer_messages("What?", used, "Use the sources.", false);
  ASSERT_EQ(user_only.size(), 1u);
  EXPECT_EQ(user_only[0]["role"], "user");
  EXPECT_NE(user_only[0]["content"].get<std::string>().find("[1] manual.pdf, page 1\nalpha\n\nQuestion: What?"),
            std::string::npos);
}

// A chat grounded in documents: the earlier turns sit between the sources and
// the new question, and the conversation's system prompt opens the system message.
TEST(RagAnswer, ConversationTurnsGoBetweenTheSourcesAndTheQuestion) {
  std::vector<SourcePassage> used = {passage(1, "alpha")};
  used[0].number = 1;
  const nlohmann::ordered_json conversation = nlohmann::ordered_json::parse(
      R"([{"role":"system","content":"You are terse."},{"role":"user","content":"Hi"},)"
      R"({"role":"assistant","content":"Hello [1]."}])");
  const auto chat = answer_messages("And then?", used, "Use the sources.", true, conversation);
  ASSERT_EQ(chat.size(), 4u);
  EXPECT_EQ(chat[0]["role"], "system");
  EXPECT_EQ(chat[0]["content"], "You are terse.\n\nUse the sources.\n\nSources:\n\n[1] manual.pdf, page 1\nalpha");
  EXPECT_EQ(chat[1], conversation[1]);
  EXPECT_EQ(chat[2], conversation[2]);
  EXPECT_EQ(chat[3], nlohmann::ordered_json({{"role", "user"}, {"content", "And then?"}}));
  // Without a system role the turns come first and the last user message carries everything.
  const auto no_system = answer_messages("And then?", used, "Use the sources.", false, conversation);
  ASSERT_EQ(no_system.size(), 3u);
  EXPECT_EQ(no_system[0], conversation[1]);
  EXPECT_EQ(no_system[1], conversation[2]);
  const std::string last = no_system[2]["content"];
  EXPECT_EQ(last.rfind("You are terse.\n\nUse the sources.", 0), 0u) << last;
  EXPECT_NE(last.find("alpha\n\nQuestion: And then?"), std::string::npos) << last;
  // No conversation: exactly the two messages of a plain question.
  EXPECT_EQ(answer_messages("What?", used, "Use the sources.", true, nlohmann::ordered_json::array()),
            answer_messages("What?", used, "Use the sources.", true));
}

TEST(RagAnswer, CitationsAreFoundAndInventedNumbersFlagged) {
  const CitationCheck c = check_citations("A [1]. B [2][3]. C [1, 4]. D [2-3]. E [9] and [0].", 3);
  EXPECT_EQ(c.cited, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(c.invented, (std::vector<int>{4, 9, 0}));
}

TEST(RagAnswer, LinksCodeAndProseInBracketsAreNotCitations) {
  const CitationCheck c = check_citations("See [the docs](http://x/1) and a[i] or [note] or [1a] or [ ] or [", 2);
  EXPECT_TRUE(c.cited.empty());
  EXPECT_TRUE(c.invented.empty());
}

}  // namespace
}  // namespace pg::rag
