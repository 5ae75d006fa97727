// HTTP exchanges with a provider, with retries, breakers and timeouts; see remote_client.h.
#include "providers/remote_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <set>
#include <thread>

#include <httplib.h>

#include "providers/upstream_text.h"
#include "util/json_guard.h"

namespace pg::providers {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxLineBytes = 4 << 20;         // one SSE / NDJSON line
constexpr size_t kMaxErrorBodyBytes = 64 << 10;   // a non-200 reply's body we keep
constexpr size_t kMaxJsonBodyBytes = 256 << 20;   // a model list or embeddings reply
constexpr auto kWatchdogTick = std::chrono::milliseconds(20);

// One HTTP exchange with one endpoint. A watchdog thread closes the socket
// when the caller asks to stop or the deadline passes.
struct Exchange {
  std::string method = "POST", path, body;
  // 200 replies: called per line when set (false ends the exchange), else the body is collected.
  std::function<bool(std::string_view line)> on_line;
  std::function<void()> on_accepted;
  std::function<bool()> should_stop;
  Clock::time_point deadline;
};

struct ExchangeResult {
  bool transport_error = false;  // no complete reply (connect, read, write or timeout)
  std::string transport_message;
  int status = 0;
  std::string body;  // non-200 (capped) or a collected 200 body
  std::string retry_after;
  bool stopped = false;    // the caller's stop request closed it
  bool timed_out = false;  // the total deadline closed it
  bool too_large = false;
  bool aborted_by_handler = false;
};

ExchangeResult run_exchange(const ProviderConfig& cfg, const std::string& base_url, Exchange& ex) {
  ExchangeResult out;
  auto [origin, prefix] = split_base_url(base_url);
  httplib::Client client(origin);
  if (!client.is_valid()) {
    out.transport_error = true;
    out.transport_message = "endpoint '" + base_url + "' is not a usable http:// or https:// address";
    return out;
  }
  const auto ms = [](int64_t v) { return std::make_pair(static_cast<time_t>(v / 1000), static_cast<time_t>((v % 1000) * 1000)); };
  auto [cs, cu] = ms(cfg.connect_timeout_ms);
  auto [rs, ru] = ms(cfg.first_byte_timeout_ms);
  client.set_connection_timeout(cs, cu);
  client.set_read_timeout(rs, ru);
  client.set_write_timeout(rs, ru);
  client.set_keep_alive(false);

  httplib::Request req;
  req.method = ex.method;
  req.path = prefix + ex.path;
  if (ex.method != "GET") {
    req.body = ex.body;
    req.set_header("Content-Type", "application/json");
  }
  req.set_header("Accept", ex.on_line ? "text/event-stream, application/x-ndjson, application/json" : "application/json");
  if (!cfg.api_key.empty()) req.set_header("Authorization", "Bearer " + cfg.api_key);

  std::string pending;  // a partial line
  bool ok_status = false;
  req.response_handler = [&](const httplib::Response& r) {
    out.status = r.status;
    out.retry_after = r.get_header_value("Retry-After");
    ok_status = r.status == 200;
    if (ok_status && ex.on_accepted) ex.on_accepted();
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (!ok_status) {
      if (out.body.size() < kMaxErrorBodyBytes) out.body.append(data, std::min(n, kMaxErrorBodyBytes - out.body.size()));
      return true;
    }
    if (!ex.on_line) {
      if (out.body.size() + n > kMaxJsonBodyBytes) {
        out.too_large = true;
        return false;
      }
      out.body.append(data, n);
      return true;
    }
    pending.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!ex.on_line(line)) {
        out.aborted_by_handler = true;
        return false;
      }
    }
    pending.erase(0, start);
    if (pending.size() > kMaxLineBytes) {
      out.too_large = true;
      return false;
    }
    return true;
  };

  // The watchdog: closes the socket on a stop request or at the deadline.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::atomic<bool> stopped{false}, timed_out{false};
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    while (!done) {
      cv.wait_for(lock, kWatchdogTick);
      if (done) break;
      if (ex.should_stop && ex.should_stop()) stopped = true;
      else if (Clock::now() >= ex.deadline) timed_out = true;
      else continue;
      client.stop();
      break;
    }
  });
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = client.send(req, res, err);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  out.stopped = stopped;
  out.timed_out = timed_out;
  if (!sent && !out.aborted_by_handler && !out.too_large && !out.stopped && !out.timed_out) {
    // A complete line left without its newline still counts (a last NDJSON line).
    out.transport_error = true;
    out.transport_message = httplib::to_string(err);
  }
  if (sent && ok_status && ex.on_line && !pending.empty()) {
    std::string_view line(pending);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ex.on_line(line);
  }
  return out;
}

