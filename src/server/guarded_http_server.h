// GuardedHttpServer: httplib's server with our own connection handling in front
// of its request processing. httplib (0.11, as Debian ships it) reads a request
// line and headers without a size limit on a worker thread, so slow or endless
// heads tie up every worker and unbounded lines grow memory. Here one waiter
// thread holds every connection that has no complete request yet (poll, no
// worker involved), reads the head with hard limits (request_head.h) and small
// bodies with a deadline that grows with the bytes received, and only then
// hands the connection to a worker, which runs httplib's routing on the bytes
// already read. Refused heads get 400/408/414/431 and the connection closes
// after a short lingering read; a body a handler did not read ends the
// connection instead of being parsed as the next request; each client address
// may hold only so many connections. Listening sockets never use SO_REUSEPORT,
// so a second server on a port in use fails to start.
// Never: run application code on the waiter thread, or buffer more than the
// limits say for a connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <httplib.h>

#include "server/request_head.h"

namespace pg::server {

struct ConnectionLimits {
  HeadLimits head;
  std::chrono::milliseconds head_timeout{10000};  // a whole head must arrive within this
  std::chrono::milliseconds idle_timeout{5000};   // a kept-alive connection may wait this long for its next request
  std::chrono::milliseconds body_timeout{20000};  // a body's first bytes; each body_min_rate bytes add one second
  uint64_t body_min_rate = 500;                   // bytes per second
  std::chrono::milliseconds write_timeout{30000};
  uint64_t buffered_body_bytes = 4 << 20;  // bodies up to this are read before a worker takes the request
  uint64_t max_buffered_total = uint64_t{256} << 20;  // bytes all waiting connections may buffer together
  size_t max_connections = 1024;
  size_t max_connections_per_ip = 64;
  size_t worker_threads = 28;
  size_t max_requests_per_connection = 1000;
};

struct ConnectionStats {
  size_t open = 0;              // connections held now
  size_t waiting = 0;           // of those, on the waiter thread (no worker)
  uint64_t refused_heads = 0;   // 400/408/414/431 before any worker
  uint64_t refused_connections = 0;  // over max_connections or the per-address cap
};

class GuardedHttpServer : public httplib::Server {
 public:
  explicit GuardedHttpServer(ConnectionLimits limits);
  ~GuardedHttpServer() override;
  GuardedHttpServer(const GuardedHttpServer&) = delete;
  GuardedHttpServer& operator=(const GuardedHttpServer&) = delete;

  // True when the client of a request being handled has closed its connection
  // (only valid while its handler runs).
  bool peer_closed(const httplib::Request& req) const;
  // After stop(): closes the connections that wait for a request and joins the
  // workers once they have finished. Idempotent.
  void stop_connections();
  ConnectionStats stats() const;

 private:
  bool process_and_close_socket(socket_t sock) override;

  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg::server
