// What one remote inference provider is: its name (the prefix of its models'
// names), its kind (the wire protocol: "openai" for vLLM, llama.cpp's server,
// LM Studio and other OpenAI-compatible servers; "ollama"), its endpoints, its
// API key, its timeouts and robustness settings and its fallback model. Parsed
// from the config file's [[providers]] tables and from the admin API's JSON;
// validation rejects anything that could not work. Never logs the API key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace pg::providers {

enum class ProviderKind { OpenAi, Ollama };
std::string kind_name(ProviderKind kind);
Result<ProviderKind> parse_kind(const std::string& text);

struct ProviderConfig {
  std::string name;                    // [A-Za-z0-9_-], 1..64: models appear as "name/model"
  ProviderKind kind = ProviderKind::OpenAi;
  std::vector<std::string> base_urls;  // http(s)://host[:port][/path]; one or several endpoints
  std::string api_key;                 // sent as "Authorization: Bearer KEY"; never returned
  int64_t connect_timeout_ms = 3000;   // per connection attempt
  int64_t first_byte_timeout_ms = 30000;  // from request sent to the reply's headers; also the idle limit between chunks
  int64_t total_timeout_ms = 600000;      // from start to the last byte, retries included
  int max_retries = 2;                 // extra attempts before the first token (0 = none)
  int64_t backoff_base_ms = 200;       // first retry waits about this long, doubling each time
  int64_t backoff_max_ms = 5000;       // no wait longer (Retry-After is honoured up to total_timeout_ms)
  int breaker_failures = 5;            // consecutive failures that open an endpoint's breaker
  int64_t breaker_open_ms = 30000;     // how long it stays open before one trial request (half-open)
  int64_t refresh_seconds = 60;        // model list refresh and health check period (0 = only on demand)
  std::string fallback_model;          // used when the asked model is unavailable: "model" (same provider) or "other/model"
  int64_t context_size = 4096;         // assumed context of its models (RAG prompt budget)
  int64_t embedding_max_tokens = 512;  // assumed input limit of its embedding models (RAG chunking)
};

// Checks every field (name syntax, URLs, ranges); the error names the field and the provider.
Status validate(const ProviderConfig& config);

// A [[providers]] table of the config file (converted to JSON) or the admin
// API's body; `base` supplies the values of absent fields (an update). Unknown
// keys and wrong types are errors naming the key. The result is validated.
Result<ProviderConfig> provider_from_json(const nlohmann::json& body, const ProviderConfig& base);
// As the API shows it: every field but api_key, plus has_api_key.
nlohmann::json provider_to_json(const ProviderConfig& config);
// Every field, api_key included, for storing (encrypted) in the database.
nlohmann::json provider_to_storage_json(const ProviderConfig& config);

}  // namespace pg::providers
