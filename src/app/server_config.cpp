// Layered configuration; see server_config.h.
#include "app/server_config.h"

#include "util/env_lookup.h"

#include "models/memory_estimate.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <toml++/toml.h>

#include "providers/endpoint_address.h"
#include "app/dotenv.h"

namespace pg::app {
namespace {

const std::vector<ConfigKey> kKeys = {
    {"host", "PLAYGROUND_HOST", "127.0.0.1", "address to listen on (loopback by default)"},
    {"port", "PLAYGROUND_PORT", "8080", "TCP port; 0 picks a free port"},
    {"data_dir", "PLAYGROUND_DATA_DIR", "$XDG_DATA_HOME/playground or ~/.local/share/playground",
     "data directory (database, models)"},
    {"model", "PLAYGROUND_MODEL", "the demo model (stories260K)",
     "default model: a name from models_dir or a GGUF path"},
    {"models_dir", "PLAYGROUND_MODELS_DIR", "<data_dir>/models", "directory of GGUF files served by file stem"},
    {"threads", "PLAYGROUND_THREADS", "0 (physical cores)", "compute threads per loaded model"},
    {"ctx_size", "PLAYGROUND_CTX_SIZE", "0 (the model's, at most 4096)", "context length of each slot"},
    {"cache_type_k", "PLAYGROUND_CACHE_TYPE_K", "f16",
     "KV cache type of the keys (llama.cpp's -ctk): f16, f32, q8_0 (about half of f16's memory) or q4_0 (about a "
     "quarter, least precise); q8_0 and q4_0 need attention heads of a multiple of 32 values"},
    {"cache_type_v", "PLAYGROUND_CACHE_TYPE_V", "f16", "KV cache type of the values (llama.cpp's -ctv): as cache_type_k"},
    {"slots", "PLAYGROUND_SLOTS", "4", "parallel sequences per model"},
    {"queue_size", "PLAYGROUND_QUEUE_SIZE", "16", "requests that may wait for a slot (then 429)"},
    {"request_timeout", "PLAYGROUND_REQUEST_TIMEOUT", "600", "seconds a generation may take, queueing included"},
    {"max_body_bytes", "PLAYGROUND_MAX_BODY_BYTES", "4194304", "largest request body (then 413)"},
    {"cors_origins", "PLAYGROUND_CORS_ORIGINS", "(none)", "comma-separated browser origins allowed by CORS; * = any"},
    {"allowed_hosts", "PLAYGROUND_ALLOWED_HOSTS", "(loopback: localhost names, IP literals, this machine's name; elsewhere: any)",
     "comma-separated host names the server answers to (Host header; .example.com allows subdomains; * = any): "
     "a defence against DNS rebinding"},
    {"max_connections", "PLAYGROUND_MAX_CONNECTIONS", "1024", "open client connections in all (then 503)"},
    {"max_connections_per_ip", "PLAYGROUND_MAX_CONNECTIONS_PER_IP", "64",
     "open connections of one client address (then 429)"},
    {"header_timeout", "PLAYGROUND_HEADER_TIMEOUT", "10", "seconds a request's line and headers may take to arrive (then 408)"},
    {"body_timeout", "PLAYGROUND_BODY_TIMEOUT", "20",
     "seconds for a request body to start arriving; every 500 bytes received add one second (then 408)"},
    {"log_level", "PLAYGROUND_LOG_LEVEL", "info", "trace, debug, info, warn, error or off"},
    {"log_format", "PLAYGROUND_LOG_FORMAT", "text", "text or json (one object per line)"},
    {"prompt_chunk", "PLAYGROUND_PROMPT_CHUNK", "256", "prompt tokens evaluated per scheduler step"},
    {"http_threads", "PLAYGROUND_HTTP_THREADS", "0 (slots + queue_size + 8)", "HTTP worker threads"},
    {"database", "PLAYGROUND_DATABASE", "<data_dir>/playground.db", "SQLite database file (users, keys, conversations)"},
    {"auth", "PLAYGROUND_AUTH", "auto", "auto (required unless bound to loopback), on, or off (loopback only)"},
    {"secret", "PLAYGROUND_SECRET", "(generated into <data_dir>/secret)", "key that signs access tokens, at least 32 bytes"},
    {"token_ttl", "PLAYGROUND_TOKEN_TTL", "86400", "seconds an access token from login stays valid"},
    {"password_cost", "PLAYGROUND_PASSWORD_COST", "moderate",
     "argon2id cost of new password hashes: min (tests only), interactive, moderate, sensitive"},
    {"login_account_failures", "PLAYGROUND_LOGIN_ACCOUNT_FAILURES", "10",
     "failed logins of one user name within login_account_window before it is locked out (429); 0 = no limit"},
    {"login_account_window", "PLAYGROUND_LOGIN_ACCOUNT_WINDOW", "900",
     "seconds over which an account's failed logins count; the first lockout lasts as long, each next one twice as long"},
    {"login_ip_failures", "PLAYGROUND_LOGIN_IP_FAILURES", "20",
     "failed logins from one client address within login_ip_window before it is locked out (429); 0 = no limit"},
    {"login_ip_window", "PLAYGROUND_LOGIN_IP_WINDOW", "300",
     "seconds over which an address's failed logins count; the first lockout lasts as long, each next one twice as long"},
    {"login_max_lockout", "PLAYGROUND_LOGIN_MAX_LOCKOUT", "86400", "longest lockout, in seconds (the doubling stops there)"},
    {"login_tracked_keys", "PLAYGROUND_LOGIN_TRACKED_KEYS", "10000",
     "user names and client addresses the login throttle remembers (each); the least recently failed is forgotten first"},
    {"password_hash_concurrency", "PLAYGROUND_PASSWORD_HASH_CONCURRENCY", "2",
     "password hashes (login, user creation, password change) that run at once; each takes the cost's memory"},
    {"password_hash_wait", "PLAYGROUND_PASSWORD_HASH_WAIT", "5",
     "seconds a request waits for a password-hash slot before it is answered 503 busy"},
    {"documents_dir", "PLAYGROUND_DOCUMENTS_DIR", "<data_dir>/documents",
     "where uploaded documents are kept (a path all instances share when they use one PostgreSQL database)"},
    {"docs_dir", "PLAYGROUND_DOCS_DIR", "(found next to the binary or the sources)",
     "directory with the Swagger UI files served at /docs"},
    {"web_dir", "PLAYGROUND_WEB_DIR", "(found next to the binary or the sources)",
     "directory of the built web UI (index.html, assets/) served at /"},
    {"max_upload_bytes", "PLAYGROUND_MAX_UPLOAD_BYTES", "104857600", "largest document file accepted (then that file fails)"},
    {"max_upload_total_bytes", "PLAYGROUND_MAX_UPLOAD_TOTAL_BYTES", "1073741824", "largest upload request (then 413)"},
    {"max_upload_files", "PLAYGROUND_MAX_UPLOAD_FILES", "100", "files in one upload request (then 400)"},
    {"max_document_pages", "PLAYGROUND_MAX_DOCUMENT_PAGES", "5000", "pages of one PDF (then that file fails)"},
    {"ingest_lease", "PLAYGROUND_INGEST_LEASE", "30",
     "seconds an instance holds a document it ingests; another instance takes it over after that if it died"},
    {"pull_lease", "PLAYGROUND_PULL_LEASE", "30",
     "seconds an instance holds a model pull it runs; other instances show it as failed after that if it died"},
    {"rag_context_share", "PLAYGROUND_RAG_CONTEXT_SHARE", "0.75",
     "share of the context left after the question and the answer's max_tokens that sources may fill"},
    {"memory_budget", "PLAYGROUND_MEMORY_BUDGET", "auto (75% of physical RAM)",
     "memory the loaded models may use together (weights + KV cache; MoE models: dense weights and the experts "
     "one token uses): 8GiB, 512MiB, 60%, auto; "
     "least recently used idle models are unloaded to make room"},
    {"keep_alive", "PLAYGROUND_KEEP_ALIVE", "5m",
     "how long an idle model stays loaded (Ollama's keep_alive: 30s, 5m, 1h; 0 unloads after each request; -1 never)"},
    {"allow_link_local_providers", "PLAYGROUND_ALLOW_LINK_LOCAL_PROVIDERS", "false",
     "true lets providers use link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10), refused otherwise"},
};

Result<int64_t> parse_int(const std::string& text, int64_t min, int64_t max) {
  if (text.empty()) return Error{"is empty, expected an integer"};
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used, 10);
  } catch (...) {
    return Error{"'" + text + "' is not an integer"};
  }
  if (used != text.size()) return Error{"'" + text + "' is not an integer"};
  if (v < min || v > max)
    return Error{"'" + text + "' is outside the allowed range " + std::to_string(min) + " to " + std::to_string(max)};
  return static_cast<int64_t>(v);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    pos = comma + 1;
  }
  return out;
}

