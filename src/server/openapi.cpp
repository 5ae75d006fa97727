// OpenAPI document and Swagger UI; see openapi.h.
#include "server/openapi.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "app/generation.h"
#include "app/sampling_options.h"
#include "engine/model/kv_cache_type.h"
#include "engine/sampler/token_logprobs.h"
#include "rag/answer.h"
#include "server/api_error.h"
#include "server/routes.h"
#include "server/security_headers.h"
#include "build_paths.h"

namespace pg::server {
namespace {

using oj = nlohmann::ordered_json;

enum class Access { Public, User, Admin };

struct RouteDoc {
  const char* method;
  const char* path;
  const char* tag;
  const char* summary;
  Access access;
  const char* request;   // component schema name, "" = no body
  const char* response;  // component schema name, or "text/..." / "stream" for other content
  std::vector<int> errors;  // besides 401/403/500, which follow from access
};

// Every route, in the order of docs/API.md.
const std::vector<RouteDoc>& route_docs() {
  static const std::vector<RouteDoc> docs = {
      {"GET", "/api/v1/health", "playground", "Liveness, version, uptime", Access::Public, "", "Health", {503}},
      {"GET", "/api/v1/models", "models", "Models: files of the models directory with status, and pulls in progress", Access::User, "", "ModelList", {}},
      {"GET", "/api/v1/models/search", "models", "Search the Hugging Face Hub for GGUF repositories (q=, limit=)", Access::User, "",
       "ModelSearch", {400, 502}},
      {"POST", "/api/v1/models/pull", "models", "Start downloading a model (Hub or Ollama registry); admins", Access::Admin,
       "PullRequest", "PullJob", {400, 409}},
      {"GET", "/api/v1/models/pulls", "models", "Pulls, running and recently finished", Access::User, "", "PullList", {}},
      {"GET", "/api/v1/models/pulls/{id}", "models", "One pull: state, bytes, speed, ETA", Access::User, "", "PullJob", {404}},
      {"DELETE", "/api/v1/models/pulls/{id}", "models", "Cancel a pull (its partial file is deleted); admins", Access::Admin, "",
       "Cancelled", {404, 409}},
      {"GET", "/api/v1/models/pull/{id}/events", "models", "Progress of a pull as SSE until it ends", Access::User, "",
       "text/event-stream", {404}},
      {"GET", "/api/v1/models/{name}", "models", "One model: metadata, sha256, aliases, source, memory estimate", Access::User,
       "", "ModelDetail", {404}},
      {"DELETE", "/api/v1/models/{name}", "models", "Delete a model's files (unloads it first); admins", Access::Admin, "",
       "ModelDeleted", {404, 409}},
      {"POST", "/api/v1/models/{name}/load", "models", "Load a model within the memory budget (keep_alive, cache_type_k, cache_type_v optional); admins",
       Access::Admin, "LoadRequest", "ModelLoaded", {400, 404, 409, 500, 503, 507}},
      {"POST", "/api/v1/models/{name}/unload", "models", "Unload a model; admins", Access::Admin, "", "ModelUnloaded", {404, 409}},
      {"POST", "/api/v1/models/generate", "playground", "Complete a prompt (JSON or SSE with stream: true)", Access::User,
       "GenerateRequest", "GenerationResult", {400, 404, 413, 429, 503}},
      {"POST", "/api/v1/chat", "playground", "Chat with the model's chat template (JSON or SSE)", Access::User,
       "ChatRequest", "GenerationResult", {400, 404, 413, 429, 503}},
      {"POST", "/api/v1/embeddings", "playground", "Sentence embeddings (mean-pooled, unit length)", Access::User,
       "EmbeddingsRequest", "EmbeddingsResult", {400, 404, 413, 429, 503}},
      {"POST", "/api/v1/tokenize", "playground", "Text to token ids", Access::User, "TokenizeRequest", "TokenizeResult", {400, 404}},
      {"POST", "/api/v1/detokenize", "playground", "Token ids to text", Access::User, "DetokenizeRequest", "DetokenizeResult", {400, 404}},
      {"POST", "/api/v1/generations/{id}/cancel", "playground", "Cancel a running generation (its owner or an admin)", Access::User, "", "Cancelled", {404}},
      {"GET", "/api/v1/slots", "playground", "Scheduler slots of the loaded models", Access::User, "", "Slots", {}},
      {"GET", "/api/v1/metrics", "playground", "Prometheus metrics", Access::User, "", "text/plain", {}},
      {"GET", "/metrics", "playground", "Prometheus metrics (same as /api/v1/metrics)", Access::User, "", "text/plain", {}},
      {"POST", "/api/v1/auth/login", "auth", "Log in: an access token (JWT, HS256); throttled after failures",
       Access::Public, "LoginRequest", "LoginResult", {400, 429, 503}},
      {"GET", "/api/v1/auth/me", "auth", "Who is calling", Access::User, "", "Me", {}},
      {"POST", "/api/v1/auth/keys", "auth", "Create an API key (shown once)", Access::User, "CreateKeyRequest", "CreatedKey", {400}},
      {"GET", "/api/v1/auth/keys", "auth", "Your API keys (never the keys themselves)", Access::User, "", "KeyList", {400}},
      {"DELETE", "/api/v1/auth/keys/{id}", "auth", "Delete one of your API keys", Access::User, "", "Deleted", {400, 404}},
      {"GET", "/api/v1/users", "users", "List users", Access::Admin, "", "UserList", {}},
      {"POST", "/api/v1/users", "users", "Create a user", Access::Admin, "CreateUserRequest", "User", {400, 409, 503}},
      {"DELETE", "/api/v1/users/{username}", "users", "Delete a user (with keys and conversations)", Access::Admin, "", "Deleted", {404, 409}},
      {"PUT", "/api/v1/users/{username}/password", "users", "Set a password (admins: anyone's; users: their own)",
       Access::User, "PasswordRequest", "PasswordChanged", {400, 404, 429, 503}},
      {"POST", "/api/v1/conversations", "conversations", "Create a conversation", Access::User, "ConversationCreate", "Conversation", {400, 404}},
      {"GET", "/api/v1/conversations", "conversations", "List conversations (newest first; limit, offset)", Access::User, "", "ConversationList", {400}},
      {"GET", "/api/v1/conversations/{id}", "conversations", "A conversation with its messages", Access::User, "", "ConversationWithMessages", {404}},
      {"PATCH", "/api/v1/conversations/{id}", "conversations", "Rename or change model, system prompt, params", Access::User,
       "ConversationUpdate", "Conversation", {400, 404}},
      {"DELETE", "/api/v1/conversations/{id}", "conversations", "Delete a conversation and its messages", Access::User, "", "Deleted", {404}},
      {"POST", "/api/v1/conversations/{id}/messages", "conversations",
       "Add a message; a user or tool message gets the model's reply (JSON or SSE; tools and structured output as /api/v1/chat), "
       "stored with its tool calls, reasoning and what reproduces it", Access::User,
       "MessageCreate", "MessageReply", {400, 404, 413, 429, 503}},
      {"GET", "/api/v1/conversations/{id}/export", "conversations", "Export as JSON (format=json) or Markdown (format=markdown)",
       Access::User, "", "ConversationExport", {400, 404}},
      {"GET", "/api/v1/collections", "documents", "List collections", Access::User, "", "CollectionList", {}},
      {"POST", "/api/v1/collections", "documents", "Create a collection (name, description, embedding model, chunking)",
       Access::User, "CollectionCreate", "Collection", {400, 409}},
      {"GET", "/api/v1/collections/{id}", "documents", "A collection, by id or name", Access::User, "", "Collection", {404}},
      {"PATCH", "/api/v1/collections/{id}", "documents", "Rename or describe a collection", Access::User, "CollectionUpdate",
       "Collection", {400, 404, 409}},
      {"DELETE", "/api/v1/collections/{id}", "documents", "Delete a collection with its documents, chunks and indexes",
       Access::User, "", "Deleted", {404}},
      {"POST", "/api/v1/conversations/{id}/documents", "conversations",
       "Drop files into a conversation (multipart, as a collection upload): they go to its own collection, made and "
       "attached on first use",
       Access::User, "multipart:DocumentUpload", "UploadResult", {400, 404, 413}},
      {"POST", "/api/v1/collections/{id}/documents", "documents",
       "Upload documents (multipart: files, tags, metadata); each file is accepted or refused alone, then ingested by a job",
       Access::User, "multipart:DocumentUpload", "UploadResult", {400, 404, 413}},
      {"GET", "/api/v1/collections/{id}/documents", "documents", "Documents of a collection (tag= filters)", Access::User, "",
       "DocumentList", {404}},
      {"POST", "/api/v1/collections/{id}/reindex", "documents", "Index every document of a collection again", Access::User, "",
       "JobCreated", {400, 404}},
      {"POST", "/api/v1/collections/{id}/search", "rag",
       "Retrieve chunks (bm25, dense, hybrid) with each hit's BM25 and dense ranks and scores", Access::User,
       "SearchRequest", "SearchResult", {400, 404, 503}},
      {"GET", "/api/v1/documents/{id}", "documents", "A document with its chunks (chunks=false leaves them out)", Access::User,
       "", "DocumentWithChunks", {404}},
      {"PATCH", "/api/v1/documents/{id}", "documents", "Set a document's tags and metadata", Access::User, "DocumentUpdate",
       "Document", {400, 404}},
      {"DELETE", "/api/v1/documents/{id}", "documents", "Delete a document from the collection and every index", Access::User,
       "", "Deleted", {404}},
      {"POST", "/api/v1/documents/{id}/reindex", "documents", "Index a document again", Access::User, "", "JobCreated", {404}},
      {"GET", "/api/v1/ingest/jobs", "documents", "Ingestion jobs, newest first (collection= filters)", Access::User, "",
       "JobList", {404}},
      {"GET", "/api/v1/ingest/jobs/{id}", "documents", "An ingestion job: files, pages, chunks, rate, ETA", Access::User, "",
       "IngestJob", {404}},
      {"GET", "/api/v1/ingest/jobs/{id}/events", "documents", "Progress of an ingestion job as SSE until it ends",
       Access::User, "", "text/event-stream", {404}},
      {"POST", "/api/v1/ingest/jobs/{id}/cancel", "documents", "Cancel an ingestion job", Access::User, "", "IngestJob",
       {404, 409}},
      {"POST", "/api/v1/ingest/jobs/{id}/retry", "documents", "Retry the failed and cancelled files of a job", Access::User,
       "", "IngestJob", {404, 409}},
      {"POST", "/api/v1/rag/query", "rag",
       "Answer a question from a collection with citations (JSON or SSE with stream: true)", Access::User, "RagQuery",
       "RagAnswer", {400, 404, 413, 429, 503}},
      {"GET", "/api/v1/providers", "providers", "Remote inference providers with their models and endpoints", Access::Admin,
       "", "ProviderList", {}},
      {"POST", "/api/v1/providers", "providers", "Add a provider (its API key is stored sealed, never returned)",
       Access::Admin, "ProviderCreate", "Provider", {400, 409}},
      {"GET", "/api/v1/providers/{name}", "providers", "One provider", Access::Admin, "", "Provider", {404}},
      {"PATCH", "/api/v1/providers/{name}", "providers", "Change a provider added through the API", Access::Admin,
       "ProviderUpdate", "Provider", {400, 404, 409}},
      {"DELETE", "/api/v1/providers/{name}", "providers", "Remove a provider added through the API", Access::Admin, "",
       "Deleted", {404, 409}},
      {"POST", "/api/v1/providers/{name}/refresh", "providers", "List a provider's models and check its endpoints now",
       Access::Admin, "", "Provider", {404, 502}},
      {"GET", "/api/v1/usage", "providers", "Token usage of providers per user (admins: everyone's)", Access::User, "",
       "UsageList", {}},
      {"GET", "/v1/models", "openai", "OpenAI: list models", Access::User, "", "OpenAiModelList", {}},
      {"GET", "/v1/models/{id}", "openai", "OpenAI: one model", Access::User, "", "OpenAiModel", {404}},
      {"GET", "/v1/models/{provider}/{id}", "openai", "OpenAI: one remote model", Access::User, "", "OpenAiModel", {404}},
      {"POST", "/v1/completions", "openai", "OpenAI: text completion (JSON or SSE)", Access::User, "OpenAiCompletionRequest",
       "OpenAiCompletion", {400, 404, 413, 429, 503}},
      {"POST", "/v1/chat/completions", "openai", "OpenAI: chat completion (JSON or SSE)", Access::User, "OpenAiChatRequest",
       "OpenAiChatCompletion", {400, 404, 413, 429, 503}},
      {"POST", "/v1/embeddings", "openai", "OpenAI: embeddings (float or base64)", Access::User, "OpenAiEmbeddingsRequest",
       "OpenAiEmbeddings", {400, 404, 413, 429, 503}},
      {"POST", "/api/generate", "ollama", "Ollama: generate (NDJSON stream by default)", Access::User, "OllamaGenerateRequest",
       "OllamaGenerateResult", {400, 404, 413, 429, 503}},
      {"POST", "/api/chat", "ollama", "Ollama: chat (NDJSON stream by default)", Access::User, "OllamaChatRequest",
       "OllamaChatResult", {400, 404, 413, 429, 503}},
      {"GET", "/api/tags", "ollama", "Ollama: list models", Access::User, "", "OllamaTags", {}},
      {"POST", "/api/show", "ollama", "Ollama: model details", Access::User, "OllamaModelRequest", "OllamaShow", {400, 404}},
      {"GET", "/api/ps", "ollama", "Ollama: loaded models", Access::User, "", "OllamaTags", {}},
      {"POST", "/api/pull", "ollama", "Ollama: pull a model (NDJSON status stream by default); admins", Access::Admin,
       "OllamaModelRequest", "OllamaStatus", {400, 409, 500}},
      {"DELETE", "/api/delete", "ollama", "Ollama: delete a model; admins", Access::Admin, "OllamaModelRequest", "application/json",
       {400, 404, 409}},
      {"GET", "/api/version", "ollama", "Ollama: version", Access::User, "", "OllamaVersion", {}},
      {"POST", "/api/embed", "ollama", "Ollama: embeddings of one or more inputs", Access::User, "OllamaEmbedRequest",
       "OllamaEmbedResult", {400, 404, 413, 429, 503}},
      {"POST", "/api/embeddings", "ollama", "Ollama: embedding of one prompt (older form)", Access::User,
       "OllamaEmbeddingsRequest", "OllamaEmbeddingsResult", {400, 404, 413, 429, 503}},
      {"GET", "/openapi.json", "docs", "This description (OpenAPI 3.1)", Access::Public, "", "application/json", {}},
      {"GET", "/docs", "docs", "Swagger UI", Access::Public, "", "text/html", {}},
      {"GET", "/docs/{file}", "docs", "Swagger UI assets", Access::Public, "", "application/octet-stream", {404}},
      {"GET", "/", "web", "The web UI (index.html; a note on how to build it when it is not built)", Access::Public, "",
       "text/html", {}},
      {"GET", "/assets/{file}", "web", "The web UI's built files (hashed names, cached for a year)", Access::Public, "",
       "application/octet-stream", {404}},
      {"GET", "/{page}", "web", "A page of the web UI (index.html; the app routes itself) or a file of the build's root",
       Access::Public, "", "text/html", {404}},
  };
  return docs;
}

oj ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
oj str() { return {{"type", "string"}}; }
oj integer() { return {{"type", "integer"}}; }
oj number() { return {{"type", "number"}}; }
oj boolean() { return {{"type", "boolean"}}; }
oj array_of(oj items) { return {{"type", "array"}, {"items", std::move(items)}}; }
oj object(oj properties, std::vector<std::string> required = {}) {
  oj o = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = required;
  return o;
}
oj any_object() { return {{"type", "object"}}; }
// The seed a reply reports: the one used, within the seed field's range.
oj used_seed() {
  return {{"type", "integer"}, {"minimum", 0}, {"maximum", static_cast<int64_t>(seed_field().max)},
          {"description", "the seed used; send it back to get the same text"}};
}

// Made from the one table the request reader uses (app/sampling_options.h),
// so the documented ranges are the enforced ones.
oj sampling_properties() {
  oj props = oj::object();
  for (const SamplingField& f : sampling_fields()) {
    oj p = {{"type", f.integer ? "integer" : "number"}, {"description", f.description}};
    if (f.zero_excluded) p["exclusiveMinimum"] = f.min;
    else if (f.integer) p["minimum"] = static_cast<int64_t>(f.min);
    else p["minimum"] = f.min;
    if (f.integer) p["maximum"] = static_cast<int64_t>(f.max);
    else p["maximum"] = f.max;
    props[f.name] = std::move(p);
  }
  const SamplingField& seed = seed_field();
  props[seed.name] = {{"type", "integer"},
                      {"minimum", static_cast<int64_t>(seed.min)},
                      {"maximum", static_cast<int64_t>(seed.max)},
                      {"description", seed.description}};
  const oj stop_list = {{"type", "array"}, {"items", str()}, {"maxItems", kMaxStopSequences}};
  props["stop"] = {{"oneOf", oj::array({str(), stop_list})},
                   {"description", "stop sequences of at most " + std::to_string(kMaxStopBytes) + " bytes each"}};
  props["max_tokens"] = {{"type", "integer"}, {"minimum", 1}};
  props["ignore_eos"] = boolean();
  return props;
}

// A KV cache type (models/kv_cache_choice.h), the names the readers accept.
oj cache_type_schema(const std::string& description) {
  oj names = oj::array();
  for (KvCacheType t : kv_cache_types()) names.push_back(std::string(kv_cache_type_name(t)));
  return {{"type", "string"}, {"enum", names}, {"description", description}};
}

oj with(oj base, const oj& more) {
  for (auto it = more.begin(); it != more.end(); ++it) base[it.key()] = it.value();
  return base;
}

// A tool call of an assistant message (OpenAI's shape; Ollama's has object arguments and no type).
oj tool_call_schema() {
  const oj function = object({{"name", str()}, {"arguments", {{"oneOf", oj::array({str(), any_object()})}}}}, {"name"});
  return object({{"id", str()}, {"type", {{"type", "string"}, {"enum", oj::array({"function"})}}}, {"function", function}},
                {"function"});
}

oj message_schema() {
  const oj tool_call = tool_call_schema();
  return object({{"role", {{"type", "string"}, {"enum", {"system", "user", "assistant", "tool", "developer"}}}},
                 {"content", {{"oneOf", oj::array({str(), array_of(object({{"type", str()}, {"text", str()}})),
                                                   {{"type", "null"}}})}}},
                 {"tool_calls", array_of(tool_call)},
                 {"tool_call_id", str()},
                 {"tool_name", str()},
                 {"name", str()},
                 {"reasoning_content", str()},
                 {"thinking", str()}},
                {"role"});
}

oj usage_schema() {
  return object({{"prompt_tokens", integer()}, {"completion_tokens", integer()}, {"total_tokens", integer()},
                 {"cached_prompt_tokens", integer()}});
}

// A model of GET /api/v1/models (the main fields; remote models have fewer).
// `defaults`: the sampling fields the model's own params set (a local model's).
oj model_schema(const oj& sampling) {
  oj defaults = sampling;
  defaults.erase("max_tokens");
  return object({{"name", str()}, {"kind", str()}, {"file", str()}, {"size_bytes", integer()}, {"modified_at", str()},
                 {"default", boolean()}, {"loaded", boolean()}, {"status", str()}, {"aliases", array_of(str())},
                 {"source", {{"type", oj::array({"object", "null"})}}}, {"defaults", object(defaults)},
                 {"capabilities", array_of(str())}, {"runtime", any_object()},
                 {"cache_type_k", {{"type", oj::array({"string", "null"})}, {"description", "a loaded model's KV cache type of the keys"}}},
                 {"cache_type_v", {{"type", oj::array({"string", "null"})}, {"description", "a loaded model's KV cache type of the values"}}}});
}

oj schemas() {
  const oj sampling = sampling_properties();
  const oj embedding_input = {{"oneOf", oj::array({str(), array_of(str())})}};
  const oj openai_input = {{"oneOf", oj::array({str(), array_of(str()), array_of(integer()), array_of(array_of(integer()))})}};
  // Documents in chat: the collections a conversation answers from and its retrieval settings.
  const oj nullable_object = {{"type", oj::array({"object", "null"})}};
  const oj conversation = object({{"id", str()}, {"title", str()}, {"model", str()}, {"system_prompt", str()},
                                  {"params", object(sampling)},
                                  {"collections", array_of(object({{"id", integer()}, {"name", str()}}))},
                                  {"retrieval", nullable_object},
                                  {"own_collection_id", {{"type", oj::array({"integer", "null"})}}},
                                  {"created_at", str()}, {"updated_at", str()},
                                  {"message_count", integer()}});
  const oj stored_message = object({{"id", integer()}, {"role", str()}, {"content", str()}, {"created_at", str()},
                                    {"tool_calls", array_of(tool_call_schema())}, {"tool_call_id", str()},
                                    {"reasoning", str()}, {"sources", array_of(any_object())},
                                    {"dropped", array_of(any_object())},
                                    {"model", str()}, {"model_sha256", str()}, {"chat_template_sha256", str()},
                                    {"generation", object({{"generation_id", str()}, {"finish_reason", str()},
                                                           {"sampling", object(sampling)}, {"usage", usage_schema()},
                                                           {"timings", any_object()}, {"output", any_object()}})}});
  const oj user = object({{"id", integer()}, {"username", str()}, {"role", {{"type", "string"}, {"enum", {"admin", "user"}}}},
                          {"created_at", str()}});
  const oj key = object({{"id", integer()}, {"name", str()}, {"prefix", str()}, {"created_at", str()},
                         {"last_used_at", {{"type", oj::array({"string", "null"})}}}});
  oj s;
  s["Error"] = object({{"error", object({{"code", str()}, {"message", str()}, {"type", str()}}, {"code", "message"})}}, {"error"});
  s["OllamaError"] = object({{"error", str()}}, {"error"});
  s["Health"] = object({{"status", str()}, {"version", str()}, {"instance", str()}, {"uptime_seconds", number()}, {"default_model", str()},
                        {"models_loaded", integer()}});
  s["Model"] = model_schema(sampling);
  s["ModelList"] = object({{"default", str()}, {"models", array_of(ref("Model"))}, {"memory", any_object()}});
  s["ModelSearch"] = object({{"query", str()}, {"source", str()}, {"results", array_of(any_object())}});
  s["PullRequest"] = object({{"model", str()}}, {"model"});
  s["PullJob"] = object({{"id", str()}, {"reference", str()}, {"model", str()}, {"state", str()}, {"error", str()},
                         {"progress", any_object()}, {"notices", array_of(str())}, {"instance", str()},
                         {"created_at", str()}, {"finished_at", str()}});
  s["PullList"] = object({{"pulls", array_of(ref("PullJob"))}});
  s["ModelDetail"] = model_schema(sampling);
  s["ModelDetail"]["properties"]["memory_estimate"] = any_object();
  s["ModelDetail"]["properties"]["chat_template"] = {{"type", oj::array({"string", "null"})}};
  s["ModelDetail"]["properties"]["license"] = {{"type", oj::array({"string", "null"})}};
  s["ModelDeleted"] = object({{"name", str()}, {"deleted", boolean()}, {"files", array_of(str())}});
  s["LoadRequest"] = object({{"keep_alive", {{"type", oj::array({"string", "number"})}}},
                             {"cache_type_k", cache_type_schema("KV cache type of the keys (default: the cache_type_k setting); "
                                                                "q8_0 and q4_0 need heads of a multiple of 32 values, else 400 "
                                                                "invalid_cache_type; a model loaded with other types is reloaded")},
                             {"cache_type_v", cache_type_schema("KV cache type of the values (default: the cache_type_v setting); "
                                                                "as cache_type_k")}});
  s["ModelLoaded"] = object({{"name", str()}, {"status", str()}, {"already_loaded", boolean()}, {"load_seconds", number()},
                             {"runtime", any_object()}});
  s["ModelUnloaded"] = object({{"name", str()}, {"status", str()}, {"was_loaded", boolean()}});
  s["OllamaStatus"] = object({{"status", str()}, {"digest", str()}, {"total", integer()}, {"completed", integer()}});
  // Structured output, tools and logprobs, as every generating API reads them (server/generation_request.cpp).
  s["ResponseFormat"] = object({{"type", {{"type", "string"}, {"enum", {"text", "json_object", "json_schema"}}}},
                                {"json_schema", object({{"name", str()}, {"schema", any_object()}, {"strict", boolean()}})},
                                {"schema", any_object()}});
  s["Tool"] = object({{"type", {{"type", "string"}, {"enum", {"function"}}}},
                      {"function", object({{"name", str()}, {"description", str()}, {"parameters", any_object()}}, {"name"})}},
                     {"function"});
  const oj tool_choice = {{"oneOf", oj::array({{{"type", "string"}, {"enum", {"none", "auto", "required"}}},
                                               object({{"type", str()}, {"function", object({{"name", str()}}, {"name"})}})})}};
  const oj structured = {{"response_format", ref("ResponseFormat")},
                         {"json_schema", any_object()},
                         {"grammar", str()},
                         {"logprobs", boolean()},
                         {"top_logprobs", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxTopLogprobs}}}};
  const oj tools = {{"tools", array_of(ref("Tool"))}, {"tool_choice", tool_choice}, {"parallel_tool_calls", boolean()}};
  s["GenerateRequest"] = object(with(with(sampling, structured), {{"model", str()}, {"prompt", str()}, {"system_prompt", str()}, {"stream", boolean()}}));
  // Extra variables for the model's chat template (server/template_vars.h).
  const oj template_kwargs = {
      {"chat_template_kwargs",
       {{"type", "object"},
        {"description", "variables for the model's chat template, e.g. {\"enable_thinking\": false} (a boolean); "
                        "messages, tools, add_generation_prompt, bos_token and eos_token are the server's"}}}};
  s["ChatRequest"] = object(with(with(with(with(sampling, structured), tools), template_kwargs),
                                 {{"model", str()}, {"messages", array_of(ref("Message"))}, {"stream", boolean()}}),
                            {"messages"});
  s["Message"] = message_schema();
  s["GenerationResult"] = object({{"id", str()}, {"model", str()}, {"text", str()}, {"finish_reason", str()},
                                  {"seed", used_seed()}, {"usage", usage_schema()}, {"timings", any_object()}});
  s["EmbeddingsRequest"] = object({{"model", str()}, {"input", embedding_input}}, {"input"});
  s["EmbeddingsResult"] = object({{"model", str()}, {"dimensions", integer()}, {"embeddings", array_of(array_of(number()))},
                                  {"usage", any_object()}});
  s["TokenizeRequest"] = object({{"model", str()}, {"text", str()}, {"add_special", boolean()}, {"parse_special", boolean()}}, {"text"});
  s["TokenizeResult"] = object({{"model", str()}, {"tokens", array_of(integer())}});
  s["DetokenizeRequest"] = object({{"model", str()}, {"tokens", array_of(integer())}, {"render_special", boolean()}}, {"tokens"});
  s["DetokenizeResult"] = object({{"model", str()}, {"text", str()}});
  s["Cancelled"] = object({{"id", str()}, {"cancelled", boolean()}});
  s["Slots"] = object({{"models", array_of(any_object())}});
  s["LoginRequest"] = object({{"username", str()}, {"password", str()}}, {"username", "password"});
  s["LoginResult"] = object({{"access_token", str()}, {"token_type", str()}, {"expires_at", str()}, {"expires_in", integer()},
                             {"user", ref("User")}});
  s["Me"] = object({{"auth", boolean()}, {"method", str()}, {"user", {{"oneOf", oj::array({ref("User"), {{"type", "null"}}})}}}});
  s["CreateKeyRequest"] = object({{"name", str()}}, {"name"});
  s["ApiKey"] = key;
  s["CreatedKey"] = with(key, {{"properties", with(key["properties"], {{"key", str()}})}});
  s["KeyList"] = object({{"keys", array_of(ref("ApiKey"))}});
  s["Deleted"] = object({{"deleted", boolean()}});
  s["User"] = user;
  s["UserList"] = object({{"users", array_of(ref("User"))}});
  s["CreateUserRequest"] = object({{"username", str()}, {"password", str()}, {"role", str()}}, {"username", "password"});
  s["PasswordRequest"] = object({{"password", str()}, {"current_password", str()}}, {"password"});
  s["PasswordChanged"] = object({{"username", str()}, {"password_changed", boolean()}});
  s["ConversationCreate"] = object({{"title", str()}, {"model", str()}, {"system_prompt", str()}, {"params", object(sampling)},
                                    {"collections", {{"type", oj::array({"array", "null"})},
                                                     {"maxItems", 16},
                                                     {"items", {{"type", oj::array({"integer", "string"})}}},
                                                     {"description", "collection ids or names the replies answer from"}}},
                                    {"retrieval", with(nullable_object, {{"description",
                                        "mode, top_k, min_score, tags, metadata, bm25_weight, dense_weight, rrf_k "
                                        "(as POST /api/v1/rag/query); null: the defaults"}})}});
  s["ConversationUpdate"] = s["ConversationCreate"];
  s["Conversation"] = conversation;
  s["ConversationList"] = object({{"conversations", array_of(ref("Conversation"))}, {"total", integer()},
                                  {"limit", integer()}, {"offset", integer()}});
  s["StoredMessage"] = stored_message;
  s["ConversationWithMessages"] = with(conversation, {{"properties", with(conversation["properties"],
                                                                          {{"messages", array_of(ref("StoredMessage"))}})}});
  s["ConversationExport"] = with(s["ConversationWithMessages"],
                                 {{"properties", with(s["ConversationWithMessages"]["properties"],
                                                      {{"chat_templates", any_object()}, {"format", str()}})}});
  s["MessageCreate"] = object(with(with(structured, tools),
                                    {{"role", {{"type", "string"}, {"enum", {"user", "assistant", "system", "tool"}}}},
                                     {"content", str()},
                                     {"tool_call_id", {{"type", "string"},
                                                       {"description", "role tool: the id of the stored tool call this result answers"}}},
                                     {"reply", boolean()},
                                     {"stream", boolean()}, {"params", object(sampling)}}),
                               {"content"});
  s["MessageReply"] = object({{"message", ref("StoredMessage")}, {"reply", ref("StoredMessage")},
                              {"logprobs", array_of(any_object())}});
  const oj chunking = object({{"unit", {{"type", "string"}, {"enum", {"tokens", "characters"}}}},
                              {"size", {{"type", "integer"}, {"minimum", 16}, {"maximum", 8192}}},
                              {"overlap", {{"type", "integer"}, {"minimum", 0}}}});
  s["CollectionCreate"] = object({{"name", str()}, {"description", str()}, {"embedding_model", str()}, {"chunking", chunking}},
                                 {"name"});
  s["CollectionUpdate"] = object({{"name", str()}, {"description", str()}});
  s["Collection"] = object({{"id", integer()}, {"name", str()}, {"description", str()},
                            {"embedding_model", {{"type", {"string", "null"}}}}, {"embedding_dimension", {{"type", {"integer", "null"}}}},
                            {"retrieval_modes", array_of(str())}, {"retrieval_note", str()}, {"chunking", chunking},
                            {"document_count", integer()}, {"chunk_count", integer()}, {"created_at", str()}, {"updated_at", str()}});
  s["CollectionList"] = object({{"collections", array_of(ref("Collection"))}});
  const oj provider_settings = {{"name", str()},
                                {"kind", {{"type", "string"}, {"enum", {"openai", "ollama"}}}},
                                {"base_urls", array_of(str())},
                                {"connect_timeout_ms", integer()},
                                {"first_byte_timeout_ms", integer()},
                                {"total_timeout_ms", integer()},
                                {"max_retries", integer()},
                                {"backoff_base_ms", integer()},
                                {"backoff_max_ms", integer()},
                                {"breaker_failures", integer()},
                                {"breaker_open_ms", integer()},
                                {"refresh_seconds", integer()},
                                {"fallback_model", str()},
                                {"context_size", integer()},
                                {"embedding_max_tokens", integer()}};
  s["ProviderCreate"] = object(with(provider_settings, {{"api_key", str()}}), {"name", "base_urls"});
  s["ProviderUpdate"] = object(with(provider_settings, {{"api_key", str()}}));
  s["Provider"] = object(with(provider_settings,
                              {{"has_api_key", boolean()},
                               {"source", {{"type", "string"}, {"enum", {"config", "api"}}}},
                               {"models", array_of(str())},
                               {"refreshed_at", {{"type", {"string", "null"}}}},
                               {"last_error", {{"type", {"string", "null"}}}},
                               {"endpoints", array_of(object({{"url", str()},
                                                              {"breaker", {{"type", "string"}, {"enum", {"closed", "open", "half_open"}}}},
                                                              {"healthy", boolean()},
                                                              {"outstanding", integer()},
                                                              {"consecutive_failures", integer()},
                                                              {"requests", integer()},
                                                              {"failures", integer()}}))}}));
  s["ProviderList"] = object({{"providers", array_of(ref("Provider"))}});
  s["UsageList"] = object({{"usage", array_of(object({{"user", str()}, {"provider", str()}, {"requests", integer()},
                                                      {"failures", integer()}, {"tokens_in", integer()}, {"tokens_out", integer()}}))},
                           {"scope", {{"type", "string"}, {"enum", {"all", "own"}}}}});
  s["Document"] = object({{"id", integer()}, {"collection_id", integer()}, {"file_name", str()}, {"format", str()},
                          {"size_bytes", integer()}, {"sha256", str()}, {"title", str()}, {"page_count", integer()},
                          {"status", {{"type", "string"}, {"enum", {"pending", "indexing", "indexed", "failed"}}}},
                          {"error", {{"type", {"string", "null"}}}}, {"tags", array_of(str())}, {"metadata", any_object()},
                          {"chunk_count", integer()}, {"created_at", str()}, {"updated_at", str()}});
  s["Chunk"] = object({{"id", integer()}, {"document_id", integer()}, {"index", integer()}, {"text", str()},
                       {"page_start", integer()}, {"page_end", integer()}, {"heading_path", str()},
                       {"char_start", integer()}, {"char_end", integer()}, {"token_count", integer()}});
  s["DocumentWithChunks"] = with(s["Document"], {{"properties", with(s["Document"]["properties"], {{"chunks", array_of(ref("Chunk"))}})}});
  s["DocumentList"] = object({{"collection", ref("Collection")}, {"documents", array_of(ref("Document"))}});
  s["DocumentUpdate"] = object({{"tags", array_of(str())}, {"metadata", any_object()}});
  s["DocumentUpload"] = object({{"files", array_of({{"type", "string"}, {"format", "binary"}})},
                                {"tags", {{"type", "string"}, {"description", "comma-separated, or a JSON array"}}},
                                {"metadata", {{"type", "string"}, {"description", "a JSON object of string values"}}}},
                               {"files"});
  s["IngestJob"] = object({{"id", str()}, {"collection_id", integer()}, {"kind", str()}, {"label", str()},
                           {"status", {{"type", "string"}, {"enum", {"queued", "running", "done", "failed", "cancelled"}}}},
                           {"finished", boolean()}, {"files_total", integer()}, {"files_done", integer()},
                           {"files_failed", integer()}, {"files_cancelled", integer()}, {"pages", integer()},
                           {"chunks", integer()}, {"pages_per_second", {{"type", {"number", "null"}}}},
                           {"eta_seconds", {{"type", {"number", "null"}}}}, {"files", array_of(any_object())}});
  s["JobList"] = object({{"jobs", array_of(ref("IngestJob"))}});
  s["JobCreated"] = object({{"job", ref("IngestJob")}});
  s["UploadResult"] = object({{"job", {{"oneOf", oj::array({ref("IngestJob"), {{"type", "null"}}})}}},
                              {"documents", array_of(ref("Document"))},
                              {"refused", array_of(object({{"file_name", str()}, {"error", any_object()}}))}});
  const oj retrieval = {{"mode", {{"type", "string"}, {"enum", {"bm25", "dense", "hybrid"}}}},
                        {"top_k", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}},
                        {"min_score", number()}, {"tags", array_of(str())}, {"metadata", any_object()},
                        {"bm25_weight", number()}, {"dense_weight", number()}, {"rrf_k", integer()},
                        {"context_share", {{"type", "number"}, {"minimum", 0.05}, {"maximum", 1},
                                           {"description", "share of the free context the sources may fill "
                                                           "(default: the server's rag_context_share)"}}}};
  s["SearchRequest"] = object(with(retrieval, {{"query", str()}}), {"query"});
  s["SearchHit"] = object({{"rank", integer()}, {"score", number()}, {"bm25_rank", {{"type", {"integer", "null"}}}},
                           {"bm25_score", {{"type", {"number", "null"}}}}, {"dense_rank", {{"type", {"integer", "null"}}}},
                           {"dense_score", {{"type", {"number", "null"}}}}, {"chunk", ref("Chunk")}, {"document", any_object()}});
  s["SearchResult"] = object({{"collection", str()}, {"mode", str()}, {"hits", array_of(ref("SearchHit"))}, {"retrieval_note", str()}});
  s["RagQuery"] = object(with(retrieval, {{"collection", str()}, {"question", str()}, {"model", str()},
                                          {"system_prompt", str()}, {"stream", boolean()},
                                          {"params", object(with(sampling, {{"max_tokens", integer()}}))}}),
                         {"collection", "question"});
  const oj passage = {{"chunk_id", integer()}, {"document_id", integer()}, {"document", str()},
                      {"page_start", integer()}, {"page_end", integer()}, {"heading_path", str()}, {"score", number()},
                      {"text", str()}, {"rank", integer()}, {"tokens", integer()}};
  s["RagSource"] = object(with(passage, {{"number", integer()}, {"truncated", boolean()}, {"full_tokens", integer()}}));
  s["RagDropped"] = object(with(passage, {{"reason", {{"type", "string"},
                                                      {"enum", {rag::kDropBudget, rag::kDropPromptOverflow,
                                                                rag::kDropBudgetTooSmall}}}},
                                          {"detail", str()}}));
  s["RagRetrieval"] = object({{"collection", str()}, {"mode", str()}, {"retrieved", integer()}, {"used", integer()},
                              {"dropped", integer()}, {"source_budget_tokens", integer()}, {"source_tokens", integer()},
                              {"answer_tokens", integer()}, {"budget_too_small", boolean()},
                              {"budget_note", {{"type", {"string", "null"}}}}, {"note", {{"type", {"string", "null"}}}}});
  s["RagAnswer"] = object({{"id", str()}, {"model", str()}, {"answer", str()}, {"finish_reason", str()},
                           {"citations", array_of(any_object())}, {"invalid_citations", array_of(integer())},
                           {"sources", array_of(ref("RagSource"))}, {"dropped", array_of(ref("RagDropped"))},
                           {"retrieval", ref("RagRetrieval")},
                           {"usage", any_object()}, {"timings", any_object()}, {"seed", used_seed()}});
  s["OpenAiModel"] = object({{"id", str()}, {"object", str()}, {"created", integer()}, {"owned_by", str()}});
  s["OpenAiModelList"] = object({{"object", str()}, {"data", array_of(ref("OpenAiModel"))}});
  const oj choices = {{"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", app::kMaxChoices}}}};
  s["OpenAiCompletionRequest"] = object(with(with(sampling, choices), {{"model", str()}, {"prompt", {{"oneOf", oj::array({str(), array_of(str())})}}},
                                                        {"stream", boolean()}, {"echo", boolean()},
                                                        {"logprobs", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxTopLogprobs}}},
                                                        {"response_format", ref("ResponseFormat")}, {"json_schema", any_object()},
                                                        {"grammar", str()}, {"stream_options", any_object()}}));
  s["OpenAiCompletion"] = object({{"id", str()}, {"object", str()}, {"created", integer()}, {"model", str()},
                                  {"choices", array_of(any_object())}, {"usage", any_object()}});
  s["OpenAiChatRequest"] = object(with(with(with(with(with(sampling, structured), tools), choices), template_kwargs),
                                       {{"model", str()}, {"messages", array_of(ref("Message"))},
                                        {"max_completion_tokens", integer()}, {"stream", boolean()},
                                        {"stream_options", any_object()},
                                        {"reasoning_effort", {{"type", "string"}, {"enum", {"none", "minimal", "low", "medium", "high"}},
                                                              {"description", "none: enable_thinking false; a level: the template's reasoning_effort"}}}}),
                                  {"messages"});
  s["OpenAiChatCompletion"] = s["OpenAiCompletion"];
  s["OpenAiEmbeddingsRequest"] = object({{"model", str()}, {"input", openai_input},
                                         {"encoding_format", {{"type", "string"}, {"enum", {"float", "base64"}}}},
                                         {"dimensions", integer()}}, {"input"});
  s["OpenAiEmbeddings"] = object({{"object", str()}, {"data", array_of(object({{"object", str()}, {"index", integer()},
                                                                              {"embedding", {{"oneOf", oj::array({array_of(number()), str()})}}}}))},
                                  {"model", str()}, {"usage", any_object()}});
  const oj ollama_options = object(with(sampling, {{"num_predict", integer()}, {"num_ctx", integer()}}));
  const oj ollama_format = {{"format", {{"oneOf", oj::array({{{"type", "string"}, {"enum", {"", "json"}}}, any_object()})}}},
                            {"logprobs", boolean()},
                            {"top_logprobs", {{"type", "integer"}, {"minimum", 0}, {"maximum", kMaxTopLogprobs}}}};
  s["OllamaGenerateRequest"] = object(with(ollama_format, {{"model", str()}, {"prompt", str()}, {"system", str()}, {"raw", boolean()},
                                       {"stream", boolean()}, {"options", ollama_options}}), {"model"});
  s["OllamaGenerateResult"] = object({{"model", str()}, {"created_at", str()}, {"response", str()}, {"done", boolean()},
                                      {"done_reason", str()}, {"context", array_of(integer())}, {"total_duration", integer()},
                                      {"eval_count", integer()}});
  s["OllamaChatRequest"] = object(with(ollama_format, {{"model", str()}, {"messages", array_of(ref("Message"))}, {"stream", boolean()},
                                   {"tools", array_of(ref("Tool"))},
                                   {"think", {{"oneOf", oj::array({boolean(), {{"type", "string"}, {"enum", {"low", "medium", "high"}}}})},
                                              {"description", "the template's enable_thinking (a level: true, and its reasoning_effort); false also leaves message.thinking out"}}},
                                   {"options", ollama_options}}), {"model", "messages"});
  s["OllamaChatResult"] = object({{"model", str()}, {"created_at", str()}, {"message", ref("Message")}, {"done", boolean()},
                                  {"done_reason", str()}, {"total_duration", integer()}, {"eval_count", integer()}});
  s["OllamaTags"] = object({{"models", array_of(any_object())}});
  s["OllamaModelRequest"] = object({{"model", str()}}, {"model"});
  s["OllamaShow"] = object({{"template", str()}, {"details", any_object()}, {"model_info", any_object()},
                            {"modelfile", str()}, {"capabilities", array_of(str())}});
  s["OllamaVersion"] = object({{"version", str()}});
  s["OllamaEmbedRequest"] = object({{"model", str()}, {"input", embedding_input}, {"truncate", boolean()}}, {"model", "input"});
  s["OllamaEmbedResult"] = object({{"model", str()}, {"embeddings", array_of(array_of(number()))},
                                   {"prompt_eval_count", integer()}, {"total_duration", integer()}});
  s["OllamaEmbeddingsRequest"] = object({{"model", str()}, {"prompt", str()}}, {"model"});
  s["OllamaEmbeddingsResult"] = object({{"embedding", array_of(number())}});
  return s;
}

