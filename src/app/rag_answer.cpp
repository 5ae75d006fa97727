// Retrieval, context budget and prompt of a RAG answer; see rag_answer.h.
#include "app/rag_answer.h"

#include <algorithm>
#include <cmath>

#include "app/chat_prompt.h"
#include "app/generation.h"

namespace pg::app {
namespace {

constexpr int64_t kDefaultAnswerTokens = 512;

std::vector<rag::SourcePassage> source_candidates(const Retrieval& found) {
  std::vector<rag::SourcePassage> candidates;
  for (const rag::RetrievalHit& h : found.hits) {
    rag::SourcePassage s;
    s.chunk_id = h.chunk.id;
    s.document_id = h.document.id;
    s.document_name = h.document.file_name;
    s.page_start = h.chunk.page_start;
    s.page_end = h.chunk.page_end;
    s.heading_path = h.chunk.heading_path;
    s.text = h.chunk.text;
    s.score = h.score;
    candidates.push_back(std::move(s));
  }
  return candidates;
}

AnswerPlan plan_of(const Retrieval& found, size_t budget, rag::ContextPlan plan) {
  AnswerPlan out;
  out.mode = found.mode;
  out.retrieved = found.hits.size();
  out.budget_tokens = budget;
  out.source_tokens = plan.source_tokens;
  out.used = std::move(plan.used);
  out.dropped = std::move(plan.dropped);
  return out;
}

// The answer's tokens: asked for, or min(512, a quarter of the context).
Result<int64_t> answer_tokens(const RagQuery& q, int64_t n_ctx, const std::string& whose_context) {
  const int64_t n = q.max_tokens.value_or(std::min<int64_t>(kDefaultAnswerTokens, n_ctx / 4));
  if (n > n_ctx)
    return Status::invalid_argument("field 'params.max_tokens' is larger than " + whose_context + " " + std::to_string(n_ctx),
                                    "invalid_field");
  return n;
}

Status no_room(int64_t answer, const std::string& context) {
  return Status::invalid_argument("the question and the answer's " + std::to_string(answer) +
                                      " tokens leave no room for sources in " + context,
                                  "context_length_exceeded");
}

}  // namespace

Result<rag::Collection> find_collection(Core& core, const std::string& id_or_name) {
  const bool numeric = !id_or_name.empty() && id_or_name.size() <= 18 &&
                       std::all_of(id_or_name.begin(), id_or_name.end(), [](char c) { return c >= '0' && c <= '9'; });
  rag::CollectionStore& store = *core.rag().collections;
  return numeric ? store.get_collection(std::stoll(id_or_name)) : store.find_collection(id_or_name);
}

Result<Retrieval> retrieve(Core& core, const rag::Collection& c, const RagQuery& query) {
  const bool dense_available = !c.embedding_model.empty();
  rag::RetrievalQuery q;
  q.text = query.question;
  const std::string mode = query.mode.empty() ? (dense_available ? "hybrid" : "bm25") : query.mode;
  if (mode == "bm25") q.mode = rag::RetrievalMode::Bm25;
  else if (mode == "dense") q.mode = rag::RetrievalMode::Dense;
  else if (mode == "hybrid") q.mode = rag::RetrievalMode::Hybrid;
  else return Status::invalid_argument("field 'mode' is '" + mode + "', expected bm25, dense or hybrid", "invalid_field");
  if (q.mode != rag::RetrievalMode::Bm25 && !dense_available)
    return Status::invalid_argument("collection '" + c.name + "' has no embedding model: only mode bm25 is available",
                                    "no_embedding_model");
  q.top_k = query.top_k;
  q.min_score = query.min_score;
  q.tags = query.tags;
  q.metadata = query.metadata;
  q.bm25_weight = query.bm25_weight;
  q.dense_weight = query.dense_weight;
  q.rrf_k = query.rrf_k;
  q.candidates = std::max(q.top_k * 4, 50);
  if (q.mode != rag::RetrievalMode::Bm25) {
    auto embedder = core.embedder(c.embedding_model);
    if (!embedder)
      return Status::unavailable("embedding model '" + c.embedding_model + "': " + embedder.error(),
                                 "embedding_model_unavailable");
    auto v = (*embedder)->embed(std::vector<std::string>{query.question});
    if (!v) return Status::internal("the question could not be embedded: " + v.error(), "embedding_failed");
    q.embedding = std::move(v->front());
  }
  rag::Retriever retriever(*core.rag().collections, core.rag().vectors);
  auto hits = retriever.retrieve(c.id, q);
  if (!hits) return Status::internal("retrieval failed: " + hits.error(), "retrieval_failed");
  return Retrieval{mode, std::move(*hits)};
}

Result<PreparedAnswer> prepare_answer(Core& core, const rag::Collection& c, const LoadedModel& model,
                                      const RagQuery& query) {
  auto found = retrieve(core, c, query);
  if (!found) return found.status();
  PreparedAnswer out;
  GenerationParams& p = out.params;
  if (Status s = apply_sampling(query.sampling, p); !s) return s;
  if (Status s = model.require_generation(); !s) return s;

  // The budget: the context less the prompt without sources and the answer's tokens.
  const LlamaModel& llm = model.decoder();
  const Tokenizer& tok = llm.tokenizer();
  const int64_t n_ctx = model.context_size();
  auto answer = answer_tokens(query, n_ctx, "the context size");
  if (!answer) return answer.status();
  bool system_role = true;
  auto bare = render_chat_prompt(llm, rag::answer_messages(query.question, {}, query.instruction, true), true);
  if (!bare) {
    system_role = false;  // the template refuses a system message: everything goes in the user turn
    bare = render_chat_prompt(llm, rag::answer_messages(query.question, {}, query.instruction, false), true);
    if (!bare) return bare.status();
  }
  const int64_t overhead = static_cast<int64_t>(tok.encode(*bare, true, true).size());
  const int64_t free_tokens = n_ctx - overhead - *answer;
  if (free_tokens <= 0)
    return no_room(*answer, "the " + std::to_string(n_ctx) + "-token context of model '" + model.file.name + "'");
  const size_t budget =
      static_cast<size_t>(std::floor(static_cast<double>(free_tokens) * core.config().rag_context_share));
  auto count = [&tok](std::string_view t) { return tok.encode(t, false, false).size(); };
  rag::ContextPlan plan = rag::fit_sources(source_candidates(*found), budget, count);
  // Token counts of parts differ a little from the whole: shrink until the prompt really fits.
  while (true) {
    auto prompt =
        render_chat_prompt(llm, rag::answer_messages(query.question, plan.used, query.instruction, system_role), true);
    if (!prompt) return prompt.status();
    p.prompt_ids = tok.encode(*prompt, true, true);
    if (static_cast<int64_t>(p.prompt_ids.size()) + *answer <= n_ctx || plan.used.empty()) break;
    rag::SourcePassage last = plan.used.back();
    plan.used.pop_back();
    plan.dropped.insert(plan.dropped.begin(), {last, "did not fit once the whole prompt was counted"});
  }
  if (Status s = fit_max_tokens(p, *answer, "params.max_tokens", model); !s) return s;
  out.plan = plan_of(*found, budget, std::move(plan));
  return out;
}

Result<PreparedRemoteAnswer> prepare_remote_answer(Core& core, const rag::Collection& c, int64_t n_ctx,
                                                   const RagQuery& query) {
  auto found = retrieve(core, c, query);
  if (!found) return found.status();
  PreparedRemoteAnswer out;
  out.sampling = query.sampling;
  // The provider's tokenizer is not known here: about 3 bytes per token, counted generously.
  auto count = [](std::string_view t) { return t.size() / 3 + 1; };
  auto answer = answer_tokens(query, n_ctx, "the provider's context_size");
  if (!answer) return answer.status();
  const int64_t overhead =
      static_cast<int64_t>(count(rag::answer_messages(query.question, {}, query.instruction, true).dump()));
  const int64_t free_tokens = n_ctx - overhead - *answer;
  if (free_tokens <= 0) return no_room(*answer, "the provider's context_size " + std::to_string(n_ctx));
  const size_t budget =
      static_cast<size_t>(std::floor(static_cast<double>(free_tokens) * core.config().rag_context_share));
  rag::ContextPlan plan = rag::fit_sources(source_candidates(*found), budget, count);
  out.messages = nlohmann::json::parse(rag::answer_messages(query.question, plan.used, query.instruction, true).dump());
  out.max_tokens = *answer;
  out.plan = plan_of(*found, budget, std::move(plan));
  return out;
}

}  // namespace pg::app
