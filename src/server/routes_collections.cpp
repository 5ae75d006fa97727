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
constexpr int kMaxTags = 32;
constexpr int kMaxMetadata = 32;

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

std::vector<std::string> read_tags(const FieldReader& r, const std::string& key) {
  auto tags = r.string_list(key, kMaxTags);
  std::vector<std::string> out;
  if (!tags) return out;
  for (const std::string& t : *tags) {
    if (t.empty() || t.size() > 64) throw invalid_field(key, "has a tag that is empty or longer than 64 bytes");
    out.push_back(t);
  }
  return out;
}

std::map<std::string, std::string> read_metadata(const FieldReader& r, const std::string& key) {
  std::map<std::string, std::string> out;
  const nlohmann::json* m = r.raw(key);
  if (!m) return out;
  if (!m->is_object()) throw invalid_field(key, "must be an object of string values, got " + describe_json(*m));
  if (m->size() > kMaxMetadata) throw invalid_field(key, "has more than 32 keys");
  for (const auto& [k, v] : m->items()) {
    if (k.empty() || k.size() > 64) throw invalid_field(key, "has a key that is empty or longer than 64 bytes");
    if (!v.is_string() && !v.is_number() && !v.is_boolean())
      throw invalid_field(key + "." + k, "must be a string, number or boolean, got " + describe_json(v));
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (text.size() > 1024) throw invalid_field(key + "." + k, "is longer than 1024 bytes");
    out[k] = std::move(text);
  }
  return out;
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

void remove_document_files(const RagServices& rag, const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    std::error_code ec;
    std::filesystem::remove(rag::document_file_path(rag.documents_dir, id), ec);
  }
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
    const rag::Collection c = collection_or_404(ctx, req.http.matches[1].str());
    std::vector<int64_t> ids;
    for (const rag::DocumentRecord& d : db_checked(rag.collections->list_documents(c.id))) ids.push_back(d.id);
    for (const rag::IngestJob& j : db_checked(rag.jobs->list(c.id, 1000))) (void)rag.worker->cancel(j.id);
    if (Status s = rag.vectors->delete_collection(c.id); !s) throw store_error(s, c.name);
    remove_document_files(rag, ids);
    send_json(res, 200, {{"deleted", true}});
  });

  routes.add_upload(R"(/api/v1/collections/([^/]{1,200})/documents)", "/api/v1/collections/{id}/documents",
                    UploadLimits{static_cast<uint64_t>(ctx.config().max_upload_bytes),
                                 static_cast<uint64_t>(ctx.config().max_upload_total_bytes),
                                 static_cast<size_t>(ctx.config().max_upload_files), rag.uploads_dir},
                    [&ctx, &rag](const ApiRequest& req, Upload& upload, httplib::Response& res) {
                      const rag::Collection c = collection_or_404(ctx, req.http.matches[1].str());
                      if (upload.files.empty())
                        throw ApiError(400, "no_files", "the upload has no file parts (send them as multipart files)");
                      rag::SubmitOptions options;
                      options.max_file_bytes = static_cast<uint64_t>(ctx.config().max_upload_bytes);
                      nlohmann::json form = nlohmann::json::object();
                      if (auto t = upload.fields.find("tags"); t != upload.fields.end()) {
                        if (Status depth = check_json_depth(t->second); !depth)
                          throw invalid_field("tags", depth.message());
                        Result<nlohmann::json> json_tags = parse_json_guarded(t->second, "field 'tags'");
                        nlohmann::json parsed = json_tags ? std::move(json_tags).value() : nlohmann::json();
                        if (!json_tags) {  // a comma-separated list
                          parsed = nlohmann::json::array();
                          size_t pos = 0;
                          while (pos <= t->second.size()) {
                            size_t comma = t->second.find(',', pos);
                            if (comma == std::string::npos) comma = t->second.size();
                            std::string tag = t->second.substr(pos, comma - pos);
                            tag.erase(0, tag.find_first_not_of(' '));
                            tag.erase(tag.find_last_not_of(' ') + 1);
                            if (!tag.empty()) parsed.push_back(tag);
                            pos = comma + 1;
                          }
                        }
                        form["tags"] = parsed;
                      }
                      if (auto m = upload.fields.find("metadata"); m != upload.fields.end()) {
                        Result<nlohmann::json> parsed = parse_json_guarded(m->second, "field 'metadata'");
                        if (!parsed) throw invalid_field("metadata", "must be a JSON object: " + parsed.error());
                        form["metadata"] = std::move(parsed).value();
                      }
                      FieldReader r(form);
                      options.tags = read_tags(r, "tags");
                      options.metadata = read_metadata(r, "metadata");
                      std::vector<rag::IncomingFile> files;
                      for (const UploadedFile& f : upload.files)
                        files.push_back({f.file_name, f.temp_path, true, f.too_large});
                      auto out = rag::submit_files(*rag.collections, *rag.jobs, rag.documents_dir, c, files, options,
                                                   ctx.new_id("job-"));
                      if (!out) throw ApiError(500, "database_error", "the upload could not be stored: " + out.error());
                      if (out->job) rag.worker->wake();
                      nlohmann::json docs = nlohmann::json::array();
                      for (const rag::DocumentRecord& d : out->documents) docs.push_back(document_json(d));
                      nlohmann::json refused = nlohmann::json::array();
                      for (const rag::RefusedFile& f : out->refused)
                        refused.push_back({{"file_name", f.file_name}, {"error", {{"code", f.code}, {"message", f.message}}}});
                      const bool accepted = out->job.has_value();
                      send_json(res, accepted ? 202 : 400,
                                {{"job", accepted ? job_json(*out->job, std::nullopt) : nlohmann::json(nullptr)},
                                 {"documents", docs},
                                 {"refused", refused},
                                 {"error", accepted ? nlohmann::json(nullptr)
                                                    : nlohmann::json{{"code", "no_file_accepted"},
                                                                     {"message", "every file of the upload was refused"}}}});
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
