// Collections, their documents and ingestion jobs under /api/v1:
// collections CRUD; multipart upload of one or many files (each refused or
// accepted alone, then ingested by a durable background job); documents with
// their chunks, tags and metadata; delete and re-index; jobs with progress by
// GET and Server-Sent Events, cancel and retry; and a search endpoint that
// shows every hit's BM25 and dense ranks and scores (the retrieval debugger).
// Collections are shared by every user of the server.
#include <chrono>
#include <filesystem>
#include <thread>

#include "util/json_guard.h"
#include "rag/ingest_submit.h"
#include "server/api_error.h"
#include "server/collection_files.h"
#include "server/rag_json.h"
#include "app/rag_services.h"
#include "server/model_embedder.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace pg::server {
namespace {

constexpr const char* kCollectionPattern = R"(/api/v1/collections/([^/]{1,200}))";
constexpr const char* kDocumentPattern = R"(/api/v1/documents/([0-9]{1,18}))";
constexpr const char* kJobPattern = R"(/api/v1/ingest/jobs/(job-[0-9a-f]{1,64}))";

int64_t document_id_of(const ApiRequest& req) { return std::stoll(req.http.matches[1].str()); }

rag::DocumentRecord document_or_404(RagServices& rag, int64_t id) {
  auto doc = rag.collections->get_document(id);
  if (!doc) throw store_error(doc.status(), "document " + std::to_string(id));
  return *doc;
}

rag::IngestJob job_or_404(RagServices& rag, const std::string& id) {
  auto job = db_checked(rag.jobs->get(id));
  if (!job) throw ApiError(404, "job_not_found", "no ingestion job '" + id + "'");
  return *job;
}


rag::ChunkingSettings read_chunking(const FieldReader& body) {
  rag::ChunkingSettings c;
  auto r = body.object("chunking");
  if (!r) return c;
  if (auto unit = r->string("unit", 32)) {
    if (*unit != "tokens" && *unit != "characters")
      throw invalid_field("chunking.unit", "is '" + *unit + "', expected tokens or characters");
    c.unit = *unit;
  }
  const bool chars = c.unit == "characters";
  c.size = static_cast<int>(r->integer("size", 16, 8192).value_or(chars ? 1000 : c.size));
  c.overlap = static_cast<int>(r->integer("overlap", 0, 4096).value_or(chars ? 100 : c.overlap));
  if (c.overlap * 2 >= c.size)
    throw invalid_field("chunking.overlap", "must be less than half of chunking.size (" + std::to_string(c.size) + ")");
  return c;
}

// Sends one event per progress change until the job ends or the client goes away.
void stream_job_events(ServerContext& ctx, RagServices& rag, const std::string& id, httplib::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [&ctx, &rag, id, last = std::string()](
                                                            size_t, httplib::DataSink& sink) mutable {
    for (int quiet = 0; quiet < 60; ++quiet) {
      if (ctx.shutting_down()) {
        sink.done();
        return true;
      }
      auto job = rag.jobs->get(id);
      if (!job || !*job) {
        const std::string e = sse_event("error", error_body(ApiError(404, "job_not_found", "no ingestion job '" + id + "'")));
        sink.write(e.data(), e.size());
        sink.done();
        return true;
      }
      const nlohmann::json body = job_json(**job, rag.worker->current());
      const bool ended = body["finished"].get<bool>();
      std::string event = sse_event(ended ? "done" : "progress", body);
      if (event != last || ended) {
        last = event;
        if (!sink.write(event.data(), event.size())) return false;
        if (ended) {
          sink.done();
          return true;
        }
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    static const std::string keepalive = ": keep-alive\n\n";
    return sink.write(keepalive.data(), keepalive.size());
  });
}

}  // namespace

void add_collection_routes(RouteTable& routes, ServerContext& ctx) {
  RagServices& rag = ctx.rag();

  routes.add("GET", "/api/v1/collections", "/api/v1/collections", [&rag](const ApiRequest&, httplib::Response& res) {
    nlohmann::json list = nlohmann::json::array();
    for (const rag::Collection& c : db_checked(rag.collections->list_collections())) list.push_back(collection_json(c));
    send_json(res, 200, {{"collections", list}});
  });

  routes.add("POST", "/api/v1/collections", "/api/v1/collections", [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    const std::string name = checked_collection_name(r.string("name", 1024));
    const std::string description = r.string("description", 4096).value_or("");
    const std::string model = r.string("embedding_model", 256).value_or("");
    const rag::ChunkingSettings chunking = read_chunking(r);
    int dimension = 0;
    if (!model.empty()) {
      auto embedder = model_embedder(ctx.core(), model);
      if (!embedder) throw invalid_field("embedding_model", embedder.error());
      dimension = (*embedder)->dimension();
    }
    rag::NewCollection fields;
    fields.name = name;
    fields.description = description;
    fields.embedding_model = model;
    fields.embedding_dim = dimension;
    fields.chunking = chunking;
    auto c = rag.collections->create_collection(fields);
    if (!c) throw store_error(c.status(), "collection '" + name + "'");
    send_json(res, 201, collection_json(*c));
  });

  routes.add("GET", kCollectionPattern, "/api/v1/collections/{id}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    send_json(res, 200, collection_json(collection_or_404(ctx, req.http.matches[1].str())));
  });