const char* status_text(int status) {
  switch (status) {
    case 400: return "Invalid JSON, a field of the wrong type or range, or a prompt longer than the context";
    case 401: return "No valid access token or API key (auth on)";
    case 403: return "Not allowed (admins only, or a wrong current password)";
    case 404: return "Unknown route, model or id";
    case 409: return "Conflict (name taken, last admin, model busy, pull already running or ended)";
    case 413: return "Body larger than max_body_bytes";
    case 429: return "Queue full, or too many failed logins; retry after Retry-After seconds";
    case 500: return "Server error";
    case 502: return "The upstream service (model hub) failed";
    case 503: return "Shutting down, timed out waiting for a slot or a password-hash slot (busy), or the memory budget is held by busy models";
    case 507: return "The model needs more memory than the whole memory_budget";
    default: return "Error";
  }
}

oj operation(const RouteDoc& d) {
  oj op = {{"tags", {d.tag}}, {"summary", d.summary}, {"operationId", std::string(d.method) + " " + d.path}};
  const std::string path = d.path;
  oj params = oj::array();
  for (const char* name : {"id", "username", "file", "page", "name"})
    if (path.find(std::string("{") + name + "}") != std::string::npos)
      params.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", str()}});
  if (path == "/api/v1/conversations" && std::string(d.method) == "GET") {
    params.push_back({{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}}});
    params.push_back({{"name", "offset"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 0}}}});
  }
  if (path == "/api/v1/models/{name}" && std::string(d.method) == "GET")
    params.push_back({{"name", "context_length"},
                      {"in", "query"},
                      {"description", "estimate the memory at this per-slot context (default: the configured ctx_size)"},
                      {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", int64_t{1} << 24}}}});
  if (path == "/api/v1/models/{name}" && std::string(d.method) == "GET")
    for (const char* name : {"cache_type_k", "cache_type_v"})
      params.push_back({{"name", name},
                        {"in", "query"},
                        {"schema", cache_type_schema(std::string("estimate the KV cache in this type (default: the ") +
                                                     name + " setting)")}});
  if (path == "/api/v1/models/search") {
    params.push_back({{"name", "q"}, {"in", "query"}, {"required", true}, {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}}});
    params.push_back({{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}}});
  }
  if (path == "/api/v1/conversations/{id}/export")
    params.push_back({{"name", "format"}, {"in", "query"}, {"schema", {{"type", "string"}, {"enum", {"json", "markdown"}}}}});
  if (!params.empty()) op["parameters"] = params;
  const std::string request = d.request;
  if (request.rfind("multipart:", 0) == 0)
    op["requestBody"] = {{"required", true}, {"content", {{"multipart/form-data", {{"schema", pg::server::ref(request.substr(10))}}}}}};
  else if (!request.empty())
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", pg::server::ref(request)}}}}}};
  const std::string response = d.response;
  oj content;
  if (response.find('/') != std::string::npos) content[response] = {{"schema", str()}};
  else content["application/json"] = {{"schema", ref(response)}};
  const bool streams = std::string(d.summary).find("SSE") != std::string::npos;
  if (streams) content["text/event-stream"] = {{"schema", str()}};
  if (std::string(d.tag) == "ollama" && std::string(d.summary).find("NDJSON") != std::string::npos)
    content["application/x-ndjson"] = {{"schema", str()}};
  const bool created = std::string(d.method) == "POST" &&
                       (path == "/api/v1/conversations" || path == "/api/v1/users" || path == "/api/v1/auth/keys" ||
                        path == "/api/v1/conversations/{id}/messages" || path == "/api/v1/collections");
  const bool accepted = std::string(d.method) == "POST" && (path == "/api/v1/collections/{id}/documents" ||
                                                            path == "/api/v1/conversations/{id}/documents" ||
                                                            path == "/api/v1/models/pull" ||
                                                            path.find("/reindex") != std::string::npos);
  oj responses;
  responses[created ? "201" : accepted ? "202" : "200"] = {{"description", "Success"}, {"content", content}};
  std::vector<int> errors = d.errors;
  if (d.access != Access::Public) errors.push_back(401);
  if (d.access == Access::Admin) errors.push_back(403);
  errors.push_back(500);
  std::sort(errors.begin(), errors.end());
  errors.erase(std::unique(errors.begin(), errors.end()), errors.end());
  const bool ollama = is_ollama_path(path);
  for (int e : errors)
    responses[std::to_string(e)] = {
        {"description", status_text(e)},
        {"content", {{"application/json", {{"schema", ref(ollama ? "OllamaError" : "Error")}}}}}};
  op["responses"] = responses;
  if (d.access == Access::Public) op["security"] = oj::array();
  return op;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> described_routes() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RouteDoc& d : route_docs()) out.emplace_back(d.method, d.path);
  return out;
}

