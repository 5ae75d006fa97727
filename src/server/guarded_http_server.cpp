// Connection handling in front of httplib's request processing; see guarded_http_server.h.
#include "server/guarded_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace pg::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kLingerTime{2000};       // reading and dropping what a refused client still sends
constexpr uint64_t kLingerBytes = 4 << 20;      // at most this much of it
constexpr size_t kReadChunk = 16384;

// Runs each accepted socket's task on the accepting thread: the task only hands
// the socket to the waiter, which never blocks.
class InlineQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

// The default socket options of httplib less SO_REUSEPORT, which would let a
// second server bind the same port and take half of its requests.
void listening_socket_options(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

void set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void socket_address(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                      : getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ip.clear();
  port = -1;
  if (rc != 0) return;
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof(buf));
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof(buf));
    port = ntohs(v6->sin6_port);
  }
  ip = buf;
}

// Waits for `events` on fd until the deadline; true when they came.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

// True when the client has closed its side (or the socket failed).
bool peer_gone(int fd) {
  pollfd p{fd, static_cast<short>(POLLIN | POLLRDHUP), 0};
  const int r = poll(&p, 1, 0);
  if (r < 0) return errno != EINTR;
  if (r == 0) return false;
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)) return true;
  char c;
  const ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool send_all(int fd, const char* data, size_t n, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (n > 0) {
    const ssize_t w = send(fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      data += w;
      n -= static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(fd, POLLOUT, deadline)) continue;
    return false;
  }
  return true;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    default: return "Service Unavailable";
  }
}

// A complete response for a request refused before any handler: our error body, then close.
std::string refusal(int status, const std::string& code, const std::string& message) {
  const std::string body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n";
  if (status == 429 || status == 503) out += "Retry-After: 1\r\n";
  return out + "\r\n" + body;
}

// One client connection, owned by the waiter or by one worker at a time.
struct Conn {
  enum class Stage { head, body, linger };
  int fd = -1;
  std::string ip;
  std::string buf;  // received, not yet consumed by a request
  Stage stage = Stage::head;
  Clock::time_point deadline;
  Clock::time_point body_started;
  bool head_started = false;  // a byte of the next request has come
  bool seen_line_end = false;
  HeadScan scan;              // the complete head, once there is one
  size_t body_needed = 0;     // head and body bytes, when the body is read here
  size_t served = 0;          // requests answered on this connection
  uint64_t lingered = 0;
  bool scan_now = false;      // bytes of a request came with it to the waiter: look at them at once
};

// httplib's view of a connection: first the bytes the waiter read, then the
// socket, with a body deadline that grows with the bytes received.
class ConnStream : public httplib::Stream {
 public:
  ConnStream(Conn& c, const ConnectionLimits& limits) : c_(c), limits_(limits), started_(Clock::now()) {}

