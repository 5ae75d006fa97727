// The context budget of a real answer (app::prepare_answer) with the demo
// model (stories260K, 512-token context, a 512-piece tokenizer): the best
// retrieved chunk is cut to fit and is in the prompt; every other retrieved
// chunk is listed as dropped with a machine-readable reason; a budget with
// room for nothing useful says so. Uses the application core as `playground
// ask` does, without HTTP.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../server/server_test_support.h"
#include "app/rag_answer.h"
#include "cli/local_rag.h"

namespace pg::test {
namespace {

// Five long chunks (about 150 words each), all matching "magic rules".
class RagAnswerPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    auto core = cli::open_local_core(test_server_config());
    ASSERT_TRUE(core) << core.error();
    core_ = std::move(*core);
    rag::CollectionStore& store = *core_->rag().collections;
    rag::NewCollection c;
    c.name = "spec";
    auto made = store.create_collection(c);
    ASSERT_TRUE(made) << made.error();
    collection_ = *made;
    rag::NewDocument d;
    d.file_name = "shared-mime-info-spec.pdf";
    d.format = "pdf";
    d.size_bytes = 1000;
    d.sha256 = "sha";
    auto doc = store.add_document(collection_.id, d);
    ASSERT_TRUE(doc) << doc.error();
    std::vector<rag::NewChunk> chunks;
    for (int i = 0; i < 5; ++i) {
      rag::NewChunk ch;
      ch.index = i;
      ch.page_start = ch.page_end = 3 + i;
      for (int w = 0; w < 30; ++w) ch.text += "The magic rules of part " + std::to_string(i) + " match bytes. ";
      if (i == 0) ch.text = "Magic magic magic rules. " + ch.text;  // the best match
      ch.char_end = static_cast<int64_t>(ch.text.size());
      ch.token_count = 200;
      chunks.push_back(std::move(ch));
    }
    auto r = store.replace_chunks(doc->id, chunks);
    ASSERT_TRUE(r) << r.error();
    auto model = core_->models().acquire("");
    ASSERT_TRUE(model) << model.error();
    model_ = *model;
  }

  app::RagQuery query(int64_t max_tokens) {
    app::RagQuery q;
    q.question = "What are the magic rules?";
    q.mode = "bm25";
    q.top_k = 5;
    q.max_tokens = max_tokens;
    return q;
  }

  std::unique_ptr<app::Core> core_;
  rag::Collection collection_;
  std::shared_ptr<app::LoadedModel> model_;
};

// What the web UI asks (max_tokens 200 of the 512-token context) left 39
// tokens for sources and dropped every chunk; now the best one is cut to fit.
TEST_F(RagAnswerPlan, TheDemoModelGetsTheBestChunkCutToFitAndThePromptHoldsIt) {
  auto prepared = app::prepare_answer(*core_, collection_, *model_, query(200));
  ASSERT_TRUE(prepared) << prepared.error();
  const app::AnswerPlan& plan = prepared->plan;
  EXPECT_EQ(plan.retrieved, 5u);
  ASSERT_EQ(plan.used.size(), 1u) << "budget " << plan.budget_tokens;
  EXPECT_FALSE(plan.budget_too_small);
  const rag::SourcePassage& s = plan.used[0];
  EXPECT_TRUE(s.truncated);
  EXPECT_EQ(s.rank, 1);
  EXPECT_EQ(s.page_start, 3);
  EXPECT_LT(s.tokens, s.full_tokens);
  EXPECT_TRUE(s.text.starts_with("Magic magic")) << s.text;
  const std::string prompt = model_->decoder().tokenizer().decode(prepared->params.prompt_ids, true);
  const std::string shown = s.text.substr(0, s.text.size() - 4);  // without " ..."
  EXPECT_NE(prompt.find(shown), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("[1] shared-mime-info-spec.pdf, page 3"), std::string::npos) << prompt;
  EXPECT_LE(static_cast<int64_t>(prepared->params.prompt_ids.size()) + 200, model_->context_size());
  // The four others are listed, in rank order, with the reason.
  ASSERT_EQ(plan.dropped.size(), 4u);
  for (size_t i = 0; i < plan.dropped.size(); ++i) {
    EXPECT_EQ(plan.dropped[i].reason, rag::kDropBudget);
    EXPECT_EQ(plan.dropped[i].passage.rank, static_cast<int>(i) + 2);
    EXPECT_EQ(plan.dropped[i].passage.page_start, static_cast<int>(i) + 4);
    EXPECT_GT(plan.dropped[i].passage.score, 0);
    EXPECT_FALSE(plan.dropped[i].detail.empty());
  }
}

// Without a max_tokens the default answer gives up tokens so that the best
// source keeps some text; every retrieved chunk is used or dropped.
TEST_F(RagAnswerPlan, UsedAndDroppedAccountForEveryRetrievedChunk) {
  app::RagQuery q = query(0);
  q.max_tokens.reset();
  auto prepared = app::prepare_answer(*core_, collection_, *model_, q);
  ASSERT_TRUE(prepared) << prepared.error();
  const app::AnswerPlan& plan = prepared->plan;
  ASSERT_FALSE(plan.used.empty());
  EXPECT_EQ(plan.used.size() + plan.dropped.size(), plan.retrieved);
  EXPECT_GE(plan.answer_tokens, 64);
  for (const rag::DroppedPassage& d : plan.dropped) EXPECT_FALSE(d.reason.empty());
}

// An answer that takes almost the whole context leaves nothing useful: the
// answer still runs, no source is used and the plan says why.
TEST_F(RagAnswerPlan, ABudgetTooSmallForAnySourceIsReported) {
  auto prepared = app::prepare_answer(*core_, collection_, *model_, query(235));
  ASSERT_TRUE(prepared) << prepared.error();
  const app::AnswerPlan& plan = prepared->plan;
  if (!plan.used.empty()) GTEST_SKIP() << "budget " << plan.budget_tokens << " still held a source";
  EXPECT_TRUE(plan.budget_too_small);
  EXPECT_NE(plan.budget_note.find("cannot hold any source"), std::string::npos) << plan.budget_note;
  ASSERT_EQ(plan.dropped.size(), 5u);
  for (const rag::DroppedPassage& d : plan.dropped) EXPECT_EQ(d.reason, rag::kDropBudgetTooSmall);
}

}  // namespace
}  // namespace pg::test