bool retryable_status(int status) { return status == 429 || (status >= 500 && status <= 599); }

std::string map_finish(const std::string& reason) {
  if (reason == "length") return "length";
  return "stop";
}

RemoteError make_error(int status, std::string code, std::string message) {
  RemoteError e;
  e.status = status;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

// The kind's request body of a generation, always streamed.
nlohmann::json generation_body(const ProviderConfig& cfg, const RemoteGenerationRequest& r) {
  nlohmann::json body;
  body["model"] = r.model;
  body["stream"] = true;
  if (cfg.kind == ProviderKind::OpenAi) {
    if (r.chat) body["messages"] = r.messages;
    else body["prompt"] = r.system.empty() ? r.prompt : r.system + "\n\n" + r.prompt;
    body["stream_options"] = {{"include_usage", true}};
    for (const auto& [k, v] : r.sampling.items()) body[k] = v;
    if (r.max_tokens) body["max_tokens"] = *r.max_tokens;
  } else {
    if (r.chat) {
      body["messages"] = r.messages;
    } else {
      body["prompt"] = r.prompt;
      if (!r.system.empty()) body["system"] = r.system;
      body["raw"] = r.raw;
    }
    nlohmann::json options = nlohmann::json::object();
    for (const auto& [k, v] : r.sampling.items()) options[k] = v;
    if (r.max_tokens) options["num_predict"] = *r.max_tokens;
    body["options"] = options;
  }
  return body;
}

}  // namespace

std::pair<std::string, std::string> split_base_url(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t slash = url.find('/', host_start);
  std::string origin = slash == std::string::npos ? url : url.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return {origin, path};
}

RemoteClient::RemoteClient(ProviderConfig config)
    : config_(std::move(config)),
      backoff_{config_.backoff_base_ms, config_.backoff_max_ms},
      pool_(std::make_shared<EndpointPool>(config_.base_urls, config_.breaker_failures,
                                           std::chrono::milliseconds(config_.breaker_open_ms))),
      rng_(std::random_device{}()) {}

