// Configuration of `playground serve`: one table of keys, each settable by a
// command-line flag (--key-name), an environment variable (PLAYGROUND_KEY_NAME),
// a `.env` file entry (same name) and a TOML config file (key_name = ...), in
// that order of precedence over the built-in defaults. docs/CONFIG.md is the
// same table in prose. Loading never changes the process environment.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/kv_cache_choice.h"
#include "models/pull_plan.h"
#include "providers/provider_config.h"
#include "util/env_lookup.h"
#include "util/result.h"

namespace pg::app {

// The range of rag_context_share, also of a request's or conversation's
// `context_share` (the one range both are checked against).
inline constexpr double kMinContextShare = 0.05, kMaxContextShare = 1.0;

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                      // 0: pick a free port
  std::string data_dir;                 // default $XDG_DATA_HOME/playground or ~/.local/share/playground
  std::string model;                    // name or path of the default model; empty: the demo model
  std::string models_dir;               // GGUF files served by name (file stem); default <data_dir>/models
  int threads = 0;                      // compute threads per model; 0: physical cores
  int64_t ctx_size = 0;                 // per slot; 0: the model's training context, at most 4096
  models::KvCacheTypes cache_types;     // cache_type_k, cache_type_v: every loaded model's KV cache (default f16)
  int slots = 4;                        // parallel sequences per model
  int queue_size = 16;                  // requests waiting for a slot before 429
  int request_timeout = 600;            // seconds, from arrival to the last token
  int64_t max_body_bytes = 4 << 20;     // larger request bodies get 413
  std::vector<std::string> cors_origins;  // allowed browser origins ("*" = any); none by default
  std::vector<std::string> allowed_hosts;  // Host names answered; empty: automatic (see request_origin.h)
  int64_t max_connections = 1024;         // open client connections in all
  int64_t max_connections_per_ip = 64;    // open connections of one client address
  int64_t header_timeout = 10;            // seconds for a request head
  int64_t body_timeout = 20;              // seconds for a body to start; +1 s per 500 bytes
  std::string log_level = "info";       // trace, debug, info, warn, error, off
  std::string log_format = "text";      // text or json
  int64_t prompt_chunk = 256;           // prompt tokens evaluated per scheduler step
  int http_threads = 0;                 // HTTP worker threads; 0: slots + queue_size + 8
  std::string database;                 // SQLite file; empty: <data_dir>/playground.db
  std::string auth = "auto";            // auto (on unless bound to loopback), on, off (loopback only)
  std::string secret;                   // token signing key (>= 32 bytes); empty: <data_dir>/secret
  int64_t token_ttl = 86400;            // seconds an access token is valid
  std::string password_cost = "moderate";  // argon2id preset: min (tests), interactive, moderate, sensitive
  // Failed-login throttling (docs/security/auth-limits.md); 0 failures turns a limit off.
  int login_account_failures = 10;      // failed logins of one account name within login_account_window, then a lockout
  int64_t login_account_window = 900;   // seconds; also the first lockout's length (then doubling)
  int login_ip_failures = 20;           // failed logins from one client address within login_ip_window, then a lockout
  int64_t login_ip_window = 300;        // seconds; also the first lockout's length (then doubling)
  int64_t login_max_lockout = 86400;    // seconds a doubling lockout grows to at most
  int64_t login_tracked_keys = 10000;   // account names and addresses remembered each (oldest forgotten first)
  int password_hash_concurrency = 2;    // password hashes/verifications running at once
  int64_t password_hash_wait = 5;       // seconds a request waits for a hash permit before 503 busy
  std::string documents_dir;            // kept uploads; default <data_dir>/documents (shared path for several instances)
  std::string docs_dir;                 // Swagger UI assets; empty: found next to the binary or the sources
  std::string web_dir;                  // built web UI (web/dist); empty: found next to the binary or the sources
  int64_t max_upload_bytes = int64_t{100} << 20;        // per document file
  int64_t max_upload_total_bytes = int64_t{1} << 30;    // per upload request
  int64_t max_upload_files = 100;                       // per upload request
  int64_t max_document_pages = 5000;                    // per PDF
  double rag_context_share = 0.75;                      // of the free context, for sources
  int64_t ingest_lease = 30;  // seconds a worker holds a file it ingests without renewing (several instances)
  int64_t pull_lease = 30;    // seconds an instance holds a model pull it runs without renewing (several instances)
  // Remote inference providers: the config file's [[providers]] tables only (docs/PROVIDERS.md).
  std::vector<providers::ProviderConfig> providers;
  // Where pulls and searches go (HF_ENDPOINT, HF_TOKEN, PLAYGROUND_OLLAMA_REGISTRY).
  models::SourceEndpoints endpoints;
  std::string memory_budget = "auto";   // models' memory together: "8GiB", "60%", "auto" (75% of RAM)
  std::string keep_alive = "5m";        // idle time before a model unloads; "0" right away, "-1" never
  // Providers may point at link-local / cloud metadata addresses (169.254.0.0/16,
  // fe80::/10); refused by default (config file and admin API alike).
  bool allow_link_local_providers = false;

  // Where each key's value came from: "flag", "env", ".env", "toml" or "default".
  std::map<std::string, std::string> sources;
  std::string config_file;  // the TOML file read ("" if none)
};

struct ConfigKey {
  const char* name;         // TOML key; flag is --name with '_' -> '-'
  const char* env;          // environment / .env variable
  const char* default_text;  // for help and docs
  const char* help;
};
// Every key, in documentation order.
const std::vector<ConfigKey>& config_keys();
std::string flag_name(const ConfigKey& key);  // "--data-dir"

struct ConfigInputs {
  std::map<std::string, std::string> flags;  // key name -> value, only for flags given
  std::string config_file;                   // --config; else PLAYGROUND_CONFIG (env, .env), else the XDG file if present
  std::string env_file = ".env";             // --env-file
  // Environment lookup (tests pass their own; empty: the process environment).
  EnvLookup getenv;
};

Result<ServerConfig> load_server_config(const ConfigInputs& inputs);

}  // namespace pg::app