// Applies one key's textual value; errors say what is wrong with the value.
Status apply(ServerConfig& c, const std::string& key, const std::string& v) {
  auto set_int = [&](auto& field, int64_t min, int64_t max) -> Status {
    auto r = parse_int(v, min, max);
    if (!r) return Status::error(r.error());
    field = static_cast<std::remove_reference_t<decltype(field)>>(*r);
    return Status::ok();
  };
  auto set_choice = [&](std::string& field, std::initializer_list<const char*> choices) -> Status {
    for (const char* ch : choices)
      if (v == ch) {
        field = v;
        return Status::ok();
      }
    std::string list;
    for (const char* ch : choices) list += std::string(list.empty() ? "" : ", ") + ch;
    return Status::error("'" + v + "' is not one of " + list);
  };
  if (key == "host") {
    if (v.empty()) return Status::error("is empty");
    c.host = v;
  } else if (key == "port") {
    return set_int(c.port, 0, 65535);
  } else if (key == "data_dir") {
    if (v.empty()) return Status::error("is empty");
    c.data_dir = v;
  } else if (key == "model") {
    c.model = v;
  } else if (key == "models_dir") {
    c.models_dir = v;
  } else if (key == "threads") {
    return set_int(c.threads, 0, 1024);
  } else if (key == "ctx_size") {
    return set_int(c.ctx_size, 0, int64_t{1} << 20);
  } else if (key == "cache_type_k" || key == "cache_type_v") {
    auto type = models::parse_kv_cache_type(v, key);
    if (!type) return Status::error(type.error());
    (key == "cache_type_k" ? c.cache_types.k : c.cache_types.v) = *type;
  } else if (key == "slots") {
    return set_int(c.slots, 1, 256);
  } else if (key == "queue_size") {
    return set_int(c.queue_size, 0, 100000);
  } else if (key == "request_timeout") {
    return set_int(c.request_timeout, 1, 7 * 86400);
  } else if (key == "max_body_bytes") {
    return set_int(c.max_body_bytes, 1024, int64_t{1} << 32);
  } else if (key == "cors_origins") {
    c.cors_origins = split_list(v);
  } else if (key == "allowed_hosts") {
    c.allowed_hosts = split_list(v);
  } else if (key == "max_connections") {
    return set_int(c.max_connections, 16, 1000000);
  } else if (key == "max_connections_per_ip") {
    return set_int(c.max_connections_per_ip, 1, 1000000);
  } else if (key == "header_timeout") {
    return set_int(c.header_timeout, 1, 3600);
  } else if (key == "body_timeout") {
    return set_int(c.body_timeout, 1, 3600);
  } else if (key == "log_level") {
    return set_choice(c.log_level, {"trace", "debug", "info", "warn", "error", "off"});
  } else if (key == "log_format") {
    return set_choice(c.log_format, {"text", "json"});
  } else if (key == "prompt_chunk") {
    return set_int(c.prompt_chunk, 1, 65536);
  } else if (key == "http_threads") {
    return set_int(c.http_threads, 0, 4096);
  } else if (key == "database") {
    c.database = v;
  } else if (key == "auth") {
    return set_choice(c.auth, {"auto", "on", "off"});
  } else if (key == "secret") {
    if (!v.empty() && v.size() < 32) return Status::error("is shorter than 32 bytes");
    c.secret = v;
  } else if (key == "token_ttl") {
    return set_int(c.token_ttl, 1, int64_t{365} * 86400);
  } else if (key == "password_cost") {
    return set_choice(c.password_cost, {"min", "interactive", "moderate", "sensitive"});
  } else if (key == "login_account_failures") {
    return set_int(c.login_account_failures, 0, 100);
  } else if (key == "login_account_window") {
    return set_int(c.login_account_window, 1, 86400);
  } else if (key == "login_ip_failures") {
    return set_int(c.login_ip_failures, 0, 100000);
  } else if (key == "login_ip_window") {
    return set_int(c.login_ip_window, 1, 86400);
  } else if (key == "login_max_lockout") {
    return set_int(c.login_max_lockout, 1, int64_t{30} * 86400);
  } else if (key == "login_tracked_keys") {
    return set_int(c.login_tracked_keys, 16, 10000000);
  } else if (key == "password_hash_concurrency") {
    return set_int(c.password_hash_concurrency, 1, 256);
  } else if (key == "password_hash_wait") {
    return set_int(c.password_hash_wait, 0, 600);
  } else if (key == "documents_dir") {
    if (v.empty()) return Status::error("is empty");
    c.documents_dir = v;
  } else if (key == "docs_dir") {
    c.docs_dir = v;
  } else if (key == "web_dir") {
    c.web_dir = v;
  } else if (key == "max_upload_bytes") {
    return set_int(c.max_upload_bytes, 1, int64_t{1} << 40);
  } else if (key == "max_upload_total_bytes") {
    return set_int(c.max_upload_total_bytes, 1024, int64_t{1} << 42);
  } else if (key == "max_upload_files") {
    return set_int(c.max_upload_files, 1, 10000);
  } else if (key == "max_document_pages") {
    return set_int(c.max_document_pages, 1, 1000000);
  } else if (key == "ingest_lease") {
    return set_int(c.ingest_lease, 2, 86400);
  } else if (key == "pull_lease") {
    return set_int(c.pull_lease, 2, 86400);
  } else if (key == "rag_context_share") {
    char* end = nullptr;
    const double share = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(share >= kMinContextShare && share <= kMaxContextShare))
      return Status::error("is '" + v + "', expected a number from 0.05 to 1");
    c.rag_context_share = share;
  } else if (key == "memory_budget") {
    if (auto b = models::parse_memory_budget(v); !b) return Status::error(b.error());
    c.memory_budget = v;
  } else if (key == "keep_alive") {
    if (auto k = models::parse_keep_alive(v); !k) return Status::error(k.error());
    c.keep_alive = v;
  } else if (key == "allow_link_local_providers") {
    if (v == "true" || v == "1" || v == "yes" || v == "on") c.allow_link_local_providers = true;
    else if (v == "false" || v == "0" || v == "no" || v == "off") c.allow_link_local_providers = false;
    else return Status::error("is '" + v + "', expected true or false");
  } else {
    return Status::error("is not a configuration key");
  }
  return Status::ok();
}