  routes.add("PATCH", kCollectionPattern, "/api/v1/collections/{id}", [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
    const rag::Collection c = collection_or_404(ctx, req.http.matches[1].str());
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    std::optional<std::string> name;
    if (r.has("name")) name = checked_collection_name(r.string("name", 1024));
    const std::optional<std::string> description = r.string("description", 4096);
    if (r.has("embedding_model") || r.has("chunking"))
      throw ApiError(400, "immutable_field",
                     "embedding_model and chunking are fixed when a collection is created; create a new collection "
                     "and ingest the documents there");
    rag::CollectionUpdate update;
    update.name = name;
    update.description = description;
    auto updated = rag.collections->update_collection(c.id, update);
    if (!updated) throw store_error(updated.status(), "collection '" + name.value_or(c.name) + "'");
    send_json(res, 200, collection_json(*updated));
  });

  routes.add("DELETE", kCollectionPattern, "/api/v1/collections/{id}", [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
    delete_collection_and_files(ctx, collection_or_404(ctx, req.http.matches[1].str()));
    send_json(res, 200, {{"deleted", true}});
  });

  routes.add_upload(R"(/api/v1/collections/([^/]{1,200})/documents)", "/api/v1/collections/{id}/documents",
                    UploadLimits{static_cast<uint64_t>(ctx.config().max_upload_bytes),
                                 static_cast<uint64_t>(ctx.config().max_upload_total_bytes),
                                 static_cast<size_t>(ctx.config().max_upload_files), rag.uploads_dir},
                    [&ctx](const ApiRequest& req, Upload& upload, httplib::Response& res) {
                      (void)answer_collection_upload(ctx, collection_or_404(ctx, req.http.matches[1].str()), upload, res);
                    });

  routes.add("GET", R"(/api/v1/collections/([^/]{1,200})/documents)", "/api/v1/collections/{id}/documents",
             [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
               const rag::Collection c = collection_or_404(ctx, req.http.matches[1].str());
               const std::string tag = req.http.get_param_value("tag");
               nlohmann::json list = nlohmann::json::array();
               for (const rag::DocumentRecord& d : db_checked(rag.collections->list_documents(c.id))) {
                 if (!tag.empty() && std::find(d.tags.begin(), d.tags.end(), tag) == d.tags.end()) continue;
                 list.push_back(document_json(d));
               }
               send_json(res, 200, {{"collection", collection_json(c)}, {"documents", list}});
             });

  routes.add("POST", R"(/api/v1/collections/([^/]{1,200})/reindex)", "/api/v1/collections/{id}/reindex",
             [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
               const rag::Collection c = collection_or_404(ctx, req.http.matches[1].str());
               const auto docs = db_checked(rag.collections->list_documents(c.id));
               if (docs.empty()) throw ApiError(400, "no_documents", "collection '" + c.name + "' has no documents");
               auto job = rag::submit_reindex(*rag.collections, *rag.jobs, c, docs, ctx.new_id("job-"));
               if (!job) throw ApiError(500, "database_error", job.error());
               rag.worker->wake();
               send_json(res, 202, {{"job", job_json(*job, std::nullopt)}});
             });

  routes.add("GET", kDocumentPattern, "/api/v1/documents/{id}", [&rag](const ApiRequest& req, httplib::Response& res) {
    const rag::DocumentRecord d = document_or_404(rag, document_id_of(req));
    nlohmann::json body = document_json(d);
    const std::string with = req.http.get_param_value("chunks");
    if (with != "false" && with != "0") {
      nlohmann::json chunks = nlohmann::json::array();
      for (const rag::ChunkRecord& c : db_checked(rag.collections->document_chunks(d.id))) chunks.push_back(chunk_json(c));
      body["chunks"] = chunks;
    }
    send_json(res, 200, body);
  });

