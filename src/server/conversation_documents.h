// The wire side of documents in chat: a conversation's `collections` (ids or
// names of existing collections, kept as ids) and `retrieval` settings (the
// retrieval fields of POST /api/v1/rag/query: mode, top_k, min_score, tags,
// metadata, bm25_weight, dense_weight, rrf_k, context_share) read and checked for POST and
// PATCH /api/v1/conversations, and shown back as JSON; and the collection
// that holds the files dropped into a conversation, made on first use.
// Throws ApiError (400 naming the field, 404 for an unknown collection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/generation.h"
#include "app/model_manager.h"
#include "app/sampling_options.h"
#include "rag/collection_store.h"
#include "server/server_context.h"
#include "store/conversation_store.h"

namespace pg::server {

// At most this many collections answer in one conversation.
constexpr size_t kMaxConversationCollections = 16;

// The collections a `collections` field names, as ids in the given order
// (repeats kept once). Null or absent: none.
std::vector<int64_t> checked_collections(ServerContext& ctx, const nlohmann::json* field);

// A `retrieval` field as stored: an object of retrieval settings (checked as
// the RAG query reads them), or nullopt for null (the defaults).
std::optional<std::string> checked_retrieval(const nlohmann::json* field);

// [{"id", "name"}] of the collections, in order (one deleted meanwhile is left out).
nlohmann::json collections_json(ServerContext& ctx, const std::vector<int64_t>& ids);

// A reply grounded in the conversation's collections: what was retrieved for
// the new user message with the conversation's retrieval settings, fitted
// into the model's context between the earlier turns and the question (the
// same answering path as POST /api/v1/rag/query).
struct GroundedReply {
  GenerationParams params;      // a local model's prompt with the sources, sampling, max_tokens
  nlohmann::json messages;      // a provider's model: the chat messages with the sources
  int64_t max_tokens = 0;       // a provider's model: the answer's tokens
  nlohmann::json sources;       // the passages given, as the reply stores them (with "collection")
  nlohmann::json retrieval;     // mode, budget, counts and "dropped" (the passages left out, with reasons)
  app::ChatOutputPlan output;   // a local model's: how the reply splits into content, reasoning and tool calls
};
// `request`: the reply's own request (sampling, max_tokens, tools, reply
// format, logprobs), which hold for the grounded answer too.
// `local`: the loaded model, or null for a provider's model with `remote_context` tokens.
GroundedReply ground_reply(ServerContext& ctx, const store::Conversation& c, const std::string& question,
                           const nlohmann::ordered_json& earlier_turns, const app::GenerationRequest& request,
                           const LoadedModel* local, int64_t remote_context);

// The conversation's own collection (files dropped into the chat): the one it
// has, else the one named "<conversation id> files" (made by an upload that
// did not get to attach it), else a new BM25 collection of that name (made:
// true, so that an upload whose files are all refused can delete it again).
struct OwnCollection {
  rag::Collection collection;
  bool made = false;
};
OwnCollection own_collection(ServerContext& ctx, const store::Conversation& c);

// Attaches the conversation's own collection (first in its collections) and
// marks it as its own, unless it already is. `access` is the caller's view of
// the conversation.
void attach_own_collection(ServerContext& ctx, const store::Conversation& c, const store::Access& access,
                           const rag::Collection& own);

}  // namespace pg::server
