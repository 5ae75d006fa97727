// The wire side of RAG answering (the work itself is app/rag_answer.h): the
// query's fields read into an app::RagQuery, and the answer's JSON — sources,
// dropped passages, retrieval figures, and the citations checked against the
// sources — for POST /api/v1/rag/query, the search route and `ask --json`.
// Throws ApiError (inside src/server and its CLI only).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rag/answer.h"
#include "rag/collection_store.h"
#include "rag/retriever.h"
#include "app/generation_job.h"
#include "app/rag_answer.h"
#include "app/model_manager.h"
#include "server/request_fields.h"
#include "server/server_context.h"

namespace pg::server {

// The query's fields (mode, top_k, min_score, tags, metadata, bm25_weight,
// dense_weight, rrf_k, context_share, system_prompt, params {sampling, max_tokens}) read
// and checked (400 naming the field).
app::RagQuery read_rag_query(const FieldReader& r, const std::string& question);

// Searches the collection for `text` with the fields of `r`.
app::Retrieval retrieve(ServerContext& ctx, const rag::Collection& c, const std::string& text, const FieldReader& r);

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

// The API's view (sources, dropped, retrieval) of the plan that fitted;
// `collections` names what was searched (retrieval.collection).
void describe_plan(PreparedAnswer& out, const rag::Collection& c, app::AnswerPlan plan);
void describe_plan(PreparedAnswer& out, const std::string& collections, app::AnswerPlan plan);
// One source as the API shows it, and one passage left out (with reason and detail).
nlohmann::json source_json(const rag::SourcePassage& p);
nlohmann::json dropped_json(const rag::DroppedPassage& d);

// The answer as the API returns it: text, citations, invalid citations, sources, dropped, usage, timings.
nlohmann::json answer_json(const std::string& id, const std::string& model, const PreparedAnswer& prepared,
                           const GenerationOutcome& outcome);

}  // namespace pg::server
