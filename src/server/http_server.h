// PlaygroundServer: the HTTP service of `playground serve`. Loads the default
// model, binds host:port (port 0: any free port), and serves our API, the
// OpenAI- and Ollama-compatible APIs on httplib worker threads. Every request
// passes one pre-routing chain — request id, CORS, then the request gate
// (where authentication plugs in) — and one logger (access log + metrics).
// Shutdown stops accepting, ends in-flight generations as "cancelled" so their
// streams close cleanly, and waits for the handlers. No global state: tests
// run several servers in one process.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>
#include <spdlog/common.h>

#include "server/api_error.h"
#include "server/server_config.h"
#include "util/result.h"

namespace pg::server {

// Runs before routing on every request; an ApiError refuses it (e.g. 401).
using RequestGate = std::function<std::optional<ApiError>(const httplib::Request&)>;

class PlaygroundServer {
 public:
  // log_sink: where log lines go (nullptr: stderr).
  explicit PlaygroundServer(ServerConfig config, spdlog::sink_ptr log_sink = nullptr);
  ~PlaygroundServer();
  PlaygroundServer(const PlaygroundServer&) = delete;
  PlaygroundServer& operator=(const PlaygroundServer&) = delete;

  // Call before start().
  void set_request_gate(RequestGate gate);

  // Loads the default model, binds and starts serving in the background.
  Status start();
  int port() const;
  std::string url() const;  // http://host:port
  // Idempotent; returns when every handler has finished.
  void shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg::server