nlohmann::ordered_json openapi_document() {
  oj paths = oj::object();
  for (const RouteDoc& d : route_docs()) {
    std::string method = d.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    paths[d.path][method] = operation(d);
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Mistral Playground"},
            {"version", PG_VERSION},
            {"description", "Our API under /api/v1, OpenAI-compatible routes under /v1, Ollama-compatible routes under "
                            "/api. With auth on, send `Authorization: Bearer <access token or API key>`."}}},
          {"paths", paths},
          {"components",
           {{"schemas", schemas()},
            {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"},
                                             {"description", "An access token from /api/v1/auth/login or an API key (pgk_...)"}}}}}}},
          {"security", oj::array({{{"bearer", oj::array()}}})}};
}

std::string find_swagger_ui_dir(const std::string& configured) {
  namespace fs = std::filesystem;
  if (!configured.empty()) return configured;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& dir : {exe.parent_path() / "swagger-ui", exe.parent_path() / "../share/playground/swagger-ui"})
      if (fs::is_regular_file(dir / "swagger-ui-bundle.js", ec)) return fs::weakly_canonical(dir, ec).string();
  }
  return PG_SWAGGER_UI_DIR;
}

// Starts Swagger UI on /docs (served as /docs/swagger-init.js: the page's
// Content-Security-Policy allows no inline script).
constexpr const char* kSwaggerInitScript = R"(// Starts Swagger UI on #swagger-ui with the API description named by its data-url.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: root.getAttribute("data-url"), dom_id: "#swagger-ui", validatorUrl: null});
})();
)";

