// PlaygroundServer: the HTTP service of `playground serve`. Loads the default
// model, binds host:port (port 0: any free port), and serves our API, the
// OpenAI- and Ollama-compatible APIs on httplib worker threads. Every request
// passes one pre-routing chain — request id, CORS, the request gate, then
// authentication (when on: a token or API key, except on public routes) —
// and one logger (access log + metrics). start() opens the data directory's
// database and refuses to serve a non-loopback address without an admin.
// Shutdown stops accepting, ends in-flight generations as "cancelled" so their
// streams close cleanly, and waits for the handlers. No global state: tests
// run several servers in one process.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>
#include <spdlog/common.h>

#include "server/api_error.h"
#include "app/server_config.h"
#include "util/result.h"

namespace pg::server {

// Runs before routing on every request; an ApiError refuses it (e.g. 401).
using RequestGate = std::function<std::optional<ApiError>(const httplib::Request&)>;

class PlaygroundServer {
 public:
  // log_sink: where log lines go (nullptr: stderr).
  explicit PlaygroundServer(app::ServerConfig config, spdlog::sink_ptr log_sink = nullptr);
  ~PlaygroundServer();
  PlaygroundServer(const PlaygroundServer&) = delete;
  PlaygroundServer& operator=(const PlaygroundServer&) = delete;

  // Call before start().
  void set_request_gate(RequestGate gate);

  // Loads the default model, binds and starts serving in the background.
  Status start();
  int port() const;
  std::string url() const;  // http://host:port
  // Every (method, route) the server serves, e.g. ("POST", "/api/v1/chat"),
  // ("GET", "/v1/models/{id}"); what /openapi.json must describe.
  std::vector<std::pair<std::string, std::string>> routes() const;
  // Idempotent; returns when every handler has finished.
  void shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg::server