const ConfigKey* find_key(const std::string& name) {
  for (const ConfigKey& k : kKeys)
    if (name == k.name) return &k;
  return nullptr;
}

// TOML values as the text a flag would carry, so one parser checks every layer.
Result<std::string> toml_to_text(const toml::node& node, const std::string& key) {
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
  if (auto b = node.value_exact<bool>()) return std::string(*b ? "true" : "false");
  if (const toml::array* arr = node.as_array()) {
    std::string joined;
    for (const toml::node& item : *arr) {
      auto s = item.value_exact<std::string>();
      if (!s) return Error{"'" + key + "' must be a string or an array of strings"};
      if (s->find(',') != std::string::npos) return Error{"'" + key + "' item '" + *s + "' contains a comma"};
      joined += (joined.empty() ? "" : ",") + *s;
    }
    return joined;
  }
  return Error{"'" + key + "' has a type that is not a string, integer or array of strings"};
}

// A TOML value as JSON (strings, integers, floats, booleans, arrays, tables).
nlohmann::json toml_to_json(const toml::node& node) {
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto i = node.value_exact<int64_t>()) return *i;
  if (auto d = node.value_exact<double>()) return *d;
  if (auto b = node.value_exact<bool>()) return *b;
  if (const toml::array* arr = node.as_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const toml::node& item : *arr) a.push_back(toml_to_json(item));
    return a;
  }
  if (const toml::table* t = node.as_table()) {
    nlohmann::json o = nlohmann::json::object();
    for (auto&& [k, v] : *t) o[std::string(k.str())] = toml_to_json(v);
    return o;
  }
  return nullptr;
}