void add_docs_routes(RouteTable& routes, ServerContext& ctx) {
  auto document = std::make_shared<std::string>(dump_json(openapi_document()));
  routes.add("GET", "/openapi.json", "/openapi.json", [document](const ApiRequest&, httplib::Response& res) {
    res.status = 200;
    res.set_content(*document, "application/json");
  });
  // No inline script: the page's Content-Security-Policy allows scripts from /docs only.
  routes.add("GET", "/docs", "/docs", [](const ApiRequest&, httplib::Response& res) {
    res.status = 200;
    set_page_security_headers(res, kDocsContentSecurityPolicy);
    res.set_content(R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Mistral Playground API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="/openapi.json"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-init.js"></script>
</body></html>
)",
                    "text/html; charset=utf-8");
  });
  const std::string dir = find_swagger_ui_dir(ctx.config().docs_dir);
  routes.add("GET", R"(/docs/([A-Za-z0-9._-]{1,64}))", "/docs/{file}", [dir](const ApiRequest& req, httplib::Response& res) {
    const std::string file = req.http.matches[1];
    if (file == "swagger-init.js") {  // ours, not Swagger UI's: starts it without an inline script
      res.status = 200;
      set_file_security_headers(res);
      res.set_header("Cache-Control", "no-cache");
      res.set_content(kSwaggerInitScript, "text/javascript; charset=utf-8");
      return;
    }
    static const std::pair<const char*, const char*> kAssets[] = {{"swagger-ui.css", "text/css"},
                                                                  {"swagger-ui-bundle.js", "text/javascript"},
                                                                  {"favicon-32x32.png", "image/png"},
                                                                  {"favicon-16x16.png", "image/png"}};
    for (const auto& [name, type] : kAssets) {
      if (file != name) continue;
      std::ifstream in(std::filesystem::path(dir) / name, std::ios::binary);
      if (!in)  // the message never names the directory: a 404 must not reveal server paths
        throw ApiError(404, "not_found", "Swagger UI file " + file +
                                             " is not installed on this server (run `npm ci` in tools/swagger-ui, or "
                                             "set docs_dir)");
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      res.status = 200;
      set_file_security_headers(res);
      res.set_header("Cache-Control", "public, max-age=3600");
      res.set_content(std::move(bytes), type);
      return;
    }
    throw ApiError(404, "not_found", "no documentation file '" + file + "'");
  });
}

}  // namespace pg::server
