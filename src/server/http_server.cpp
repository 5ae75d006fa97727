// The HTTP service: middleware chain, route table, start and shutdown; see http_server.h.
#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <regex>
#include <thread>

#include "app/core.h"
#include "build_info.h"
#include "providers/endpoint_address.h"
#include "server/auth/auth_policy.h"
#include "server/auth/secret.h"
#include "server/chat_messages.h"
#include "server/guarded_http_server.h"
#include "server/model_embedder.h"
#include "server/openapi.h"
#include "server/request_fields.h"
#include "server/request_origin.h"
#include "server/request_tracker.h"
#include "server/routes.h"
#include "server/web_ui.h"
#include "server/server_context.h"
#include "server/multipart_parser.h"
#include "server/upload_receiver.h"
#include "store/data_dir.h"

namespace pg::server {

nlohmann::json request_json(const ApiRequest& req) { return parse_json_object(req.body); }

nlohmann::ordered_json request_chat_messages(const ApiRequest& req) {
  // Parsed again as ordered_json: templates' `tojson` prints keys in the client's order.
  const nlohmann::ordered_json body = parse_ordered_json_object(req.body);
  const nlohmann::ordered_json* messages = nullptr;
  if (body.is_object()) {
    auto it = body.find("messages");
    if (it != body.end() && !it->is_null()) messages = &*it;
  }
  return normalize_chat_messages(messages, "messages");
}

nlohmann::ordered_json request_ordered_field(const ApiRequest& req, const std::string& key) {
  const nlohmann::ordered_json body = parse_ordered_json_object(req.body);
  if (!body.is_object()) return nullptr;
  auto it = body.find(key);
  return it == body.end() ? nlohmann::ordered_json() : *it;
}

nlohmann::ordered_json request_ordered_value(const ApiRequest& req, const std::string& dotted_path) {
  nlohmann::ordered_json value = parse_ordered_json_object(req.body);
  size_t start = 0;
  while (start <= dotted_path.size()) {
    const size_t dot = dotted_path.find('.', start);
    const std::string key = dotted_path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!value.is_object() || !value.contains(key)) return nullptr;
    nlohmann::ordered_json next = std::move(value[key]);
    value = std::move(next);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return value;
}

void require_admin(const ApiRequest& req) {
  if (!req.user.is_admin())
    throw ApiError(403, "forbidden", "this route is for admins; user '" + req.user.username + "' is not one");
}

std::string system_fingerprint() { return std::string("fp_playground_") + PG_VERSION + "_" + PG_GIT_HASH; }

namespace {

bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

void write_error(const httplib::Request& req, httplib::Response& res, const ApiError& e) {
  send_json(res, e.status, error_body_for(req.path, e));
  if (e.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  if (e.status == 429 || e.status == 503)
    res.set_header("Retry-After", std::to_string(e.retry_after > 0 ? e.retry_after : e.status == 429 ? 1 : 5));
}


// Routes that answer without a token when auth is on: health checks, logging
// in, the API description with its viewer, and the web UI's files (it logs in itself).
bool public_route(const httplib::Request& req) {
  if (req.method == "GET" && is_web_ui_path(req.path)) return true;
  if (req.method == "GET" && (req.path == "/api/v1/health" || req.path == "/openapi.json" || req.path == "/docs" ||
                              req.path.rfind("/docs/", 0) == 0))
    return true;
  return req.method == "POST" && req.path == "/api/v1/auth/login";
}

int http_worker_threads(const ServerConfig& c) {
  return c.http_threads > 0 ? c.http_threads : std::min(1024, c.slots + c.queue_size + 8);
}

ConnectionLimits connection_limits(const ServerConfig& c) {
  ConnectionLimits l;
  l.head_timeout = std::chrono::seconds(c.header_timeout);
  l.body_timeout = std::chrono::seconds(c.body_timeout);
  l.buffered_body_bytes = static_cast<uint64_t>(c.max_body_bytes);
  l.max_connections = static_cast<size_t>(c.max_connections);
  l.max_connections_per_ip = static_cast<size_t>(c.max_connections_per_ip);
  l.worker_threads = static_cast<size_t>(http_worker_threads(c));
  return l;
}

}  // namespace

class PlaygroundServer::Impl : public RouteTable {
 public:
  Impl(ServerConfig config, spdlog::sink_ptr sink)
      : config_(std::move(config)),
        sink_(std::move(sink)),
        origins_(make_origin_policy(config_.host, config_.allowed_hosts, config_.cors_origins)),
        svr_(connection_limits(config_)) {}

