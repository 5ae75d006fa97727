// Answering a question from a collection, for POST /api/v1/rag/query, the
// search route and `playground ask`: retrieval (mode, top_k, filters,
// weights), the context budget (the model's context less the prompt without
// sources and the answer's tokens, times rag_context_share; in a small
// context the answer's default length gives way so that the best source fits
// with some text), the sources that fit (the best one cut to fit; every other
// retrieved chunk reported as dropped with a reason) and the chat prompt (the model's own
// template; a template that refuses a system message gets one user message).
// Typed in and out; failures are Status codes with reasons. Never reads or
// writes a wire format (the server's rag_answerer.h does).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/core.h"
#include "app/generation.h"
#include "app/generation_job.h"
#include "app/model_manager.h"
#include "app/sampling_options.h"
#include "rag/answer.h"
#include "rag/collection_store.h"
#include "rag/retriever.h"

namespace pg::app {

struct RagQuery {
  std::string question;
  std::string mode;  // bm25, dense or hybrid; "": hybrid with an embedding model, else bm25
  int top_k = 5;
  std::optional<double> min_score;
  std::vector<std::string> tags;
  std::map<std::string, std::string> metadata;
  double bm25_weight = 1, dense_weight = 1;
  int rrf_k = 60;
  std::string instruction = rag::kDefaultAnswerInstruction;
  SamplingOptions sampling;
  std::optional<int64_t> max_tokens;  // of the answer
  std::optional<double> context_share;  // of the free context, for sources (default: rag_context_share)
  // A chat grounded in documents: its earlier turns (chat messages, without the
  // question), placed between the sources and the question (rag::answer_messages).
  nlohmann::ordered_json conversation = nlohmann::ordered_json::array();
  // A chat's own request (a conversation's reply): its tools, template
  // variables, reply format and logprobs hold for the answer, whose messages
  // are the grounded ones (its sampling and max_tokens are the fields above).
  std::optional<GenerationRequest> chat;
};

// A collection by numeric id or by name; not_found otherwise.
Result<rag::Collection> find_collection(Core& core, const std::string& id_or_name);

struct Retrieval {
  std::string mode;  // bm25, dense or hybrid
  std::vector<rag::RetrievalHit> hits;
};

// Searches the collection for query.question.
Result<Retrieval> retrieve(Core& core, const rag::Collection& c, const RagQuery& query);
// Searches several collections (each in its own default mode when query.mode
// is ""), their hits merged by rank (every collection's first hit, then every
// second, ... in the given order of collections: reciprocal-rank fusion with
// equal weights) and cut to top_k. mode: the one mode, or the modes joined by '+'.
Result<Retrieval> retrieve(Core& core, std::span<const rag::Collection> collections, const RagQuery& query);

// What went into the prompt and what did not.
struct AnswerPlan {
  std::string mode;
  size_t retrieved = 0;
  size_t budget_tokens = 0;
  size_t source_tokens = 0;
  int64_t answer_tokens = 0;      // reserved for the answer (max_tokens)
  bool budget_too_small = false;  // no source fitted although chunks were retrieved
  std::string budget_note;        // why, for people, when budget_too_small
  std::vector<rag::SourcePassage> used;
  std::vector<rag::DroppedPassage> dropped;  // every retrieved chunk not used, with its reason
};

struct PreparedAnswer {
  GenerationParams params;  // the prompt with the sources, sampling, max_tokens
  AnswerPlan plan;
  ChatOutputPlan output;    // query.chat: how the reply splits into content, reasoning and tool calls
};
Result<PreparedAnswer> prepare_answer(Core& core, std::span<const rag::Collection> collections, const LoadedModel& model,
                                      const RagQuery& query);
inline Result<PreparedAnswer> prepare_answer(Core& core, const rag::Collection& c, const LoadedModel& model,
                                             const RagQuery& query) {
  return prepare_answer(core, std::span<const rag::Collection>(&c, 1), model, query);
}

// A RAG answer by a remote model: the chat messages with the sources (the
// budget estimated at about 3 bytes per token, as the provider's tokenizer
// is unknown), its sampling and max_tokens.
struct PreparedRemoteAnswer {
  AnswerPlan plan;
  nlohmann::json messages;
  SamplingOptions sampling;
  int64_t max_tokens = 0;
};
Result<PreparedRemoteAnswer> prepare_remote_answer(Core& core, std::span<const rag::Collection> collections,
                                                   int64_t context_size, const RagQuery& query);
inline Result<PreparedRemoteAnswer> prepare_remote_answer(Core& core, const rag::Collection& c, int64_t context_size,
                                                          const RagQuery& query) {
  return prepare_remote_answer(core, std::span<const rag::Collection>(&c, 1), context_size, query);
}

}  // namespace pg::app
