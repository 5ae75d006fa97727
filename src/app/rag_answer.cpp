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
    s.collection_id = h.collection_id;
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

AnswerPlan plan_of(const Retrieval& found, size_t budget, int64_t answer_tokens, rag::ContextPlan plan) {
  AnswerPlan out;
  out.mode = found.mode;
  out.retrieved = found.hits.size();
  out.budget_tokens = budget;
  out.source_tokens = plan.source_tokens;
  out.answer_tokens = answer_tokens;
  out.budget_too_small = plan.budget_too_small;
  out.budget_note = std::move(plan.budget_note);
  out.used = std::move(plan.used);
  out.dropped = std::move(plan.dropped);
  return out;
}

// Tokens of chunk text the best source should keep in a small context, and
// the shortest default answer that gives way for them.
constexpr size_t kUsefulSourceTextTokens = 64;
constexpr int64_t kMinDefaultAnswerTokens = 64;

// The source budget: the free tokens times the share, but when that cannot
// hold kUsefulSourceTextTokens of the best source, all the free tokens, and
// (when the answer's length was not asked for) tokens the default answer
// gives up, down to kMinDefaultAnswerTokens. `answer` may shrink.
size_t source_budget(int64_t free_tokens, double share, size_t wanted, bool answer_asked, int64_t& answer) {
  const size_t shared = static_cast<size_t>(std::floor(static_cast<double>(std::max<int64_t>(free_tokens, 0)) * share));
  if (shared >= wanted) return shared;
  int64_t budget = std::max<int64_t>(free_tokens, 0);
  if (!answer_asked && budget < static_cast<int64_t>(wanted) && answer > kMinDefaultAnswerTokens) {
    const int64_t give = std::min<int64_t>(static_cast<int64_t>(wanted) - budget, answer - kMinDefaultAnswerTokens);
    answer -= give;
    budget += give;
  }
  return static_cast<size_t>(std::max<int64_t>(budget, static_cast<int64_t>(shared)));
}