// The [[providers]] array of tables.
Result<std::vector<providers::ProviderConfig>> read_toml_providers(const toml::node& node, const std::string& path) {
  const toml::array* arr = node.as_array();
  if (!arr) return Error{"config file " + path + ": 'providers' must be an array of tables ([[providers]])"};
  std::vector<providers::ProviderConfig> out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const nlohmann::json j = toml_to_json((*arr)[i]);
    if (!j.is_object()) return Error{"config file " + path + ": providers[" + std::to_string(i) + "] is not a table"};
    auto c = providers::provider_from_json(j, providers::ProviderConfig{});
    if (!c) return Error{"config file " + path + ": providers[" + std::to_string(i) + "]: " + c.error()};
    for (const auto& other : out)
      if (other.name == c->name) return Error{"config file " + path + ": two providers are named '" + c->name + "'"};
    out.push_back(std::move(*c));
  }
  return out;
}

Result<std::map<std::string, std::string>> read_toml_file(const std::string& path,
                                                          std::vector<providers::ProviderConfig>* providers_out) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error{"config file " + path + ": line " + std::to_string(where.line) + ", column " +
                 std::to_string(where.column) + ": " + std::string(e.description())};
  }
  std::map<std::string, std::string> out;
  for (auto&& [k, node] : table) {
    const std::string key(k.str());
    if (key == "providers") {
      auto p = read_toml_providers(node, path);
      if (!p) return Error{p.error()};
      *providers_out = std::move(*p);
      continue;
    }
    if (!find_key(key)) return Error{"config file " + path + ": unknown key '" + key + "'"};
    auto text = toml_to_text(node, key);
    if (!text) return Error{"config file " + path + ": " + text.error()};
    out[key] = *text;
  }
  return out;
}

