// The route groups of the server, each in its own file: our API under
// /api/v1 (routes_native.cpp), OpenAI's /v1 (routes_openai.cpp) and
// Ollama's /api (routes_ollama.cpp), login/keys/users (routes_auth.cpp),
// conversations (routes_conversations.cpp), collections, documents and
// ingestion jobs (routes_collections.cpp), retrieval and answers (routes_rag.cpp). They only register handlers.
#pragma once

#include "app/sampling_options.h"
#include "server/api_error.h"
#include "server/chat_messages.h"
#include "server/http_util.h"
#include "server/server_context.h"

namespace pg::server {

void add_native_routes(RouteTable& routes, ServerContext& ctx);
void add_openai_routes(RouteTable& routes, ServerContext& ctx);
void add_ollama_routes(RouteTable& routes, ServerContext& ctx);
void add_auth_routes(RouteTable& routes, ServerContext& ctx);          // routes_auth.cpp
void add_conversation_routes(RouteTable& routes, ServerContext& ctx);  // routes_conversations.cpp
void add_collection_routes(RouteTable& routes, ServerContext& ctx);    // routes_collections.cpp
void add_rag_routes(RouteTable& routes, ServerContext& ctx);           // routes_rag.cpp
void add_provider_routes(RouteTable& routes, ServerContext& ctx);      // routes_providers.cpp: providers, usage
void add_model_routes(RouteTable& routes, ServerContext& ctx);         // routes_models.cpp

// Helpers the route files share.
class FieldReader;
// A request's keep_alive (seconds; negative forever), Ollama's convention:
// a number of seconds or a duration string ("5m"); 400 when malformed.
std::optional<double> request_keep_alive(const FieldReader& r);
// The sampling options of the model's own parameters (its Modelfile PARAMETERs),
// or nullopt when it has none or one is unusable (then none apply).
std::optional<SamplingOptions> model_sampling_defaults(const LoadedModel& model);
// Every model GET /api/v1/models lists (routes_models.cpp).
nlohmann::json model_list_json(ServerContext& ctx);
// JSON body of a POST (400 when malformed or not an object).
nlohmann::json request_json(const ApiRequest& req);
// The body's `messages`, checked by normalize_chat_messages, in the client's key order.
nlohmann::ordered_json request_chat_messages(const ApiRequest& req);
// A top-level field of the body parsed in the client's key order (null when absent).
nlohmann::ordered_json request_ordered_field(const ApiRequest& req, const std::string& key);
// A value anywhere in the body by its dotted path ("response_format.json_schema.schema"),
// in the client's key order; null when absent.
nlohmann::ordered_json request_ordered_value(const ApiRequest& req, const std::string& dotted_path);
// The system fingerprint OpenAI responses carry: the build of this server.
std::string system_fingerprint();
// 403 unless the caller is an admin.
void require_admin(const ApiRequest& req);
// The value of a store call, or 500 database_error.
template <typename T>
T db_checked(Result<T> r) {
  if (!r) throw ApiError(500, "database_error", "the database failed: " + r.error());
  return std::move(*r);
}
// Password-hash permits and login throttling in Prometheus text (routes_auth.cpp).
std::string auth_metrics_text(ServerContext& ctx);
// Provider usage and endpoint state in Prometheus text (routes_providers.cpp).
std::string provider_metrics_text(ServerContext& ctx);
// One Server-Sent Event of our API: "event: NAME\ndata: JSON\n\n".
std::string sse_event(const std::string& event, const nlohmann::json& data);
// Our API's `usage` and `timings` objects of a finished generation (routes_native.cpp).
nlohmann::json native_usage_json(const GenerationOutcome& outcome);
nlohmann::json native_timings_json(const GenerationOutcome& outcome);

}  // namespace pg::server
