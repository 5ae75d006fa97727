// The JSON shapes of collections, documents, chunks, ingestion jobs and
// retrieval hits in our API, the collection lookup by id or name, and how a
// store error becomes an HTTP error ("not found: …" → 404, "conflict: …" →
// 409, anything else → 500). One place, so every route answers alike.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "rag/collection_store.h"
#include "rag/ingest_jobs.h"
#include "rag/ingest_worker.h"
#include "rag/retriever.h"
#include "server/api_error.h"

namespace pg::server {

class ServerContext;

nlohmann::json collection_json(const rag::Collection& c);
nlohmann::json document_json(const rag::DocumentRecord& d);
nlohmann::json chunk_json(const rag::ChunkRecord& c);
// `current`: the worker's file in hand, shown when it belongs to this job.
nlohmann::json job_json(const rag::IngestJob& job, const std::optional<rag::IngestProgress>& current);
nlohmann::json hit_json(const rag::RetrievalHit& hit, int rank);

// 1–128 bytes of UTF-8 without control characters or '/', not all digits (ids are numbers).
std::string checked_collection_name(const std::optional<std::string>& name);
// By numeric id or by name; 404 otherwise.
rag::Collection collection_or_404(ServerContext& ctx, const std::string& id_or_name);
ApiError store_error(const Status& error, const std::string& what);

}  // namespace pg::server