  ~Impl() { shutdown(); }

  void add(const std::string& method, const std::string& pattern, const std::string& route_name,
           RouteHandler handler) override {
    routes_.push_back({method, route_name});
    auto run = [this, route_name, handler = std::move(handler)](ApiRequest req, httplib::Response& res) {
      tracker_.set_route(&req.http, route_name);
      if (auto info = tracker_.find(&req.http)) req.user = info->principal;
      try {
        handler(req, res);
      } catch (const ApiError& e) {
        write_error(req.http, res, e);
      } catch (const std::exception& e) {
        core_->log().error("handler failed", {{"route", route_name}, {"error", e.what()}});
        write_error(req.http, res, ApiError(500, "internal_error", std::string("internal error: ") + e.what()));
      }
    };
    // Bodies are read here rather than by httplib, which would parse (and cap at
    // 8 KiB) bodies sent as application/x-www-form-urlencoded, as `curl -d` does.
    auto with_body = [this, run](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& reader) {
      std::string body;
      bool too_large = false;
      const size_t limit = static_cast<size_t>(config_.max_body_bytes);
      const bool ok = reader([&](const char* data, size_t n) {
        if (body.size() + n > limit) {
          too_large = true;
          return false;
        }
        body.append(data, n);
        return true;
      });
      if (!ok) {
        tracker_.set_route(&req, "unmatched");
        write_error(req, res, too_large || res.status == 413
                             ? ApiError(413, "body_too_large", "the request body is larger than max_body_bytes (" +
                                                                   std::to_string(config_.max_body_bytes) + " bytes)")
                             : ApiError(400, "bad_request", "the request body could not be read"));
        return;
      }
      run(ApiRequest{req, std::move(body), {}, client_gone(req)}, res);
    };
    auto without_body = [this, run](const httplib::Request& req, httplib::Response& res) {
      run(ApiRequest{req, req.body, {}, client_gone(req)}, res);
    };
    if (method == "GET") svr_.Get(pattern, without_body);
    else if (method == "DELETE") svr_.Delete(pattern, without_body);
    else if (method == "POST") svr_.Post(pattern, with_body);
    else if (method == "PUT") svr_.Put(pattern, with_body);
    else if (method == "PATCH") svr_.Patch(pattern, with_body);
  }

  void add_upload(const std::string& pattern, const std::string& route_name, UploadLimits limits,
                  UploadHandler handler) override {
    upload_patterns_.emplace_back(pattern);
    max_upload_request_bytes_ = std::max(max_upload_request_bytes_, limits.max_request_bytes);
    // httplib's own cap must let the largest upload through; other routes keep
    // max_body_bytes (checked before routing, see configure()).
    svr_.set_payload_max_length(
        static_cast<size_t>(std::max<uint64_t>(static_cast<uint64_t>(config_.max_body_bytes), max_upload_request_bytes_)));
    routes_.push_back({"POST", route_name});
    auto run = [this, route_name, limits, handler = std::move(handler)](const httplib::Request& http,
                                                                         httplib::Response& res,
                                                                         const httplib::ContentReader& reader) {
      tracker_.set_route(&http, route_name);
      ApiRequest req{http, {}, {}, client_gone(http)};
      if (auto info = tracker_.find(&http)) req.user = info->principal;
      UploadReceiver receiver(limits);
      try {
        if (!http.is_multipart_form_data())
          throw ApiError(400, "bad_request", "expected a multipart/form-data body with one or more files");
        auto boundary = multipart_boundary(http.get_header_value("Content-Type"));
        if (!boundary) throw ApiError(400, "bad_request", boundary.error());
        // httplib hands a multipart/form-data body only to its own parser (it
        // checks the request's Content-Type when the body is read); relabel the
        // request so that the raw body comes to ours. The Request object is
        // httplib's own, not a const one, and lives until the handler returns.
        auto& headers = const_cast<httplib::Request&>(http).headers;
        if (auto it = headers.find("Content-Type"); it != headers.end()) it->second = "application/octet-stream";
        // Our own streaming parser on the raw body (see multipart_parser.h for why).
        MultipartParser parser(
            *boundary,
            [&](const MultipartPartHeader& h) {
              return receiver.begin_part(httplib::MultipartFormData{h.name, "", h.filename, h.content_type});
            },
            [&](const char* data, size_t n) { return receiver.append(data, n); });
        const bool ok = reader([&](const char* data, size_t n) { return parser.feed(data, n); }) && parser.finish();
        receiver.end_part();
        if (receiver.failed()) throw receiver.error(ok);
        if (!ok && res.status == 413)
          throw ApiError(413, "body_too_large", "the upload is larger than this server accepts");
        if (!ok)
          throw ApiError(400, "bad_request",
                         "the multipart body could not be read: " +
                             (parser.error().empty() ? std::string("the connection ended early") : parser.error()));
        handler(req, receiver.upload(), res);
      } catch (const ApiError& e) {
        write_error(http, res, e);
      } catch (const std::exception& e) {
        core_->log().error("handler failed", {{"route", route_name}, {"error", e.what()}});
        write_error(http, res, ApiError(500, "internal_error", std::string("internal error: ") + e.what()));
      }
    };
    svr_.Post(pattern, run);
  }

