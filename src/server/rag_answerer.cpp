// Retrieval, context budget, prompt and citations; see rag_answerer.h.
#include "server/rag_answerer.h"

#include <algorithm>
#include <cmath>

#include "server/api_error.h"
#include "app/chat_prompt.h"
#include "server/generation_runner.h"
#include "server/rag_json.h"
#include "app/rag_services.h"
#include "server/model_embedder.h"
#include "server/remote_generation.h"
#include "server/routes.h"

namespace pg::server {
namespace {


constexpr int64_t kDefaultAnswerTokens = 512;


std::vector<std::string> tag_list(const FieldReader& r) {
  auto tags = r.string_list("tags", 32);
  return tags ? *tags : std::vector<std::string>{};
}

std::map<std::string, std::string> metadata_filter(const FieldReader& r) {
  std::map<std::string, std::string> out;
  const nlohmann::json* m = r.raw("metadata");
  if (!m) return out;
  if (!m->is_object()) throw invalid_field("metadata", "must be an object of key: value filters, got " + describe_json(*m));
  for (const auto& [k, v] : m->items()) {
    if (!v.is_string() && !v.is_number() && !v.is_boolean())
      throw invalid_field("metadata." + k, "must be a string, number or boolean, got " + describe_json(v));
    out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

nlohmann::json passage_json(const rag::SourcePassage& p) {
  return {{"number", p.number},
          {"chunk_id", p.chunk_id},
          {"document_id", p.document_id},
          {"document", p.document_name},
          {"page_start", p.page_start},
          {"page_end", p.page_end},
          {"heading_path", p.heading_path},
          {"score", std::round(p.score * 1e6) / 1e6},
          {"text", p.text},
          {"truncated", p.truncated}};
}


// The citations of an answer: each cited number with its source, and the invented ones.
nlohmann::json citations_json(const std::string& answer, const std::vector<rag::SourcePassage>& used) {
  const rag::CitationCheck check = rag::check_citations(answer, static_cast<int>(used.size()));
  nlohmann::json cited = nlohmann::json::array();
  for (int n : check.cited) {
    const rag::SourcePassage& p = used[static_cast<size_t>(n - 1)];
    cited.push_back({{"number", n},
                     {"chunk_id", p.chunk_id},
                     {"document_id", p.document_id},
                     {"document", p.document_name},
                     {"page_start", p.page_start},
                     {"page_end", p.page_end}});
  }
  return {{"citations", cited}, {"invalid_citations", check.invented}};
}

}  // namespace

Retrieval retrieve(ServerContext& ctx, const rag::Collection& c, const std::string& text, const FieldReader& r) {
  const bool dense_available = !c.embedding_model.empty();
  rag::RetrievalQuery q;
  q.text = text;
  const std::string mode = r.string("mode", 16).value_or(dense_available ? "hybrid" : "bm25");
  if (mode == "bm25") q.mode = rag::RetrievalMode::Bm25;
  else if (mode == "dense") q.mode = rag::RetrievalMode::Dense;
  else if (mode == "hybrid") q.mode = rag::RetrievalMode::Hybrid;
  else throw invalid_field("mode", "is '" + mode + "', expected bm25, dense or hybrid");
  if (q.mode != rag::RetrievalMode::Bm25 && !dense_available)
    throw ApiError(400, "no_embedding_model",
                   "collection '" + c.name + "' has no embedding model: only mode bm25 is available");
  q.top_k = static_cast<int>(r.integer("top_k", 1, 100).value_or(5));
  q.min_score = r.number("min_score", -1e9, 1e9);
  q.tags = tag_list(r);
  q.metadata = metadata_filter(r);
  q.bm25_weight = r.number("bm25_weight", 0, 100).value_or(1);
  q.dense_weight = r.number("dense_weight", 0, 100).value_or(1);
  q.rrf_k = static_cast<int>(r.integer("rrf_k", 1, 10000).value_or(60));
  q.candidates = std::max(q.top_k * 4, 50);
  if (q.mode != rag::RetrievalMode::Bm25) {
    auto embedder = model_embedder(ctx, c.embedding_model);
    if (!embedder) throw ApiError(503, "embedding_model_unavailable", "embedding model '" + c.embedding_model + "': " + embedder.error());
    auto v = (*embedder)->embed(std::vector<std::string>{text});
    if (!v) throw ApiError(500, "embedding_failed", "the question could not be embedded: " + v.error());
    q.embedding = std::move(v->front());
  }
  rag::Retriever retriever(*ctx.rag().collections, ctx.rag().vectors);
  auto hits = retriever.retrieve(c.id, q);
  if (!hits) throw ApiError(500, "retrieval_failed", "retrieval failed: " + hits.error());
  return {mode, std::move(*hits)};
}

PreparedAnswer prepare_answer(ServerContext& ctx, const rag::Collection& c, const LoadedModel& model,
                              const std::string& question, const FieldReader& r) {
  const Retrieval found = retrieve(ctx, c, question, r);
  PreparedAnswer out;
  GenerationParams& p = out.params;
  std::optional<int64_t> max_tokens;
  if (auto params = r.object("params")) {
    read_sampling_fields(*params, p);
    max_tokens = params->integer("max_tokens", 1, int64_t{1} << 24);
  }
  const std::string instruction = r.string("system_prompt", 8192).value_or(rag::kDefaultAnswerInstruction);

  // The budget: the context less the prompt without sources and the answer's tokens.
  const LlamaModel& llm = generator_of(model);
  const Tokenizer& tok = llm.tokenizer();
  const int64_t n_ctx = model.context_size();
  const int64_t answer_tokens = max_tokens.value_or(std::min<int64_t>(kDefaultAnswerTokens, n_ctx / 4));
  if (answer_tokens > n_ctx)
    throw invalid_field("params.max_tokens", "is larger than the context size " + std::to_string(n_ctx));
  bool system_role = true;
  std::string bare_prompt;
  try {
    bare_prompt = value_or_throw(render_chat_prompt(llm, rag::answer_messages(question, {}, instruction, true), true));
  } catch (const ApiError&) {
    system_role = false;  // the template refuses a system message: everything goes in the user turn
    bare_prompt = value_or_throw(render_chat_prompt(llm, rag::answer_messages(question, {}, instruction, false), true));
  }
  const int64_t overhead = static_cast<int64_t>(tok.encode(bare_prompt, true, true).size());
  const int64_t free_tokens = n_ctx - overhead - answer_tokens;
  if (free_tokens <= 0)
    throw ApiError(400, "context_length_exceeded",
                   "the question and the answer's " + std::to_string(answer_tokens) +
                       " tokens leave no room for sources in the " + std::to_string(n_ctx) + "-token context of model '" +
                       model.file.name + "'");
  const size_t budget = static_cast<size_t>(std::floor(static_cast<double>(free_tokens) * ctx.config().rag_context_share));
  std::vector<rag::SourcePassage> candidates = source_candidates(found);
  auto count = [&tok](std::string_view t) { return tok.encode(t, false, false).size(); };
  rag::ContextPlan plan = rag::fit_sources(candidates, budget, count);
  // Token counts of parts differ a little from the whole: shrink until the prompt really fits.
  while (true) {
    const std::string prompt =
        value_or_throw(render_chat_prompt(llm, rag::answer_messages(question, plan.used, instruction, system_role), true));
    p.prompt_ids = tok.encode(prompt, true, true);
    if (static_cast<int64_t>(p.prompt_ids.size()) + answer_tokens <= n_ctx || plan.used.empty()) break;
    rag::SourcePassage last = plan.used.back();
    plan.used.pop_back();
    plan.dropped.insert(plan.dropped.begin(), {last, "did not fit once the whole prompt was counted"});
  }
  set_max_tokens(p, answer_tokens, "params.max_tokens", model);
  describe_plan(out, c, found, budget, std::move(plan));
  return out;
}

PreparedRemoteAnswer prepare_remote_answer(ServerContext& ctx, const rag::Collection& c, int64_t n_ctx,
                                           const std::string& question, const FieldReader& r) {
  const Retrieval found = retrieve(ctx, c, question, r);
  PreparedRemoteAnswer out;
  std::optional<int64_t> max_tokens;
  if (auto params = r.object("params")) {
    out.sampling = read_remote_sampling(*params);
    max_tokens = params->integer("max_tokens", 1, int64_t{1} << 24);
  }
  const std::string instruction = r.string("system_prompt", 8192).value_or(rag::kDefaultAnswerInstruction);
  // The provider's tokenizer is not known here: about 4 bytes per token, counted generously.
  auto count = [](std::string_view t) { return t.size() / 3 + 1; };
  const int64_t answer_tokens = max_tokens.value_or(std::min<int64_t>(kDefaultAnswerTokens, n_ctx / 4));
  if (answer_tokens > n_ctx)
    throw invalid_field("params.max_tokens", "is larger than the provider's context_size " + std::to_string(n_ctx));
  const int64_t overhead = static_cast<int64_t>(count(rag::answer_messages(question, {}, instruction, true).dump()));
  const int64_t free_tokens = n_ctx - overhead - answer_tokens;
  if (free_tokens <= 0)
    throw ApiError(400, "context_length_exceeded",
                   "the question and the answer's " + std::to_string(answer_tokens) +
                       " tokens leave no room for sources in the provider's context_size " + std::to_string(n_ctx));
  const size_t budget = static_cast<size_t>(std::floor(static_cast<double>(free_tokens) * ctx.config().rag_context_share));
  rag::ContextPlan plan = rag::fit_sources(source_candidates(found), budget, count);
  out.messages = nlohmann::json::parse(rag::answer_messages(question, plan.used, instruction, true).dump());
  out.max_tokens = answer_tokens;
  describe_plan(out.prepared, c, found, budget, std::move(plan));
  return out;
}

void describe_plan(PreparedAnswer& out, const rag::Collection& c, const Retrieval& found, size_t budget,
                   rag::ContextPlan plan) {
  out.sources = nlohmann::json::array();
  for (const rag::SourcePassage& s : plan.used) out.sources.push_back(passage_json(s));
  out.dropped = nlohmann::json::array();
  for (const rag::DroppedPassage& d : plan.dropped) {
    nlohmann::json j = passage_json(d.passage);
    j.erase("number");
    j["reason"] = d.reason;
    out.dropped.push_back(std::move(j));
  }
  out.retrieval = {{"collection", c.name},
                   {"mode", found.mode},
                   {"retrieved", found.hits.size()},
                   {"source_budget_tokens", budget},
                   {"source_tokens", plan.source_tokens},
                   {"note", collection_json(c)["retrieval_note"]}};
  out.used = std::move(plan.used);
}

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

nlohmann::json answer_json(const std::string& id, const std::string& model, const PreparedAnswer& prepared,
                           const GenerationOutcome& o) {
  nlohmann::json j = {{"id", id},
                      {"model", model},
                      {"answer", o.text},
                      {"finish_reason", o.finish_reason},
                      {"sources", prepared.sources},
                      {"dropped", prepared.dropped},
                      {"retrieval", prepared.retrieval},
                      {"usage", native_usage_json(o)},
                      {"timings", native_timings_json(o)},
                      {"seed", o.seed}};
  j.update(citations_json(o.text, prepared.used));
  return j;
}

}  // namespace pg::server
