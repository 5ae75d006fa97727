// JSON of the document API's objects; see rag_json.h.
#include "server/rag_json.h"

#include "app/rag_answer.h"

#include <algorithm>
#include <cmath>

#include "server/http_util.h"
#include "app/rag_services.h"
#include "server/server_context.h"

namespace pg::server {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(std::round(*v * 1e6) / 1e6) : nlohmann::json(nullptr);
}
nlohmann::json optional_int(const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

nlohmann::json collection_json(const rag::Collection& c) {
  const bool dense = !c.embedding_model.empty();
  return {{"id", c.id},
          {"name", c.name},
          {"description", c.description},
          {"embedding_model", dense ? nlohmann::json(c.embedding_model) : nlohmann::json(nullptr)},
          {"embedding_dimension", dense ? nlohmann::json(c.embedding_dim) : nlohmann::json(nullptr)},
          {"retrieval_modes", dense ? nlohmann::json{"bm25", "dense", "hybrid"} : nlohmann::json{"bm25"}},
          {"retrieval_note", dense ? "" : "no embedding model: retrieval is BM25 (keyword) only"},
          {"chunking", {{"unit", c.chunking.unit}, {"size", c.chunking.size}, {"overlap", c.chunking.overlap}}},
          {"document_count", c.document_count},
          {"chunk_count", c.chunk_count},
          {"created_at", rfc3339_from_unix(c.created_unix)},
          {"updated_at", rfc3339_from_unix(c.updated_unix)}};
}

nlohmann::json document_json(const rag::DocumentRecord& d) {
  nlohmann::json metadata = nlohmann::json::object();
  for (const auto& [k, v] : d.metadata) metadata[k] = v;
  return {{"id", d.id},
          {"collection_id", d.collection_id},
          {"file_name", d.file_name},
          {"format", d.format},
          {"size_bytes", d.size_bytes},
          {"sha256", d.sha256},
          {"title", d.title},
          {"page_count", d.page_count},
          {"status", d.status},
          {"error", d.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.error)},
          {"tags", d.tags},
          {"metadata", metadata},
          {"chunk_count", d.chunk_count},
          {"created_at", rfc3339_from_unix(d.created_unix)},
          {"updated_at", rfc3339_from_unix(d.updated_unix)}};
}

nlohmann::json chunk_json(const rag::ChunkRecord& c) {
  return {{"id", c.id},
          {"document_id", c.document_id},
          {"index", c.index},
          {"text", c.text},
          {"page_start", c.page_start},
          {"page_end", c.page_end},
          {"heading_path", c.heading_path},
          {"char_start", c.char_start},
          {"char_end", c.char_end},
          {"token_count", c.token_count}};
}

nlohmann::json job_json(const rag::IngestJob& job, const std::optional<rag::IngestProgress>& current) {
  nlohmann::json files = nlohmann::json::array();
  for (const rag::IngestFile& f : job.files) {
    nlohmann::json j = {{"document_id", f.document_id}, {"file_name", f.file_name}, {"size_bytes", f.size_bytes},
                        {"status", f.status},           {"pages", f.pages},         {"chunks", f.chunks},
                        {"seconds", std::round(f.seconds * 1000) / 1000}};
    j["error"] = f.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.error);
    j["warnings"] = f.warnings.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.warnings);
    if (current && current->file_id == f.id) {
      j["stage"] = current->stage;
      j["chunks_total"] = current->chunks_total;
      j["chunks_embedded"] = current->chunks_embedded;
      j["pages"] = current->pages;
    }
    files.push_back(std::move(j));
  }
  const int64_t done = job.files_with("done"), failed = job.files_with("failed"), cancelled = job.files_with("cancelled");
  const bool finished = job.status == "done" || job.status == "failed" || job.status == "cancelled";
  // Rate and ETA from the files finished so far (seconds of work per byte).
  double seconds = 0, bytes_done = 0, bytes_left = 0;
  for (const rag::IngestFile& f : job.files) {
    if (f.status == "done") {
      seconds += f.seconds;
      bytes_done += static_cast<double>(f.size_bytes);
    } else if (f.status == "pending" || f.status == "running") {
      bytes_left += static_cast<double>(f.size_bytes);
    }
  }
  nlohmann::json eta = nullptr, pages_per_second = nullptr;
  if (seconds > 0 && bytes_done > 0) {
    if (!finished) eta = std::round(bytes_left * seconds / bytes_done * 10) / 10;
    pages_per_second = std::round(static_cast<double>(job.pages()) / seconds * 10) / 10;
  }
  return {{"id", job.id},
          {"collection_id", job.collection_id},
          {"kind", job.kind},
          {"label", job.label()},
          {"status", job.status},
          {"finished", finished},
          {"files_total", job.files_total()},
          {"files_done", done},
          {"files_failed", failed},
          {"files_cancelled", cancelled},
          {"pages", job.pages()},
          {"chunks", job.chunks()},
          {"pages_per_second", pages_per_second},
          {"eta_seconds", eta},
          {"created_at", rfc3339_from_unix(job.created_at)},
          {"started_at", job.started_at ? nlohmann::json(rfc3339_from_unix(*job.started_at)) : nlohmann::json(nullptr)},
          {"finished_at", job.finished_at ? nlohmann::json(rfc3339_from_unix(*job.finished_at)) : nlohmann::json(nullptr)},
          {"files", files}};
}

nlohmann::json hit_json(const rag::RetrievalHit& hit, int rank) {
  return {{"rank", rank},
          {"score", std::round(hit.score * 1e6) / 1e6},
          {"bm25_rank", optional_int(hit.bm25_rank)},
          {"bm25_score", optional_number(hit.bm25_score)},
          {"dense_rank", optional_int(hit.dense_rank)},
          {"dense_score", optional_number(hit.dense_score)},
          {"chunk", chunk_json(hit.chunk)},
          {"document", {{"id", hit.document.id}, {"file_name", hit.document.file_name}, {"title", hit.document.title}}}};
}

rag::Collection collection_or_404(ServerContext& ctx, const std::string& id_or_name) {
  auto c = app::find_collection(ctx.core(), id_or_name);
  if (!c) throw store_error(c.status(), "collection '" + id_or_name + "'");
  return *c;
}

ApiError store_error(const Status& error, const std::string& what) {
  switch (error.code()) {
    case StatusCode::kNotFound: return ApiError(404, "not_found", "no " + what);
    case StatusCode::kConflict: return ApiError(409, "conflict", what + " already exists");
    default: return ApiError(500, "database_error", "the database failed: " + error.message());
  }
}

}  // namespace pg::server
