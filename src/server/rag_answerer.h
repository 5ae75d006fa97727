// Answering a question from a collection, shared by POST /api/v1/rag/query and
// `playground ask`: retrieval from the request's fields (mode, top_k, filters,
// weights), the context budget (the model's context less the prompt without
// sources and the answer's tokens, times rag_context_share), the sources that
// fit (the rest reported as dropped), the chat prompt (the model's own
// template; a template that refuses a system message gets one user message),
// and the answer's JSON with its citations checked against the sources.
// Throws ApiError for the caller's mistakes (inside src/server and its CLI only).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rag/answer.h"
#include "rag/collection_store.h"
#include "rag/retriever.h"
#include "app/generation_job.h"
#include "app/model_manager.h"
#include "server/request_fields.h"
#include "server/server_context.h"

namespace pg::server {

struct Retrieval {
  std::string mode;  // bm25, dense or hybrid
  std::vector<rag::RetrievalHit> hits;
};

// Reads mode, top_k, min_score, tags, metadata, bm25_weight, dense_weight and
// rrf_k from `r` and searches the collection for `text`.
Retrieval retrieve(ServerContext& ctx, const rag::Collection& c, const std::string& text, const FieldReader& r);

struct PreparedAnswer {
  GenerationParams params;  // the prompt with the sources, sampling, max_tokens
  std::vector<rag::SourcePassage> used;
  nlohmann::json sources, dropped, retrieval;  // as the API shows them
};

// `r` holds the request's fields: question, retrieval fields, system_prompt and params {sampling, max_tokens}.
PreparedAnswer prepare_answer(ServerContext& ctx, const rag::Collection& c, const LoadedModel& model,
                              const std::string& question, const FieldReader& r);

// A RAG answer by a remote model: the chat messages with the sources (the
// budget estimated at about 3 bytes per token, as the provider's tokenizer
// is unknown), its sampling fields and max_tokens.
struct PreparedRemoteAnswer {
  PreparedAnswer prepared;  // sources, dropped, retrieval (params unused)
  nlohmann::json messages;
  nlohmann::json sampling = nlohmann::json::object();
  int64_t max_tokens = 0;
};
PreparedRemoteAnswer prepare_remote_answer(ServerContext& ctx, const rag::Collection& c, int64_t context_size,
                                           const std::string& question, const FieldReader& r);

// Shared by both preparations: the retrieved chunks as candidate passages, and
// the API's view (sources, dropped, retrieval) of the plan that fitted.
std::vector<rag::SourcePassage> source_candidates(const Retrieval& found);
void describe_plan(PreparedAnswer& out, const rag::Collection& c, const Retrieval& found, size_t budget,
                   rag::ContextPlan plan);

// The answer as the API returns it: text, citations, invalid citations, sources, dropped, usage, timings.
nlohmann::json answer_json(const std::string& id, const std::string& model, const PreparedAnswer& prepared,
                           const GenerationOutcome& outcome);

}  // namespace pg::server
