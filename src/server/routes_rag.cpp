// Retrieval and answering under /api/v1: POST /collections/{id}/search (the
// ranked chunks with their BM25 and dense ranks and scores, for the retrieval
// debugger) and POST /rag/query (an answer with checked citations, JSON or
// Server-Sent Events: "sources" first, then "text" pieces, then "done").
// The work itself is in rag_answerer.*; this file only reads and answers HTTP.
#include "server/api_error.h"
#include "server/generation_runner.h"
#include "server/rag_answerer.h"
#include "server/rag_json.h"
#include "server/remote_generation.h"
#include "providers/provider_registry.h"
#include "server/routes.h"

namespace pg::server {
namespace {
constexpr size_t kMaxQuestionBytes = 8192;
}  // namespace

void add_rag_routes(RouteTable& routes, ServerContext& ctx) {
  routes.add("POST", R"(/api/v1/collections/([^/]{1,200})/search)", "/api/v1/collections/{id}/search",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const rag::Collection c = collection_or_404(ctx, req.http.matches[1].str());
               const nlohmann::json body = request_json(req);
               FieldReader r(body);
               const auto query = r.string("query", kMaxQuestionBytes);
               if (!query || query->empty()) throw invalid_field("query", "is required");
               const Retrieval found = retrieve(ctx, c, *query, r);
               nlohmann::json hits = nlohmann::json::array();
               for (size_t i = 0; i < found.hits.size(); ++i) hits.push_back(hit_json(found.hits[i], static_cast<int>(i) + 1));
               send_json(res, 200, {{"collection", c.name}, {"mode", found.mode}, {"hits", hits},
                                    {"retrieval_note", collection_json(c)["retrieval_note"]}});
             });

  routes.add("POST", "/api/v1/rag/query", "/api/v1/rag/query", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    const auto collection_ref = r.string("collection", 256);
    if (!collection_ref) throw invalid_field("collection", "is required (a collection id or name)");
    const rag::Collection c = collection_or_404(ctx, *collection_ref);
    const auto question = r.string("question", kMaxQuestionBytes);
    if (!question || question->empty()) throw invalid_field("question", "is required");
    const bool stream = r.boolean("stream").value_or(false);
    std::shared_ptr<LoadedModel> model;
    std::shared_ptr<PreparedAnswer> prepared;
    std::shared_ptr<GenerationJob> job;
    std::string id, model_name;
    nlohmann::json fallback;
    if (auto ref = find_remote(ctx.core(), r.string("model", 256).value_or(""))) {
      // A remote model answers from chat messages that carry the sources.
      PreparedRemoteAnswer remote = prepare_remote_answer(ctx, c, ref->client->config().context_size, *question, r);
      prepared = std::make_shared<PreparedAnswer>(std::move(remote.prepared));
      providers::RemoteGenerationRequest rr;
      rr.chat = true;
      rr.messages = std::move(remote.messages);
      rr.sampling = std::move(remote.sampling);
      rr.max_tokens = remote.max_tokens;
      RemoteStart started = start_remote_generation(ctx, req, *ref, std::move(rr), ctx.new_id("rag-"));
      started.set_headers(res);
      job = started.job;
      fallback = started.fallback_json();
      id = job->id();
      model_name = job->model();
    } else {
      model = value_or_throw(ctx.models().acquire(r.string("model", 256).value_or("")));
      prepared = std::make_shared<PreparedAnswer>(prepare_answer(ctx, c, *model, *question, r));
      id = ctx.new_id("rag-");
      job = submit_generation(ctx, model, id, prepared->params, req.user);
      model_name = model->file.name;
    }
    auto answer = [fallback](const std::string& id, const std::string& model_name, const PreparedAnswer& p,
                             const GenerationOutcome& o) {
      nlohmann::json j = answer_json(id, model_name, p, o);
      if (!fallback.is_null()) j["fallback"] = fallback;
      return j;
    };
    if (!stream) {
      send_json(res, 200, answer(id, model_name, *prepared, wait_for_outcome(ctx, job, req.client_gone)));
      return;
    }
    StreamFormat f;
    f.content_type = "text/event-stream";
    f.keepalive = ": keep-alive\n\n";
    f.start = [id, prepared] {
      return sse_event("sources", {{"id", id}, {"sources", prepared->sources}, {"dropped", prepared->dropped},
                                   {"retrieval", prepared->retrieval}});
    };
    f.text = [](const JobEvent& ev) { return sse_event("text", {{"text", ev.text}}); };
    f.done = [id, model_name, prepared, answer](const GenerationOutcome& o) {
      return sse_event("done", answer(id, model_name, *prepared, o));
    };
    f.error = [](int status, const std::string& code, const std::string& message) {
      return sse_event("error", error_body(ApiError(status, code, message)));
    };
    stream_generation(ctx, res, model, job, std::move(f));
  });
}

}  // namespace pg::server
