// The wire side of documents in chat: a conversation's `collections` (ids or
// names of existing collections, kept as ids) and `retrieval` settings (the
// retrieval fields of POST /api/v1/rag/query: mode, top_k, min_score, tags,
// metadata, bm25_weight, dense_weight, rrf_k) read and checked for POST and
// PATCH /api/v1/conversations, and shown back as JSON. Throws ApiError (400
// naming the field, 404 for an unknown collection); never stores anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/server_context.h"

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

}  // namespace pg::server