  routes.add("PATCH", kDocumentPattern, "/api/v1/documents/{id}", [&rag](const ApiRequest& req, httplib::Response& res) {
    const rag::DocumentRecord d = document_or_404(rag, document_id_of(req));
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    if (r.has("tags")) {
      if (Status s = rag.collections->set_tags(d.id, read_tags(r, "tags")); !s) throw ApiError(500, "database_error", s.message());
    }
    if (r.has("metadata")) {
      if (Status s = rag.collections->set_metadata(d.id, read_metadata(r, "metadata")); !s)
        throw ApiError(500, "database_error", s.message());
    }
    send_json(res, 200, document_json(document_or_404(rag, d.id)));
  });

  routes.add("DELETE", kDocumentPattern, "/api/v1/documents/{id}", [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
    const rag::DocumentRecord d = document_or_404(rag, document_id_of(req));
    if (Status s = rag.vectors->delete_document(d.id); !s) throw store_error(s, "document");
    remove_document_files(rag, {d.id});
    send_json(res, 200, {{"deleted", true}});
  });

  routes.add("POST", R"(/api/v1/documents/([0-9]{1,18})/reindex)", "/api/v1/documents/{id}/reindex",
             [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
               const rag::DocumentRecord d = document_or_404(rag, document_id_of(req));
               const rag::Collection c = db_checked(rag.collections->get_collection(d.collection_id));
               auto job = rag::submit_reindex(*rag.collections, *rag.jobs, c, {d}, ctx.new_id("job-"));
               if (!job) throw ApiError(500, "database_error", job.error());
               rag.worker->wake();
               send_json(res, 202, {{"job", job_json(*job, std::nullopt)}});
             });

  routes.add("GET", "/api/v1/ingest/jobs", "/api/v1/ingest/jobs", [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
    int64_t collection = 0;
    if (req.http.has_param("collection")) collection = collection_or_404(ctx, req.http.get_param_value("collection")).id;
    const auto current = rag.worker->current();
    nlohmann::json list = nlohmann::json::array();
    for (const rag::IngestJob& j : db_checked(rag.jobs->list(collection, 100))) list.push_back(job_json(j, current));
    send_json(res, 200, {{"jobs", list}});
  });

  routes.add("GET", kJobPattern, "/api/v1/ingest/jobs/{id}", [&rag](const ApiRequest& req, httplib::Response& res) {
    send_json(res, 200, job_json(job_or_404(rag, req.http.matches[1].str()), rag.worker->current()));
  });

  routes.add("GET", R"(/api/v1/ingest/jobs/(job-[0-9a-f]{1,64})/events)", "/api/v1/ingest/jobs/{id}/events",
             [&ctx, &rag](const ApiRequest& req, httplib::Response& res) {
               const rag::IngestJob job = job_or_404(rag, req.http.matches[1].str());
               stream_job_events(ctx, rag, job.id, res);
             });

  routes.add("POST", R"(/api/v1/ingest/jobs/(job-[0-9a-f]{1,64})/cancel)", "/api/v1/ingest/jobs/{id}/cancel",
             [&rag](const ApiRequest& req, httplib::Response& res) {
               const rag::IngestJob job = job_or_404(rag, req.http.matches[1].str());
               const bool cancelled = db_checked(rag.worker->cancel(job.id));
               if (!cancelled) throw ApiError(409, "job_finished", "ingestion job '" + job.id + "' has already ended");
               send_json(res, 200, job_json(job_or_404(rag, job.id), rag.worker->current()));
             });

  routes.add("POST", R"(/api/v1/ingest/jobs/(job-[0-9a-f]{1,64})/retry)", "/api/v1/ingest/jobs/{id}/retry",
             [&rag](const ApiRequest& req, httplib::Response& res) {
               const rag::IngestJob job = job_or_404(rag, req.http.matches[1].str());
               const bool retried = db_checked(rag.jobs->retry(job.id));
               if (!retried) throw ApiError(409, "nothing_to_retry", "ingestion job '" + job.id + "' has no failed or cancelled file");
               rag.worker->wake();
               send_json(res, 200, job_json(job_or_404(rag, job.id), rag.worker->current()));
             });
}

}  // namespace pg::server