  bool is_readable() const override { return pos_ < c_.buf.size() || wait_for(c_.fd, POLLIN, read_deadline()); }
  bool is_writable() const override {
    return wait_for(c_.fd, POLLOUT, Clock::now() + limits_.write_timeout) && !peer_gone(c_.fd);
  }
  ssize_t read(char* ptr, size_t size) override {
    if (size == 0) return 0;
    if (pos_ < c_.buf.size()) {
      const size_t n = std::min(size, c_.buf.size() - pos_);
      std::memcpy(ptr, c_.buf.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    for (;;) {
      const ssize_t n = recv(c_.fd, ptr, size, MSG_DONTWAIT);
      if (n >= 0) {
        from_socket_ += static_cast<uint64_t>(n);
        return n;
      }
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(c_.fd, POLLIN, read_deadline())) return -1;
    }
  }
  ssize_t write(const char* ptr, size_t size) override {
    return send_all(c_.fd, ptr, size, limits_.write_timeout) ? static_cast<ssize_t>(size) : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { socket_address(c_.fd, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { socket_address(c_.fd, false, ip, port); }
  socket_t socket() const override { return c_.fd; }

  uint64_t consumed() const { return pos_ + from_socket_; }
  // Keeps what the request did not use (a pipelined next request) for the waiter.
  void keep_unread() { c_.buf.erase(0, std::min(pos_, c_.buf.size())); }

 private:
  Clock::time_point read_deadline() const {
    const uint64_t rate = std::max<uint64_t>(1, limits_.body_min_rate);
    return started_ + limits_.body_timeout + std::chrono::seconds(from_socket_ / rate);
  }

  Conn& c_;
  const ConnectionLimits& limits_;
  Clock::time_point started_;
  size_t pos_ = 0;
  uint64_t from_socket_ = 0;
};

}  // namespace

class GuardedHttpServer::Impl {
 public:
  Impl(GuardedHttpServer& owner, ConnectionLimits limits) : owner_(owner), limits_(std::move(limits)) {
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    workers_ = std::make_unique<httplib::ThreadPool>(std::max<size_t>(1, limits_.worker_threads));
    waiter_ = std::thread([this] { waiter_loop(); });
  }
  ~Impl() {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  // A socket from accept(): counted, then handed to the waiter (or refused at once).
  void adopt(int fd) {
    set_nonblocking(fd);
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    int port = 0;
    socket_address(fd, true, c->ip, port);
    int refuse_status = 0;
    {
      std::lock_guard lock(mu_);
      if (stopping_) refuse_status = 503;
      else if (open_ >= limits_.max_connections) refuse_status = 503;
      else if (per_ip_[c->ip] >= limits_.max_connections_per_ip) refuse_status = 429;
      if (refuse_status == 0) {
        ++open_;
        ++per_ip_[c->ip];
      } else if (per_ip_[c->ip] == 0) {
        per_ip_.erase(c->ip);
      }
    }
    if (refuse_status != 0) {
      refused_connections_.fetch_add(1);
      const std::string r =
          refuse_status == 429
              ? refusal(429, "too_many_connections",
                        "this client address already holds " + std::to_string(limits_.max_connections_per_ip) +
                            " connections (max_connections_per_ip)")
              : refusal(503, "server_busy", "the server holds its maximum number of connections; retry later");
      (void)send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      shutdown(fd, SHUT_RDWR);
      ::close(fd);
      return;
    }
    c->deadline = Clock::now() + limits_.head_timeout;
    to_waiter(std::move(c));
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake();
    if (waiter_.joinable()) waiter_.join();
    workers_->shutdown();
    std::vector<std::unique_ptr<Conn>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(inbox_);
    }
    for (auto& c : left) close_conn(std::move(c));
  }

  bool peer_closed(const httplib::Request* req) const {
    std::lock_guard lock(in_flight_mu_);
    auto it = in_flight_.find(req);
    return it != in_flight_.end() && peer_gone(it->second);
  }

  ConnectionStats stats() const {
    ConnectionStats s;
    {
      std::lock_guard lock(mu_);
      s.open = open_;
    }
    s.waiting = waiting_.load();
    s.refused_heads = refused_heads_.load();
    s.refused_connections = refused_connections_.load();
    return s;
  }

 private:
  enum class Next { wait, dispatch, close };

  void wake() {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }

  void to_waiter(std::unique_ptr<Conn> c) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        inbox_.push_back(std::move(c));
        c = nullptr;
      }
    }
    if (c) close_conn(std::move(c));
    else wake();
  }

  void close_conn(std::unique_ptr<Conn> c) {
    shutdown(c->fd, SHUT_RDWR);
    ::close(c->fd);
    std::lock_guard lock(mu_);
    --open_;
    auto it = per_ip_.find(c->ip);
    if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  }

