// Constrained generation with the demo model (SentencePiece with byte
// fallback): for many seeds at a high temperature every reply is a sentence
// of the grammar, also when max_tokens is tight (the budget closes it in
// time); a reply ends as soon as nothing more can follow; a lazy grammar holds
// only after its trigger; log-probabilities come with each token.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/generate/generator.h"
#include "engine/grammar/gbnf.h"
#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "test_paths.h"

namespace pg {
namespace {

std::string demo_path() { return test::source_dir() + "/models/demo/stories260K.gguf"; }

std::shared_ptr<const grammar::Grammar> grammar_of(const std::string& gbnf) {
  auto g = grammar::parse_gbnf(gbnf);
  EXPECT_TRUE(g) << g.error();
  return std::make_shared<const grammar::Grammar>(std::move(*g));
}

// Greedy generation from BOS with the demo model; `req` gives the rest.
Result<DecodeResult> greedy_from_bos(DecodeRequest req) {
  auto model = LlamaModel::load(demo_path());
  if (!model) return model.status();
  ThreadPool pool(2);
  InferenceSession s(**model, pool);
  req.prompt_ids = {(*model)->tokenizer().bos_id()};
  req.sampling.temperature = 0;
  return generate(s, req);
}

const char* const kObject = R"(root ::= "{" ws pair ("," ws pair)* "}"
pair ::= "\"" [a-z]+ "\"" ws ":" ws (num | str | "true" | "false")
num ::= "-"? [0-9]{1,4}
str ::= "\"" [^"\\\x00-\x1F]* "\""
ws ::= | " ")";

TEST(ConstrainedGeneration, EveryReplyIsASentenceOfTheGrammar) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  const auto g = grammar_of(kObject);
  for (int64_t max_tokens : {12, 40}) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      InferenceSession s(**model, pool);
      DecodeRequest req;
      req.prompt_ids = (*model)->tokenizer().encode("Once upon a time", true, false);
      req.max_tokens = max_tokens;
      req.sampling.temperature = 1.2f;
      req.sampling.seed = seed;
      req.grammar = g;
      auto r = generate(s, req);
      ASSERT_TRUE(r) << r.error();
      std::string dbg;
      for (auto t : r->tokens) dbg += std::to_string(t) + "[" + (*model)->tokenizer().token_to_piece(t) + "] ";
      EXPECT_TRUE(grammar::grammar_accepts(*g, r->text)) << "seed " << seed << ": " << r->text << " tokens " << dbg << " finish " << finish_reason_name(r->finish);
      EXPECT_LE(static_cast<int64_t>(r->tokens.size()), max_tokens);
    }
  }
}

TEST(ConstrainedGeneration, EndsWhenNothingMoreCanFollow) {
  DecodeRequest req;
  req.max_tokens = 100;
  req.grammar = grammar_of(R"(root ::= "yes" | "no")");
  auto r = greedy_from_bos(req);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->text == "yes" || r->text == "no") << r->text;
  EXPECT_EQ(r->finish, FinishReason::EndOfGeneration);
}

// max_tokens shorter than the grammar's shortest sentence: nothing fits, and
// the reply is cut short by the limit ("length"), not ended as if complete.
TEST(ConstrainedGeneration, TooFewTokensForTheGrammarIsCutShortNotEnded) {
  auto model = LlamaModel::load(demo_path());
  ASSERT_TRUE(model) << model.error();
  ThreadPool pool(2);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    InferenceSession s(**model, pool);
    DecodeRequest req;
    req.prompt_ids = {(*model)->tokenizer().bos_id()};
    req.max_tokens = 3;
    req.sampling.temperature = 1.0f;
    req.sampling.seed = seed;
    req.grammar = grammar_of(R"(root ::= "{\"name\": \"" [a-z]+ "\"}")");
    auto r = generate(s, req);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->finish, FinishReason::MaxTokens) << finish_reason_name(r->finish) << " after " << r->text;
    EXPECT_LE(r->tokens.size(), 3u);
  }
}

TEST(ConstrainedGeneration, LazyGrammarHoldsOnlyAfterItsTrigger) {
  DecodeRequest req;
  req.max_tokens = 60;
  // Greedy text starts "Once upon a time, there was a little girl named Lily."
  req.grammar = grammar_of(R"(root ::= " girl" " named" " Bob!")");
  req.grammar_triggers = {"little"};
  auto r = greedy_from_bos(req);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->text, "Once upon a time, there was a little girl named Bob!");
}

TEST(ConstrainedGeneration, TriggersInsideAReasoningBlockDoNotCount) {
  DecodeRequest req;
  req.max_tokens = 60;
  // "Once upon a time," plays the reasoning block: "upon" inside it is no trigger, "little" after it is.
  req.reasoning_open = "Once";
  req.reasoning_close = " time,";
  req.grammar = grammar_of(R"(root ::= " girl" " named" " Bob!")");
  req.grammar_triggers = {"upon", "little"};
  auto r = greedy_from_bos(req);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->text, "Once upon a time, there was a little girl named Bob!");
}

TEST(ConstrainedGeneration, LogprobsComeWithEachToken) {
  DecodeRequest req;
  req.max_tokens = 8;
  req.top_logprobs = 3;
  auto r = greedy_from_bos(req);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->logprobs.size(), r->tokens.size());
  for (size_t i = 0; i < r->tokens.size(); ++i) {
    const TokenLogprob& lp = r->logprobs[i];
    EXPECT_EQ(lp.token, r->tokens[i]);
    ASSERT_EQ(lp.top.size(), 3u);
    EXPECT_EQ(lp.top[0].first, lp.token);  // greedy picks the most likely
    EXPECT_FLOAT_EQ(lp.top[0].second, lp.logprob);
    EXPECT_LE(lp.logprob, 0.0f);
    EXPECT_GE(lp.top[0].second, lp.top[1].second);
    double mass = 0;
    for (const auto& [id, l] : lp.top) mass += std::exp(l);
    EXPECT_LE(mass, 1.0 + 1e-6);
  }
}

}  // namespace
}  // namespace pg