double RemoteClient::uniform() {
  std::lock_guard lock(rng_mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

// The API path of an operation for this kind, under the base URL's path
// (OpenAI kind: "/v1" is added unless the base URL already ends with it).
static std::string api_path(const ProviderConfig& cfg, const std::string& base_url, const std::string& op) {
  if (cfg.kind == ProviderKind::Ollama) {
    if (op == "models") return "/api/tags";
    if (op == "chat") return "/api/chat";
    if (op == "completion") return "/api/generate";
    return "/api/embed";
  }
  const std::string prefix = split_base_url(base_url).second;
  const bool has_v1 = prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0;
  const std::string v1 = has_v1 ? "" : "/v1";
  if (op == "models") return v1 + "/models";
  if (op == "chat") return v1 + "/chat/completions";
  if (op == "completion") return v1 + "/completions";
  return v1 + "/embeddings";
}

Result<std::vector<std::string>> RemoteClient::list_models() {
  std::string last_error = "no endpoint is available (every circuit breaker is open)";
  std::set<std::string> tried;
  for (size_t i = 0; i < pool_->endpoints().size(); ++i) {
    auto lease = pool_->acquire(Clock::now(), tried);
    if (!lease) break;
    const std::string url = lease->endpoint().url;
    tried.insert(url);
    Exchange ex;
    ex.method = "GET";
    ex.path = api_path(config_, url, "models");
    ex.deadline = Clock::now() + std::chrono::milliseconds(config_.connect_timeout_ms + config_.first_byte_timeout_ms);
    ExchangeResult r = run_exchange(config_, url, ex);
    if (r.transport_error || r.timed_out || r.status != 200) {
      lease->failed(Clock::now());
      lease->endpoint().healthy = false;
      last_error = url + ": " + (r.transport_error ? r.transport_message
                                 : r.timed_out     ? std::string("timed out")
                                                   : "answered HTTP " + std::to_string(r.status) + ": " + upstream_message(r.body));
      continue;
    }
    const nlohmann::json j = parse_json_or_discarded(r.body);
    const char* list_key = config_.kind == ProviderKind::Ollama ? "models" : "data";
    const char* name_key = config_.kind == ProviderKind::Ollama ? "name" : "id";
    if (!j.is_object() || !j.contains(list_key) || !j[list_key].is_array()) {
      lease->failed(Clock::now());
      last_error = url + ": the model list is not an object with a '" + list_key + "' array";
      continue;
    }
    lease->succeeded();
    lease->endpoint().healthy = true;
    std::vector<std::string> names;
    for (const auto& m : j[list_key]) {
      if (!m.is_object() || !m.contains(name_key) || !m[name_key].is_string()) continue;
      std::string n = m[name_key].get<std::string>();
      if (n.size() > 7 && n.compare(n.size() - 7, 7, ":latest") == 0) n.resize(n.size() - 7);
      if (n.empty() || n.size() > 200) continue;
      names.push_back(std::move(n));
      if (names.size() >= 10000) break;
    }
    return names;
  }
  return Error{"provider '" + config_.name + "': cannot list models: " + last_error};
}

void RemoteClient::check_health() {
  for (const auto& e : pool_->endpoints()) {
    Exchange ex;
    ex.method = "GET";
    ex.path = api_path(config_, e->url, "models");
    ex.deadline = Clock::now() + std::chrono::milliseconds(config_.connect_timeout_ms + config_.first_byte_timeout_ms);
    ExchangeResult r = run_exchange(config_, e->url, ex);
    const bool ok = !r.transport_error && !r.timed_out && r.status == 200;
    e->healthy = ok;
    const BreakerState s = e->breaker.state(Clock::now());
    if (ok && s != BreakerState::Closed && s != BreakerState::Open) e->breaker.record_success();
    if (!ok) e->breaker.record_failure(Clock::now());
  }
}

RemoteCompletion RemoteClient::generate(const RemoteGenerationRequest& request, const StreamCallbacks& cb) {
  RemoteCompletion out;
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::milliseconds(config_.total_timeout_ms);
  const std::string body = generation_body(config_, request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::set<std::string> tried;
  auto stop_requested = [&] { return cb.should_stop && cb.should_stop(); };
  std::optional<RemoteError> last;
  for (int attempt = 0; attempt <= config_.max_retries; ++attempt) {
    if (stop_requested()) {
      out.finish_reason = "cancelled";
      return out;
    }
    auto lease = pool_->acquire(Clock::now(), tried);
    if (!lease) {
      if (!last) last = make_error(503, "provider_unavailable",
                                   "provider '" + config_.name + "': every endpoint's circuit breaker is open");
      break;
    }
    const std::string url = lease->endpoint().url;
    tried.insert(url);
    ++out.attempts;
    bool any_text = false;
    std::optional<RemoteError> stream_error;
    Exchange ex;
    ex.path = api_path(config_, url, request.chat ? "chat" : "completion");
    ex.body = body;
    ex.deadline = deadline;
    ex.should_stop = cb.should_stop;
    auto text = [&](const std::string& piece) {
      if (piece.empty()) return;
      if (!any_text) {
        out.first_token_seconds = std::chrono::duration<double>(Clock::now() - started).count();
        if (cb.on_accepted) cb.on_accepted();
      }
      any_text = true;
      out.text += piece;
      if (cb.on_text) cb.on_text(piece);
    };
    ex.on_line = [&](std::string_view line) {
      if (line.empty()) return true;
      nlohmann::json j;
      if (config_.kind == ProviderKind::OpenAi) {
        if (line.rfind("data:", 0) != 0) return true;  // comments, event names
        std::string_view data = line.substr(5);
        while (!data.empty() && data.front() == ' ') data.remove_prefix(1);
        if (data == "[DONE]") return false;  // the end
        j = parse_json_or_discarded(data);
      } else {
        j = parse_json_or_discarded(line);
      }
      if (!j.is_object()) {
        stream_error = make_error(502, "upstream_bad_reply", "provider '" + config_.name + "' sent a line that is not a JSON object");
        return false;
      }
      if (j.contains("error")) {
        stream_error = make_error(502, "upstream_error", "provider '" + config_.name + "': " + upstream_message(j, config_.kind == ProviderKind::OpenAi ? line.substr(std::min<size_t>(line.size(), 5)) : line));
        return false;
      }
      if (config_.kind == ProviderKind::OpenAi) {
        if (j.contains("usage") && j["usage"].is_object()) {
          const auto& u = j["usage"];
          if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer()) out.prompt_tokens = u["prompt_tokens"].get<int64_t>();
          if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer())
            out.completion_tokens = u["completion_tokens"].get<int64_t>();
        }
        if (j.contains("choices") && j["choices"].is_array() && !j["choices"].empty() && j["choices"][0].is_object()) {
          const auto& c = j["choices"][0];
          if (request.chat) {
            if (c.contains("delta") && c["delta"].is_object() && c["delta"].contains("content") && c["delta"]["content"].is_string())
              text(c["delta"]["content"].get<std::string>());
          } else if (c.contains("text") && c["text"].is_string()) {
            text(c["text"].get<std::string>());
          }
          if (c.contains("finish_reason") && c["finish_reason"].is_string())
            out.finish_reason = map_finish(c["finish_reason"].get<std::string>());
        }
        return true;
      }
      if (request.chat) {
        if (j.contains("message") && j["message"].is_object() && j["message"].contains("content") && j["message"]["content"].is_string())
          text(j["message"]["content"].get<std::string>());
      } else if (j.contains("response") && j["response"].is_string()) {
        text(j["response"].get<std::string>());
      }
      if (j.contains("done") && j["done"].is_boolean() && j["done"].get<bool>()) {
        if (j.contains("done_reason") && j["done_reason"].is_string()) out.finish_reason = map_finish(j["done_reason"].get<std::string>());
        if (j.contains("prompt_eval_count") && j["prompt_eval_count"].is_number_integer()) out.prompt_tokens = j["prompt_eval_count"].get<int64_t>();
        if (j.contains("eval_count") && j["eval_count"].is_number_integer()) out.completion_tokens = j["eval_count"].get<int64_t>();
        return false;  // the end
      }
      return true;
    };
    ExchangeResult r = run_exchange(config_, url, ex);
    out.endpoint = url;
    out.total_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (r.stopped) {
      lease->succeeded();
      out.finish_reason = "cancelled";
      return out;
    }
    if (r.timed_out) {
      if (any_text) {
        lease->succeeded();
        out.finish_reason = "timeout";
        return out;
      }
      lease->failed(Clock::now());
      out.error = make_error(504, "upstream_timeout",
                             "provider '" + config_.name + "' did not answer within total_timeout_ms (" +
                                 std::to_string(config_.total_timeout_ms) + " ms)");
      return out;
    }
    if (r.status == 200 && !r.transport_error && !stream_error && !r.too_large) {
      lease->succeeded();
      if (out.finish_reason.empty()) out.finish_reason = "stop";
      if (!any_text && cb.on_accepted) cb.on_accepted();  // an empty answer is still an answer
      return out;
    }
    // A failure. After the first token nothing is retried: the client has text already.
    std::optional<int64_t> retry_after;
    RemoteError e;
    bool retry = false;
    if (stream_error || r.too_large) {
      e = stream_error ? *stream_error
                       : make_error(502, "upstream_bad_reply", "provider '" + config_.name + "' sent a line longer than 4 MiB");
      lease->failed(Clock::now());
      retry = !any_text;
    } else if (r.transport_error) {
      e = make_error(503, "provider_unavailable",
                     "provider '" + config_.name + "' endpoint " + url + ": " + r.transport_message);
      e.provider_unavailable = true;
      lease->failed(Clock::now());
      retry = !any_text;
    } else if (r.status == 404) {
      lease->succeeded();
      e = make_error(404, "model_not_found", "provider '" + config_.name + "': " + upstream_message(r.body));
      e.model_unavailable = true;
      out.error = e;
      return out;
    } else if (retryable_status(r.status)) {
      if (r.status == 429 || r.status == 503) retry_after = parse_retry_after_ms(r.retry_after);
      if (r.status != 429) lease->failed(Clock::now());  // 429 is not the endpoint's fault: no breaker failure
      e = make_error(r.status == 429 ? 429 : 502, r.status == 429 ? "upstream_rate_limited" : "upstream_error",
                     "provider '" + config_.name + "' endpoint " + url + " answered HTTP " + std::to_string(r.status) +
                         ": " + upstream_message(r.body));
      e.provider_unavailable = r.status != 429;
      retry = !any_text;
    } else {
      lease->succeeded();  // the endpoint works; the request was refused
      e = make_error(r.status >= 400 && r.status < 500 ? r.status : 502, "upstream_refused",
                     "provider '" + config_.name + "' refused the request (HTTP " + std::to_string(r.status) +
                         "): " + upstream_message(r.body));
      out.error = e;
      return out;
    }
    last = e;
    if (!retry || attempt == config_.max_retries) break;
    const int64_t wait = retry_after ? *retry_after : backoff_ms(backoff_, attempt, uniform());
    if (Clock::now() + std::chrono::milliseconds(wait) >= deadline) break;
    const auto until = Clock::now() + std::chrono::milliseconds(wait);
    while (Clock::now() < until) {
      if (stop_requested()) {
        out.finish_reason = "cancelled";
        return out;
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(10), until - Clock::now()));
    }
  }
  out.total_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  out.error = last;
  if (out.error && out.attempts > 1) out.error->message += " (after " + std::to_string(out.attempts) + " attempts)";
  return out;
}

