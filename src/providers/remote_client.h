// Talking to one provider over HTTP: its model list, a streamed generation
// (chat or completion) and embeddings, in the provider kind's wire format
// (OpenAI: /v1/models, /v1/chat/completions, /v1/completions, /v1/embeddings
// with Server-Sent Events; Ollama: /api/tags, /api/chat, /api/generate,
// /api/embed with NDJSON). Robustness lives here: the endpoint pool with its
// breakers, retries with backoff before the first token, Retry-After, and the
// connect / first-byte / total timeouts enforced by a watchdog that closes the
// socket, so no call outlives its deadline or its caller's stop request.
// Every reply is treated as hostile: sizes are capped, shapes are checked.
// Never logs or returns the API key.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "providers/backoff.h"
#include "providers/endpoint_pool.h"
#include "providers/provider_config.h"
#include "util/result.h"

namespace pg::providers {

// A generation in provider-neutral terms; the client writes the kind's body.
struct RemoteGenerationRequest {
  std::string model;                                 // the provider's own name of the model
  bool chat = false;
  nlohmann::json messages = nlohmann::json::array();  // chat: [{role, content}]
  std::string prompt;                                // completion
  std::string system;                                // completion: a system prompt ("" = none)
  bool raw = true;                                   // completion: no prompt template (Ollama's raw)
  // OpenAI-named sampling fields (temperature, top_p, top_k, min_p,
  // repeat_penalty, seed, stop, frequency_penalty, presence_penalty), already checked.
  nlohmann::json sampling = nlohmann::json::object();
  std::optional<int64_t> max_tokens;
};

struct RemoteError {
  int status = 502;  // what our API answers: 502 bad upstream reply, 503 unavailable, 504 timeout, or the upstream's 4xx
  std::string code, message;
  bool model_unavailable = false;     // the provider does not have the model (fallback applies)
  bool provider_unavailable = false;  // no endpoint answered (fallback applies)
};

struct RemoteCompletion {
  std::string text;
  std::string finish_reason;  // stop, length, cancelled, timeout (as the upstream said, mapped)
  std::string endpoint;       // the base URL that served it
  int64_t prompt_tokens = 0, completion_tokens = 0;  // as the upstream reported (0 when it did not)
  int attempts = 0;
  double first_token_seconds = -1, total_seconds = 0;
  std::optional<RemoteError> error;  // set when it failed
};

struct StreamCallbacks {
  std::function<void()> on_accepted;                 // the upstream answered 200 (before any text)
  std::function<void(const std::string& text)> on_text;
  std::function<bool()> should_stop;                 // polled often; true closes the upstream request
};

struct EmbeddingReply {
  std::vector<std::vector<float>> vectors;
  int64_t prompt_tokens = 0;
  std::optional<RemoteError> error;
};

// Health and load of one endpoint, for the admin API and metrics.
struct EndpointStatus {
  std::string url;
  std::string breaker;  // closed, open, half_open
  bool healthy = true;
  int outstanding = 0;
  int consecutive_failures = 0;
  uint64_t requests = 0, failures = 0;
};

class RemoteClient {
 public:
  explicit RemoteClient(ProviderConfig config);

  const ProviderConfig& config() const { return config_; }
  // The provider's model names (":latest" tags of Ollama removed). Tries each
  // endpoint the breaker admits, marking its health.
  Result<std::vector<std::string>> list_models();
  // Checks every endpoint once (its model list); updates health and, for a
  // half-open breaker, closes or reopens it.
  void check_health();
  RemoteCompletion generate(const RemoteGenerationRequest& request, const StreamCallbacks& callbacks);
  EmbeddingReply embed(const std::string& model, const std::vector<std::string>& texts,
                       const std::function<bool()>& should_stop);
  std::vector<EndpointStatus> endpoint_status() const;

 private:
  struct Attempt;
  double uniform();

  const ProviderConfig config_;
  const BackoffPolicy backoff_;
  std::shared_ptr<EndpointPool> pool_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

// "http://h:1/x/" -> {"http://h:1", "/x"}; the path never ends with '/'.
std::pair<std::string, std::string> split_base_url(const std::string& url);

}  // namespace pg::providers