std::string default_data_dir(const std::function<std::optional<std::string>(const std::string&)>& env) {
  if (auto x = env("XDG_DATA_HOME"); x && !x->empty()) return *x + "/playground";
  if (auto h = env("HOME"); h && !h->empty()) return *h + "/.local/share/playground";
  return ".playground";
}

std::string default_config_file(const std::function<std::optional<std::string>(const std::string&)>& env) {
  std::string dir;
  if (auto x = env("XDG_CONFIG_HOME"); x && !x->empty()) dir = *x;
  else if (auto h = env("HOME"); h && !h->empty()) dir = *h + "/.config";
  else return "";
  const std::string path = dir + "/playground/config.toml";
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : "";
}

}  // namespace

const std::vector<ConfigKey>& config_keys() { return kKeys; }

std::string flag_name(const ConfigKey& key) {
  std::string f = std::string("--") + key.name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

Result<ServerConfig> load_server_config(const ConfigInputs& inputs) {
  const EnvLookup env = inputs.getenv ? inputs.getenv : process_environment();
  auto dotenv = read_dotenv_file(inputs.env_file);
  if (!dotenv) return Error{dotenv.error()};

  std::string config_file = inputs.config_file;
  if (config_file.empty()) {
    if (auto e = env("PLAYGROUND_CONFIG"); e && !e->empty()) config_file = *e;
    else if (auto it = dotenv->find("PLAYGROUND_CONFIG"); it != dotenv->end() && !it->second.empty())
      config_file = it->second;
    else config_file = default_config_file(env);
  }
  std::map<std::string, std::string> toml_values;
  std::vector<providers::ProviderConfig> toml_providers;
  if (!config_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(config_file, ec))
      return Error{"config file " + config_file + " does not exist or is not a file"};
    auto t = read_toml_file(config_file, &toml_providers);
    if (!t) return Error{t.error()};
    toml_values = std::move(*t);
  }

  ServerConfig c;
  c.config_file = config_file;
  c.providers = std::move(toml_providers);
  for (const ConfigKey& k : kKeys) {
    const std::string name = k.name;
    std::optional<std::string> value;
    std::string source = "default", where;
    if (auto it = inputs.flags.find(name); it != inputs.flags.end()) {
      value = it->second, source = "flag", where = "flag " + flag_name(k);
    } else if (auto e = env(k.env)) {
      value = *e, source = "env", where = "environment variable " + std::string(k.env);
    } else if (auto d = dotenv->find(k.env); d != dotenv->end()) {
      value = d->second, source = ".env", where = inputs.env_file + " entry " + std::string(k.env);
    } else if (auto t = toml_values.find(name); t != toml_values.end()) {
      value = t->second, source = "toml", where = config_file + " key " + name;
    }
    if (value) {
      if (Status s = apply(c, name, *value); !s) return Error{where + ": " + s.message()};
    }
    c.sources[name] = source;
  }
  for (const auto& [name, value] : inputs.flags)
    if (!find_key(name)) return Error{"unknown configuration key '" + name + "'"};
  if (!c.allow_link_local_providers)
    for (const providers::ProviderConfig& p : c.providers)
      if (Status s = providers::check_not_link_local(p); !s) return Error{"config file " + config_file + ": " + s.message()};
  if (c.data_dir.empty()) c.data_dir = default_data_dir(env);
  if (c.models_dir.empty()) c.models_dir = c.data_dir + "/models";
  if (c.documents_dir.empty()) c.documents_dir = c.data_dir + "/documents";
  c.endpoints = models::endpoints_from(env);
  return c;
}

}  // namespace pg::app