  Status start() {
    if (Status s = open(); !s) return s;
    if (Status s = core_->start_ingestion(); !s) return s;
    configure();
    add_model_routes(*this, *ctx_);  // before the others: its GET /api/v1/models/{name} pattern is broad
    core_->providers().start();
    add_native_routes(*this, *ctx_);
    add_provider_routes(*this, *ctx_);
    add_auth_routes(*this, *ctx_);
    add_conversation_routes(*this, *ctx_);
    add_collection_routes(*this, *ctx_);
    add_rag_routes(*this, *ctx_);
    add_docs_routes(*this, *ctx_);
    add_openai_routes(*this, *ctx_);
    add_ollama_routes(*this, *ctx_);
    add_web_ui_routes(*this, *ctx_);  // last: its page pattern answers what no route above took

    if (config_.port == 0) {
      port_ = svr_.bind_to_any_port(config_.host);
      if (port_ <= 0) return Status::error("cannot listen on " + config_.host + " (any port)");
    } else {
      if (!svr_.bind_to_port(config_.host, config_.port))
        return Status::error("cannot listen on " + config_.host + ":" + std::to_string(config_.port) +
                             " (address already in use, or not available)");
      port_ = config_.port;
    }
    listener_ = std::thread([this] { svr_.listen_after_bind(); });
    // stop() only works once the listener runs; wait for it.
    for (int i = 0; i < 500 && !svr_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    started_ = true;
    ModelManager& models = core_->models();
    const auto* info = models.loaded().empty() ? nullptr : models.loaded().front().get();
    core_->log().info("listening", {{"url", url()},
                            {"model", models.default_name()},
                            {"slots", config_.slots},
                            {"context", info ? info->context_size() : 0},
                            {"config_file", config_.config_file},
                            {"auth", ctx_->auth_on() ? "on" : "off"},
                            {"database", core_->database().path()}});
    return Status::ok();
  }

  // Decides on auth, opens the application core (app/core.h) and the
  // handlers' shared state. With auth on and no admin yet, refuses to start
  // and says how to create one.
  Status open() {
    auto on = auth::auth_enabled(config_.auth, config_.host);
    if (!on) return Status::error(on.error());
    auto cost = auth::parse_password_cost(config_.password_cost);
    if (!cost) return Status::error("password_cost: " + cost.error());
    if (Status s = auth::init_crypto(); !s) return s;
    auto secret = auth::load_or_create_secret(config_.secret, config_.data_dir);
    if (!secret) return Status::error(secret.error());
    app::CoreInputs inputs;
    inputs.config = config_;
    inputs.log_sink = sink_;
    inputs.secret = *secret;
    inputs.embedder_for = [](app::Core& core, const std::string& model) { return model_embedder(core, model); };
    auto core = app::Core::open(std::move(inputs));
    if (!core) return core.status();
    core_ = std::move(*core);
    if (*on) {
      auto admins = core_->users().count_admins();
      if (!admins) return Status::error("cannot read the users of " + core_->database().path() + ": " + admins.error());
      if (*admins == 0) return Status::error(auth::no_admin_message(config_.host, config_.data_dir, config_.database));
    }
    ctx_ = std::make_unique<ServerContext>(*core_, AuthSettings{*on, *cost, std::move(*secret)});
    return Status::ok();
  }

  void shutdown() {
    std::lock_guard once(shutdown_mu_);
    if (stopped_) return;
    stopped_ = true;
    if (started_) core_->log().info("shutting down", {{"url", url()}});
    if (core_) core_->shutdown();  // ingestion, remote and local generations end ("cancelled")
    svr_.stop();
    if (listener_.joinable()) listener_.join();
    svr_.stop_connections();  // waiting connections closed, handlers finished
    if (!core_) return;
    if (started_) core_->log().info("stopped");
    core_->log().flush();
  }

  std::string url() const {
    const bool v6 = config_.host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(port_);
  }

  int port_ = 0;
  RequestGate gate_;
  std::vector<std::regex> upload_patterns_;
  uint64_t max_upload_request_bytes_ = 0;

  // Asks the connection layer whether the client of a request in progress hung up.
  std::function<bool()> client_gone(const httplib::Request& req) {
    return [this, &req] { return svr_.peer_closed(req); };
  }

  bool is_upload_route(const httplib::Request& req) const {
    if (req.method != "POST") return false;
    for (const std::regex& r : upload_patterns_)
      if (std::regex_match(req.path, r)) return true;
    return false;
  }
  // Content-Length, or "unbounded" for a chunked body (read only by routes that cap it themselves).
  static uint64_t declared_body_bytes(const httplib::Request& req) {
    if (req.has_header("Content-Length")) {
      const std::string v = req.get_header_value("Content-Length");
      uint64_t n = 0;
      for (char c : v) {
        if (c < '0' || c > '9' || n > (uint64_t{1} << 50)) return UINT64_MAX;
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      return n;
    }
    const bool chunked = req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
    const bool reads_own_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    return chunked && !reads_own_body ? UINT64_MAX : 0;
  }
  std::vector<std::pair<std::string, std::string>> routes_;  // (method, route name) as registered

 private:
  void configure() {
    // Worker threads, connection limits and timeouts: GuardedHttpServer (connection_limits()).
    // The upload routes raise this when they are added (after configure()).
    svr_.set_payload_max_length(static_cast<size_t>(config_.max_body_bytes));

    svr_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const std::string given = req.get_header_value("X-Request-Id");
      const std::string id = valid_request_id(given) ? given : ctx_->new_id("req-");
      tracker_.begin(&req, id);
      res.set_header("X-Request-Id", id);
      // A page on another site, or one whose name was rebound to this address, gets nothing.
      if (auto refused = check_host(origins_, req)) {
        tracker_.set_route(&req, "host");
        write_error(req, res, *refused);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (apply_cors(req, res)) return httplib::Server::HandlerResponse::Handled;
      if (auto refused = check_cross_site(origins_, req, is_upload_route(req))) {
        tracker_.set_route(&req, "origin");
        write_error(req, res, *refused);
        return httplib::Server::HandlerResponse::Handled;
      }
      // Only upload routes take bodies beyond max_body_bytes; refuse others before anything is read.
      if (!is_upload_route(req) && declared_body_bytes(req) > static_cast<uint64_t>(config_.max_body_bytes)) {
        tracker_.set_route(&req, "unmatched");
        write_error(req, res, ApiError(413, "body_too_large", "the request body is larger than max_body_bytes (" +
                                                                  std::to_string(config_.max_body_bytes) + " bytes)"));
        return httplib::Server::HandlerResponse::Handled;
      }
      if (gate_) {
        if (auto refused = gate_(req)) {
          tracker_.set_route(&req, "gate");
          write_error(req, res, *refused);
          return httplib::Server::HandlerResponse::Handled;
        }
      }
      if (ctx_->auth_on() && !public_route(req)) {
        auto who = ctx_->authenticator().authenticate(req.get_header_value("Authorization"));
        if (!who) {
          tracker_.set_route(&req, "auth");
          write_error(req, res, ApiError(401, "unauthorized", "authentication required: " + who.error()));
          return httplib::Server::HandlerResponse::Handled;
        }
        tracker_.set_principal(&req, std::move(*who));
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });

    httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      ApiError e(res.status, "http_error", "request failed with HTTP status " + std::to_string(res.status));
      if (res.status == 404) e = ApiError(404, "not_found", "no route for " + req.method + " " + req.path);
      if (res.status == 413)
        e = ApiError(413, "body_too_large", "the request body is larger than max_body_bytes (" +
                                                std::to_string(config_.max_body_bytes) + " bytes)");
      if (res.status == 400) e = ApiError(400, "bad_request", "the HTTP request is malformed");
      send_json(res, e.status, error_body_for(req.path, e));
      return httplib::Server::HandlerResponse::Handled;
    };
    svr_.set_error_handler(std::move(on_error));

    svr_.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      core_->log().error("unhandled exception", {{"error", what}});
      write_error(req, res, ApiError(500, "internal_error", "internal error: " + what));
    });

