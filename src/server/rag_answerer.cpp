// Retrieval, context budget, prompt and citations; see rag_answerer.h.
#include "server/rag_answerer.h"

#include <algorithm>
#include <cmath>

#include "server/api_error.h"
#include "server/generation_runner.h"
#include "server/rag_json.h"
#include "server/remote_generation.h"
#include "server/routes.h"

namespace pg::server {
namespace {


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
          {"collection_id", p.collection_id},
          {"chunk_id", p.chunk_id},
          {"document_id", p.document_id},
          {"document", p.document_name},
          {"page_start", p.page_start},
          {"page_end", p.page_end},
          {"heading_path", p.heading_path},
          {"score", std::round(p.score * 1e6) / 1e6},
          {"text", p.text},
          {"truncated", p.truncated},
          {"rank", p.rank},
          {"tokens", p.tokens},
          {"full_tokens", p.full_tokens}};
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

app::RagQuery read_rag_query(const FieldReader& r, const std::string& question) {
  app::RagQuery q;
  q.question = question;
  q.mode = r.string("mode", 16).value_or("");
  if (!q.mode.empty() && q.mode != "bm25" && q.mode != "dense" && q.mode != "hybrid")
    throw invalid_field("mode", "is '" + q.mode + "', expected bm25, dense or hybrid");
  q.top_k = static_cast<int>(r.integer("top_k", 1, 100).value_or(5));
  q.min_score = r.number("min_score", -1e9, 1e9);
  q.tags = tag_list(r);
  q.metadata = metadata_filter(r);
  q.bm25_weight = r.number("bm25_weight", 0, 100).value_or(1);
  q.dense_weight = r.number("dense_weight", 0, 100).value_or(1);
  q.rrf_k = static_cast<int>(r.integer("rrf_k", 1, 10000).value_or(60));
  q.context_share = r.number("context_share", app::kMinContextShare, app::kMaxContextShare);
  if (auto params = r.object("params")) {
    q.sampling = read_sampling_options(*params);
    q.max_tokens = params->integer("max_tokens", 1, int64_t{1} << 24);
  }
  q.instruction = r.string("system_prompt", 8192).value_or(rag::kDefaultAnswerInstruction);
  return q;
}

app::Retrieval retrieve(ServerContext& ctx, const rag::Collection& c, const std::string& text, const FieldReader& r) {
  return value_or_throw(app::retrieve(ctx.core(), c, read_rag_query(r, text)));
}

PreparedAnswer prepare_answer(ServerContext& ctx, const rag::Collection& c, const LoadedModel& model,
                              const std::string& question, const FieldReader& r) {
  const app::RagQuery q = read_rag_query(r, question);
  GenerationParams checked;
  throw_if_error(apply_sampling(q.sampling, checked));  // a bad sampling field is the first error, as everywhere
  app::PreparedAnswer prepared = value_or_throw(app::prepare_answer(ctx.core(), c, model, q));
  PreparedAnswer out;
  out.params = std::move(prepared.params);
  describe_plan(out, c, std::move(prepared.plan));
  return out;
}

PreparedRemoteAnswer prepare_remote_answer(ServerContext& ctx, const rag::Collection& c, int64_t n_ctx,
                                           const std::string& question, const FieldReader& r) {
  const app::RagQuery q = read_rag_query(r, question);
  app::PreparedRemoteAnswer prepared = value_or_throw(app::prepare_remote_answer(ctx.core(), c, n_ctx, q));
  PreparedRemoteAnswer out;
  out.messages = std::move(prepared.messages);
  out.sampling = remote_sampling_json(prepared.sampling);
  out.max_tokens = prepared.max_tokens;
  describe_plan(out.prepared, c, std::move(prepared.plan));
  return out;
}

nlohmann::json source_json(const rag::SourcePassage& p) { return passage_json(p); }

nlohmann::json dropped_json(const rag::DroppedPassage& d) {
  nlohmann::json j = passage_json(d.passage);
  j.erase("number");
  j.erase("truncated");
  j.erase("full_tokens");
  j["reason"] = d.reason;
  j["detail"] = d.detail;
  return j;
}

void describe_plan(PreparedAnswer& out, const rag::Collection& c, app::AnswerPlan plan) {
  describe_plan(out, c.name, std::move(plan));
  out.retrieval["note"] = collection_json(c)["retrieval_note"];
}

void describe_plan(PreparedAnswer& out, const std::string& collections, app::AnswerPlan plan) {
  out.sources = nlohmann::json::array();
  for (const rag::SourcePassage& s : plan.used) out.sources.push_back(source_json(s));
  out.dropped = nlohmann::json::array();
  for (const rag::DroppedPassage& d : plan.dropped) out.dropped.push_back(dropped_json(d));
  out.retrieval = {{"collection", collections},
                   {"mode", plan.mode},
                   {"retrieved", plan.retrieved},
                   {"used", plan.used.size()},
                   {"dropped", plan.dropped.size()},
                   {"source_budget_tokens", plan.budget_tokens},
                   {"source_tokens", plan.source_tokens},
                   {"answer_tokens", plan.answer_tokens},
                   {"budget_too_small", plan.budget_too_small},
                   {"budget_note", plan.budget_too_small ? nlohmann::json(plan.budget_note) : nlohmann::json()}};
  out.used = std::move(plan.used);
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