  // Answers a refused request itself, then reads and drops what the client still sends for a moment.
  Next refuse_and_linger(Conn& c, int status, const std::string& code, const std::string& message) {
    refused_heads_.fetch_add(1);
    const std::string r = refusal(status, code, message);
    (void)send(c.fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return start_linger(c);
  }

  Next start_linger(Conn& c) {
    shutdown(c.fd, SHUT_WR);
    c.buf.clear();
    c.buf.shrink_to_fit();
    c.stage = Conn::Stage::linger;
    c.deadline = Clock::now() + kLingerTime;
    return Next::wait;
  }

  void waiter_loop() {
    std::vector<std::unique_ptr<Conn>> conns;
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) break;
        for (auto& c : inbox_) {
          c->scan_now = c->stage == Conn::Stage::head && !c->buf.empty();
          conns.push_back(std::move(c));
        }
        inbox_.clear();
      }
      waiting_.store(conns.size());
      auto now = Clock::now();
      auto next = now + milliseconds(1000);
      fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
      for (const auto& c : conns) {
        next = std::min(next, c->scan_now ? now : c->deadline);
        fds.push_back(pollfd{c->fd, static_cast<short>(POLLIN | POLLRDHUP), 0});
      }
      const auto wait_ms = std::chrono::duration_cast<milliseconds>(next - now).count() + 1;
      const int r = poll(fds.data(), fds.size(), static_cast<int>(std::clamp<int64_t>(wait_ms, 0, 1000)));
      if (r < 0 && errno != EINTR) std::this_thread::sleep_for(milliseconds(1));
      if (fds[0].revents & POLLIN) {
        uint64_t v = 0;
        (void)!::read(wake_fd_, &v, sizeof(v));
      }
      uint64_t buffered = 0;
      for (const auto& c : conns) buffered += c->buf.size();
      now = Clock::now();
      std::vector<std::unique_ptr<Conn>> keep;
      keep.reserve(conns.size());
      for (size_t i = 0; i < conns.size(); ++i) {
        auto& c = conns[i];
        Next n = Next::wait;
        if (c->scan_now) {
          c->scan_now = false;
          n = advance(*c, 0, buffered);
        }
        if (n == Next::wait && r > 0 && i + 1 < fds.size() && fds[i + 1].revents) n = on_readable(*c, buffered);
        if (n == Next::wait && now >= c->deadline) n = on_deadline(*c);
        if (n == Next::wait) keep.push_back(std::move(c));
        else if (n == Next::dispatch) dispatch(std::move(c));
        else close_conn(std::move(c));
      }
      conns.swap(keep);
    }
    waiting_.store(0);
    for (auto& c : conns) close_conn(std::move(c));
  }

  Next on_readable(Conn& c, uint64_t& buffered) {
    if (c.stage == Conn::Stage::linger) {
      char drop[kReadChunk];
      for (;;) {
        const ssize_t n = recv(c.fd, drop, sizeof(drop), MSG_DONTWAIT);
        if (n > 0) {
          c.lingered += static_cast<uint64_t>(n);
          if (c.lingered > kLingerBytes) return Next::close;
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Next::wait : Next::close;
      }
    }
    const size_t cap = c.stage == Conn::Stage::head ? limits_.head.max_head_bytes + 1 : c.body_needed;
    const size_t before = c.buf.size();
    while (c.buf.size() < cap) {
      const size_t old = c.buf.size();
      const size_t want = std::min(cap - old, kReadChunk);
      c.buf.resize(old + want);
      const ssize_t n = recv(c.fd, c.buf.data() + old, want, MSG_DONTWAIT);
      if (n > 0) {
        c.buf.resize(old + static_cast<size_t>(n));
        buffered += static_cast<uint64_t>(n);
        continue;
      }
      c.buf.resize(old);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return Next::close;  // the client closed or the socket failed
    }
    return advance(c, before, buffered);
  }

  // What the bytes received so far allow: more waiting, a worker, or a refusal.
  Next advance(Conn& c, size_t before, uint64_t buffered) {
    const auto now = Clock::now();
    if (c.stage == Conn::Stage::head) {
      if (c.buf.empty()) return Next::wait;
      if (!c.head_started) {
        c.head_started = true;
        c.deadline = now + limits_.head_timeout;
      }
      // Scan only when the head can have ended or grown past a limit.
      const size_t from = before >= 3 ? before - 3 : 0;
      const std::string_view fresh = std::string_view(c.buf).substr(from);
      const bool blank_line = fresh.find("\n\n") != std::string_view::npos || fresh.find("\n\r\n") != std::string_view::npos;
      if (!c.seen_line_end) c.seen_line_end = c.buf.find('\n', before) != std::string::npos;
      const bool over = c.buf.size() > limits_.head.max_head_bytes ||
                        (!c.seen_line_end && c.buf.size() > limits_.head.max_line_bytes);
      if (!blank_line && !over && !(before == 0 && c.seen_line_end)) return Next::wait;
      HeadScan s = scan_request_head(c.buf, limits_.head);
      if (s.state == HeadState::incomplete) return Next::wait;
      if (s.state != HeadState::complete) {
        const int status = head_refusal_status(s.state);
        const std::string code = status == 414 ? "uri_too_long" : status == 431 ? "headers_too_large" : "bad_request";
        return refuse_and_linger(c, status, code, s.error);
      }
      c.scan = std::move(s);
      const RequestHead& h = c.scan.head;
      bool expects_continue = false;
      for (const auto& [name, value] : h.fields)
        if (name.size() == 6 && strncasecmp(name.c_str(), "Expect", 6) == 0) expects_continue = true;
      const uint64_t length = h.content_length.value_or(0);
      if (h.chunked || expects_continue || length == 0 || length > limits_.buffered_body_bytes ||
          buffered + length > limits_.max_buffered_total)
        return Next::dispatch;  // a worker reads the body (with the same deadline rule) or refuses it
      c.stage = Conn::Stage::body;
      c.body_needed = h.head_bytes + static_cast<size_t>(length);
      c.body_started = now;
    }
    if (c.buf.size() >= c.body_needed) return Next::dispatch;
    const uint64_t received = c.buf.size() - c.scan.head.head_bytes;
    c.deadline = c.body_started + limits_.body_timeout +
                 std::chrono::seconds(received / std::max<uint64_t>(1, limits_.body_min_rate));
    return Next::wait;
  }

  Next on_deadline(Conn& c) {
    if (c.stage == Conn::Stage::linger) return Next::close;
    if (c.stage == Conn::Stage::head && !c.head_started) return Next::close;  // idle: close quietly
    const bool head = c.stage == Conn::Stage::head;
    refuse_and_linger(c, 408, "request_timeout",
                      head ? "the request head did not arrive within " +
                                 std::to_string(limits_.head_timeout.count() / 1000) + " s"
                           : "the request body arrived too slowly");
    return Next::close;
  }

  void dispatch(std::unique_ptr<Conn> c) {
    Conn* raw = c.release();
    workers_->enqueue([this, raw] { serve(std::unique_ptr<Conn>(raw)); });
  }

  // On a worker: httplib routes the request whose head (and maybe body) the waiter read.
  void serve(std::unique_ptr<Conn> c) {
    if (is_stopping()) return close_conn(std::move(c));
    ConnStream stream(*c, limits_);
    const RequestHead& head = c->scan.head;
    const bool last = !head.keep_alive || c->served + 1 >= limits_.max_requests_per_connection;
    bool connection_closed = false;
    const httplib::Request* registered = nullptr;
    const bool ok = owner_.process_request(stream, last, connection_closed, [&](httplib::Request& req) {
      std::lock_guard lock(in_flight_mu_);
      in_flight_[&req] = c->fd;
      registered = &req;
    });
    if (registered) {
      std::lock_guard lock(in_flight_mu_);
      in_flight_.erase(registered);
    }
    ++c->served;
    const uint64_t expected = head.head_bytes + head.content_length.value_or(0);
    const bool body_read = !head.chunked && stream.consumed() >= expected;
    if (!ok || connection_closed || last || !body_read || is_stopping()) {
      if (ok && !body_read && !is_stopping()) {
        start_linger(*c);  // a refused body: let the client read the answer, never parse the body as a request
        return to_waiter(std::move(c));
      }
      return close_conn(std::move(c));
    }
    stream.keep_unread();
    c->stage = Conn::Stage::head;
    c->head_started = false;
    c->seen_line_end = false;
    c->scan = HeadScan{};
    c->body_needed = 0;
    c->deadline = Clock::now() + limits_.idle_timeout;
    if (!c->buf.empty()) {
      // A pipelined request already arrived: scan it as soon as the waiter takes the connection.
      c->head_started = true;
      c->deadline = Clock::now() + limits_.head_timeout;
    }
    to_waiter(std::move(c));
  }

  bool is_stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  GuardedHttpServer& owner_;
  ConnectionLimits limits_;
  int wake_fd_ = -1;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Conn>> inbox_;  // for the waiter
  size_t open_ = 0;
  std::unordered_map<std::string, size_t> per_ip_;
  std::atomic<size_t> waiting_{0};
  std::atomic<uint64_t> refused_heads_{0};
  std::atomic<uint64_t> refused_connections_{0};
  mutable std::mutex in_flight_mu_;
  std::unordered_map<const httplib::Request*, int> in_flight_;
  std::unique_ptr<httplib::ThreadPool> workers_;
  std::thread waiter_;
};

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits) {
  new_task_queue = [] { return new InlineQueue; };
  set_socket_options(listening_socket_options);
  // What httplib's Keep-Alive header announces: the limits this layer applies.
  set_keep_alive_max_count(limits.max_requests_per_connection);
  set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(limits.idle_timeout).count()));
  impl_ = std::make_unique<Impl>(*this, std::move(limits));
}

GuardedHttpServer::~GuardedHttpServer() { stop_connections(); }

bool GuardedHttpServer::peer_closed(const httplib::Request& req) const { return impl_->peer_closed(&req); }

void GuardedHttpServer::stop_connections() { impl_->stop(); }

ConnectionStats GuardedHttpServer::stats() const { return impl_->stats(); }

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  impl_->adopt(sock);
  return true;
}

}  // namespace pg::server
