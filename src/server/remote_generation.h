// The bridge from a route to a remote provider: reads the sampling fields a
// remote model takes, runs the provider call on a worker thread of the
// provider registry and feeds its text into a GenerationJob, so the routes'
// waiting, streaming, cancel-by-id and client-disconnect handling are the
// same as for local models. Applies the provider's fallback model (stated in
// X-Model-Fallback headers and a "fallback" field) and records usage per user
// and provider. Throws ApiError (inside src/server only).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "providers/provider_registry.h"
#include "app/generation_job.h"
#include "app/sampling_options.h"
#include "server/http_util.h"
#include "server/request_fields.h"
#include "server/server_context.h"

namespace pg::server {

// The remote model a request's `model` names, or nullopt for a local model.
std::optional<providers::RemoteModelRef> find_remote(app::Core& core, const std::string& name);

// Sampling options (read by read_sampling_options, as for local models) as
// the provider client takes them: OpenAI names (the client renames them for
// Ollama), repeat_last_n left out.
nlohmann::json remote_sampling_json(const SamplingOptions& options);

struct RemoteStart {
  std::shared_ptr<GenerationJob> job;  // its model() is the full name that serves
  std::string requested;               // the full name asked for
  std::string fallback_reason;         // "" when no fallback happened
  // {"requested", "used", "reason"} or null.
  nlohmann::json fallback_json() const;
  // X-Model-Fallback: used; X-Model-Requested; X-Model-Fallback-Reason (only after a fallback).
  void set_headers(httplib::Response& res) const;
};

// Starts the remote generation and waits until its first text (or its end):
// failures before that become ApiError (503 provider unavailable, 504
// timeout, 404 model not found, the upstream's 4xx), after it a failed event.
RemoteStart start_remote_generation(ServerContext& ctx, const ApiRequest& req, const providers::RemoteModelRef& ref,
                                    providers::RemoteGenerationRequest request, const std::string& id);

// Embeddings of `texts` through the provider (fallback not applied: vectors
// of another model would not match). Throws ApiError on failure.
std::vector<std::vector<float>> remote_embeddings(app::Core& core, const std::string& user,
                                                  const providers::RemoteModelRef& ref,
                                                  const std::vector<std::string>& texts, int64_t* prompt_tokens);

// A request's `input` (a string or an array of strings) as texts; 400 otherwise.
std::vector<std::string> read_remote_inputs(const nlohmann::json* input, const std::string& field);

// Who the usage is recorded for: the username, or "anonymous" with auth off.
std::string usage_user(const ApiRequest& req);

}  // namespace pg::server