// What the best candidate needs to be worth using in a small context.
size_t wanted_budget(const std::vector<rag::SourcePassage>& candidates, const rag::CountTokens& count) {
  if (candidates.empty()) return 0;
  return rag::block_overhead_tokens(candidates.front(), count) +
         std::min(kUsefulSourceTextTokens, count(candidates.front().text));
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

Result<Retrieval> retrieve(Core& core, std::span<const rag::Collection> collections, const RagQuery& query) {
  if (collections.size() == 1) return retrieve(core, collections.front(), query);
  std::vector<Retrieval> each;
  std::string modes;
  for (const rag::Collection& c : collections) {
    auto found = retrieve(core, c, query);
    if (!found) return found.status();
    if (modes.find(found->mode) == std::string::npos) modes += (modes.empty() ? "" : "+") + found->mode;
    each.push_back(std::move(*found));
  }
  Retrieval merged{modes, {}};
  for (size_t rank = 0; merged.hits.size() < static_cast<size_t>(query.top_k); ++rank) {
    bool any = false;
    for (Retrieval& r : each)
      if (rank < r.hits.size() && merged.hits.size() < static_cast<size_t>(query.top_k)) {
        merged.hits.push_back(std::move(r.hits[rank]));
        any = true;
      }
    if (!any) break;
  }
  return merged;
}

Result<PreparedAnswer> prepare_answer(Core& core, std::span<const rag::Collection> collections, const LoadedModel& model,
                                      const RagQuery& query) {
  auto found = retrieve(core, collections, query);
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
  // The prompt for some sources: the bare chat template, or the chat's own
  // request (its tools and template variables) with the grounded messages.
  auto render = [&](const nlohmann::ordered_json& messages) -> Result<std::string> {
    if (!query.chat) return render_chat_prompt(llm, messages, true);
    GenerationInput in = query.chat->input;
    in.style = PromptStyle::Chat;
    in.messages = messages;
    return prompt_text(llm, in);
  };
  bool system_role = true;
  auto bare = render(rag::answer_messages(query.question, {}, query.instruction, true, query.conversation));
  if (!bare) {
    system_role = false;  // the template refuses a system message: everything goes in the user turn
    bare = render(rag::answer_messages(query.question, {}, query.instruction, false, query.conversation));
    if (!bare) return bare.status();
  }
  const int64_t overhead = static_cast<int64_t>(tok.encode(*bare, true, true).size());
  int64_t answer_len = *answer;
  const int64_t free_tokens = n_ctx - overhead - answer_len;
  if (free_tokens <= 0 && (query.max_tokens || n_ctx - overhead <= kMinDefaultAnswerTokens))
    return no_room(*answer, "the " + std::to_string(n_ctx) + "-token context of model '" + model.file.name + "'");
  auto count = [&tok](std::string_view t) { return tok.encode(t, false, false).size(); };
  const std::vector<rag::SourcePassage> candidates = source_candidates(*found);
  const size_t budget = source_budget(free_tokens, query.context_share.value_or(core.config().rag_context_share), wanted_budget(candidates, count),
                                      query.max_tokens.has_value(), answer_len);
  rag::ContextPlan plan = rag::fit_sources(candidates, budget, count);
  // Token counts of parts differ a little from the whole: shrink until the prompt really fits.
  size_t refit_budget = budget;
  std::string prompt_text_used;
  while (true) {
    auto prompt =
        render(rag::answer_messages(query.question, plan.used, query.instruction, system_role, query.conversation));
    if (!prompt) return prompt.status();
    p.prompt_ids = tok.encode(*prompt, true, true);
    prompt_text_used = std::move(*prompt);
    const int64_t excess = static_cast<int64_t>(p.prompt_ids.size()) + answer_len - n_ctx;
    if (excess <= 0 || plan.used.empty()) break;
    if (plan.used.size() == 1 && refit_budget > static_cast<size_t>(excess)) {
      // The one source left is cut shorter rather than lost.
      refit_budget -= static_cast<size_t>(excess);
      rag::ContextPlan again = rag::fit_sources(candidates, refit_budget, count);
      if (!again.used.empty()) {
        plan = std::move(again);
        continue;
      }
    }
    rag::SourcePassage last = plan.used.back();
    plan.used.pop_back();
    plan.source_tokens -= std::min(plan.source_tokens, last.tokens);
    last.number = 0;
    const size_t needs = last.tokens;
    auto at = std::find_if(plan.dropped.begin(), plan.dropped.end(),
                           [&](const rag::DroppedPassage& d) { return d.passage.rank > last.rank; });
    plan.dropped.insert(at, {std::move(last), rag::kDropPromptOverflow,
                             "its " + std::to_string(needs) +
                                 " tokens did not fit once the whole prompt was counted"});
    if (plan.used.empty()) {
      plan.budget_too_small = true;
      plan.budget_note = "the " + std::to_string(n_ctx) + "-token context of model '" + model.file.name +
                         "' holds no source besides the instruction, the question and the answer's " +
                         std::to_string(answer_len) + " tokens";
    }
  }
  if (query.chat) {
    // The chat's reply format, tool-call grammar and logprobs on the prompt that fits.
    GenerationRequest request = *query.chat;
    request.sampling = query.sampling;
    request.max_tokens = answer_len;
    auto params = prepare_generation_from_text(model, request, std::move(prompt_text_used), std::nullopt, &out.output);
    if (!params) return params.status();
    p = std::move(*params);
  } else if (Status s = fit_max_tokens(p, answer_len, "params.max_tokens", model); !s) {
    return s;
  }
  out.plan = plan_of(*found, refit_budget, answer_len, std::move(plan));  // the budget the sources were fitted to
  return out;
}

Result<PreparedRemoteAnswer> prepare_remote_answer(Core& core, std::span<const rag::Collection> collections,
                                                   int64_t n_ctx, const RagQuery& query) {
  auto found = retrieve(core, collections, query);
  if (!found) return found.status();
  PreparedRemoteAnswer out;
  out.sampling = query.sampling;
  // The provider's tokenizer is not known here: about 3 bytes per token, counted generously.
  auto count = [](std::string_view t) { return t.size() / 3 + 1; };
  auto answer = answer_tokens(query, n_ctx, "the provider's context_size");
  if (!answer) return answer.status();
  const int64_t overhead =
      static_cast<int64_t>(
          count(rag::answer_messages(query.question, {}, query.instruction, true, query.conversation).dump())) +
      (query.chat && query.chat->input.tools.is_array() ? static_cast<int64_t>(count(query.chat->input.tools.dump())) : 0);
  int64_t answer_len = *answer;
  const int64_t free_tokens = n_ctx - overhead - answer_len;
  if (free_tokens <= 0 && (query.max_tokens || n_ctx - overhead <= kMinDefaultAnswerTokens))
    return no_room(*answer, "the provider's context_size " + std::to_string(n_ctx));
  const std::vector<rag::SourcePassage> candidates = source_candidates(*found);
  const size_t budget = source_budget(free_tokens, query.context_share.value_or(core.config().rag_context_share), wanted_budget(candidates, count),
                                      query.max_tokens.has_value(), answer_len);
  rag::ContextPlan plan = rag::fit_sources(candidates, budget, count);
  out.messages = nlohmann::json::parse(
      rag::answer_messages(query.question, plan.used, query.instruction, true, query.conversation).dump());
  out.max_tokens = answer_len;
  out.plan = plan_of(*found, budget, answer_len, std::move(plan));
  return out;
}

}  // namespace pg::app
