// The wire shape of an answer's plan (server::describe_plan, what
// /api/v1/rag/query and `playground ask --json` show): sources with the
// truncation marker, dropped chunks with a machine-readable reason, and the
// retrieval counts. The web UI reads exactly these fields.
#include <gtest/gtest.h>

#include "server/rag_answerer.h"

namespace pg::server {
namespace {

rag::SourcePassage passage(int rank, int64_t chunk, int page, double score) {
  rag::SourcePassage p;
  p.rank = rank;
  p.chunk_id = chunk;
  p.document_id = 3;
  p.document_name = "spec.pdf";
  p.page_start = p.page_end = page;
  p.text = "text of " + std::to_string(chunk);
  p.score = score;
  p.tokens = p.full_tokens = 100;
  return p;
}

TEST(RagAnswerJson, SourcesDroppedAndRetrievalCarryReasonsRanksAndTheTruncationMarker) {
  app::AnswerPlan plan;
  plan.mode = "bm25";
  plan.retrieved = 3;
  plan.budget_tokens = 52;
  plan.source_tokens = 50;
  plan.answer_tokens = 200;
  plan.used.push_back(passage(1, 14, 4, 20.5));
  plan.used[0].number = 1;
  plan.used[0].truncated = true;
  plan.used[0].tokens = 50;
  plan.used[0].full_tokens = 517;
  plan.dropped.push_back({passage(2, 21, 6, 18.25), rag::kDropBudget, "needs 100 tokens, 2 of the 52-token source budget were left"});
  plan.dropped.push_back({passage(3, 50, 16, 17.0), rag::kDropPromptOverflow, "its 100 tokens did not fit"});
  rag::Collection c;
  c.name = "docs";
  PreparedAnswer out;
  describe_plan(out, c, plan);

  ASSERT_EQ(out.sources.size(), 1u);
  const nlohmann::json& s = out.sources[0];
  EXPECT_EQ(s["number"], 1);
  EXPECT_EQ(s["rank"], 1);
  EXPECT_EQ(s["truncated"], true);
  EXPECT_EQ(s["tokens"], 50);
  EXPECT_EQ(s["full_tokens"], 517);
  EXPECT_EQ(s["document"], "spec.pdf");
  EXPECT_EQ(s["page_start"], 4);

  ASSERT_EQ(out.dropped.size(), 2u);
  const nlohmann::json& d = out.dropped[0];
  EXPECT_EQ(d["reason"], "budget");
  EXPECT_EQ(d["detail"], "needs 100 tokens, 2 of the 52-token source budget were left");
  EXPECT_EQ(d["rank"], 2);
  EXPECT_EQ(d["chunk_id"], 21);
  EXPECT_EQ(d["document_id"], 3);
  EXPECT_EQ(d["document"], "spec.pdf");
  EXPECT_EQ(d["page_start"], 6);
  EXPECT_EQ(d["page_end"], 6);
  EXPECT_DOUBLE_EQ(d["score"].get<double>(), 18.25);
  EXPECT_EQ(d["tokens"], 100);
  EXPECT_FALSE(d.contains("number"));
  EXPECT_FALSE(d.contains("truncated"));
  EXPECT_EQ(out.dropped[1]["reason"], "prompt_overflow");

  const nlohmann::json& r = out.retrieval;
  EXPECT_EQ(r["retrieved"], 3);
  EXPECT_EQ(r["used"], 1);
  EXPECT_EQ(r["dropped"], 2);
  EXPECT_EQ(r["source_budget_tokens"], 52);
  EXPECT_EQ(r["answer_tokens"], 200);
  EXPECT_EQ(r["budget_too_small"], false);
  EXPECT_TRUE(r["budget_note"].is_null());
}

TEST(RagAnswerJson, ABudgetTooSmallIsSaidInTheRetrievalObject) {
  app::AnswerPlan plan;
  plan.retrieved = 1;
  plan.budget_too_small = true;
  plan.budget_note = "the 5-token source budget cannot hold any source";
  plan.dropped.push_back({passage(1, 9, 2, 3.0), rag::kDropBudgetTooSmall, plan.budget_note});
  PreparedAnswer out;
  describe_plan(out, rag::Collection{}, plan);
  EXPECT_TRUE(out.sources.empty());
  EXPECT_EQ(out.dropped[0]["reason"], "budget_too_small");
  EXPECT_EQ(out.retrieval["budget_too_small"], true);
  EXPECT_EQ(out.retrieval["budget_note"], plan.budget_note);
}

}  // namespace
}  // namespace pg::server