    svr_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      auto info = tracker_.take(&req);
      const double seconds =
          info ? std::chrono::duration<double>(std::chrono::steady_clock::now() - info->arrived).count() : 0.0;
      const std::string route = info ? info->route : "unmatched";
      core_->metrics().record_request(req.method, route, res.status, seconds);
      core_->log().info("request", {{"request_id", info ? info->id : ""},
                            {"method", req.method},
                            {"path", req.path},
                            {"route", route},
                            {"status", res.status},
                            {"user", info ? info->principal.username : ""},
                            {"duration_ms", std::round(seconds * 1e6) / 1e3},
                            {"remote", req.remote_addr}});
    });
  }

  // Sets CORS headers for allowed origins; answers preflights. True when answered.
  bool apply_cors(const httplib::Request& req, httplib::Response& res) {
    const std::string origin = req.get_header_value("Origin");
    const auto& allow = config_.cors_origins;
    const bool allowed =
        !origin.empty() && std::any_of(allow.begin(), allow.end(), [&](const std::string& a) { return a == "*" || a == origin; });
    if (allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
      res.set_header("Access-Control-Expose-Headers", "X-Request-Id, X-Generation-Id");
    }
    if (req.method != "OPTIONS") return false;
    tracker_.set_route(&req, "preflight");
    if (!origin.empty() && !allowed) {
      write_error(req, res, ApiError(403, "cors_forbidden", "origin '" + origin + "' is not in cors_origins"));
      return true;
    }
    res.status = 204;
    res.set_header("Allow", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    if (allowed) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
      const std::string asked = req.get_header_value("Access-Control-Request-Headers");
      res.set_header("Access-Control-Allow-Headers", asked.empty() ? "Content-Type, Authorization, X-Request-Id" : asked);
      res.set_header("Access-Control-Max-Age", "600");
    }
    return true;
  }

  ServerConfig config_;
  spdlog::sink_ptr sink_;
  // The application and the handlers' state; made by start() before any handler runs.
  std::unique_ptr<app::Core> core_;
  std::unique_ptr<ServerContext> ctx_;
  RequestTracker tracker_;
  OriginPolicy origins_;
  GuardedHttpServer svr_;
  std::thread listener_;
  std::mutex shutdown_mu_;
  bool started_ = false;
  bool stopped_ = false;
};

PlaygroundServer::PlaygroundServer(ServerConfig config, spdlog::sink_ptr log_sink)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(log_sink))) {}

PlaygroundServer::~PlaygroundServer() { impl_->shutdown(); }

void PlaygroundServer::set_request_gate(RequestGate gate) { impl_->gate_ = std::move(gate); }

Status PlaygroundServer::start() { return impl_->start(); }

int PlaygroundServer::port() const { return impl_->port_; }

std::string PlaygroundServer::url() const { return impl_->url(); }

std::vector<std::pair<std::string, std::string>> PlaygroundServer::routes() const { return impl_->routes_; }

void PlaygroundServer::shutdown() { impl_->shutdown(); }

}  // namespace pg::server