EmbeddingReply RemoteClient::embed(const std::string& model, const std::vector<std::string>& texts,
                                   const std::function<bool()>& should_stop) {
  EmbeddingReply out;
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.total_timeout_ms);
  nlohmann::json body = {{"model", model}, {"input", texts}};
  const std::string payload = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::set<std::string> tried;
  std::optional<RemoteError> last;
  for (int attempt = 0; attempt <= config_.max_retries; ++attempt) {
    auto lease = pool_->acquire(Clock::now(), tried);
    if (!lease) {
      if (!last) last = make_error(503, "provider_unavailable", "provider '" + config_.name + "': every endpoint's circuit breaker is open");
      break;
    }
    const std::string url = lease->endpoint().url;
    tried.insert(url);
    Exchange ex;
    ex.path = api_path(config_, url, "embed");
    ex.body = payload;
    ex.deadline = deadline;
    ex.should_stop = should_stop;
    ExchangeResult r = run_exchange(config_, url, ex);
    if (r.stopped) {
      out.error = make_error(499, "cancelled", "the embedding request was cancelled");
      return out;
    }
    if (r.timed_out) {
      lease->failed(Clock::now());
      out.error = make_error(504, "upstream_timeout", "provider '" + config_.name + "' did not answer within total_timeout_ms");
      return out;
    }
    std::optional<int64_t> retry_after;
    if (r.transport_error || retryable_status(r.status) || r.too_large) {
      if (r.status == 429 || r.status == 503) retry_after = parse_retry_after_ms(r.retry_after);
      if (r.status != 429) lease->failed(Clock::now());
      last = make_error(r.status == 429 ? 429 : 503, r.status == 429 ? "upstream_rate_limited" : "provider_unavailable",
                        "provider '" + config_.name + "' endpoint " + url + ": " +
                            (r.transport_error ? r.transport_message : "answered HTTP " + std::to_string(r.status) + ": " + upstream_message(r.body)));
      if (attempt == config_.max_retries) break;
      const int64_t wait = retry_after ? *retry_after : backoff_ms(backoff_, attempt, uniform());
      if (Clock::now() + std::chrono::milliseconds(wait) >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      continue;
    }
    if (r.status != 200) {
      lease->succeeded();
      out.error = make_error(r.status == 404 ? 404 : (r.status >= 400 && r.status < 500 ? r.status : 502),
                             r.status == 404 ? "model_not_found" : "upstream_refused",
                             "provider '" + config_.name + "' refused the embeddings (HTTP " + std::to_string(r.status) +
                                 "): " + upstream_message(r.body));
      out.error->model_unavailable = r.status == 404;
      return out;
    }
    lease->succeeded();
    const nlohmann::json j = parse_json_or_discarded(r.body);
    auto bad = [&](const std::string& why) {
      out.vectors.clear();
      out.error = make_error(502, "upstream_bad_reply", "provider '" + config_.name + "' embeddings reply: " + why);
      return out;
    };
    if (!j.is_object()) return bad("not a JSON object");
    std::vector<const nlohmann::json*> rows(texts.size(), nullptr);
    if (config_.kind == ProviderKind::OpenAi) {
      if (!j.contains("data") || !j["data"].is_array()) return bad("no 'data' array");
      for (size_t i = 0; i < j["data"].size(); ++i) {
        const auto& d = j["data"][i];
        if (!d.is_object() || !d.contains("embedding")) return bad("data[" + std::to_string(i) + "] has no embedding");
        const size_t index = d.contains("index") && d["index"].is_number_unsigned() ? d["index"].get<size_t>() : i;
        if (index >= rows.size()) return bad("data[" + std::to_string(i) + "].index is out of range");
        rows[index] = &d["embedding"];
      }
      if (j.contains("usage") && j["usage"].is_object() && j["usage"].contains("prompt_tokens") &&
          j["usage"]["prompt_tokens"].is_number_integer())
        out.prompt_tokens = j["usage"]["prompt_tokens"].get<int64_t>();
    } else {
      if (!j.contains("embeddings") || !j["embeddings"].is_array()) return bad("no 'embeddings' array");
      for (size_t i = 0; i < j["embeddings"].size() && i < rows.size(); ++i) rows[i] = &j["embeddings"][i];
      if (j.contains("prompt_eval_count") && j["prompt_eval_count"].is_number_integer())
        out.prompt_tokens = j["prompt_eval_count"].get<int64_t>();
    }
    size_t dim = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i] || !rows[i]->is_array() || rows[i]->empty()) return bad("input " + std::to_string(i) + " has no vector");
      if (dim == 0) dim = rows[i]->size();
      if (rows[i]->size() != dim) return bad("vectors have different lengths");
      std::vector<float> v;
      v.reserve(dim);
      for (const auto& x : *rows[i]) {
        if (!x.is_number()) return bad("a vector holds a value that is not a number");
        v.push_back(x.get<float>());
      }
      out.vectors.push_back(std::move(v));
    }
    return out;
  }
  out.error = last;
  return out;
}

std::vector<EndpointStatus> RemoteClient::endpoint_status() const {
  std::vector<EndpointStatus> out;
  const auto now = Clock::now();
  for (const auto& e : pool_->endpoints())
    out.push_back({e->url, breaker_state_name(e->breaker.state(now)), e->healthy.load(), e->outstanding.load(),
                   e->breaker.consecutive_failures(), e->requests.load(), e->failures.load()});
  return out;
}

}  // namespace pg::providers
