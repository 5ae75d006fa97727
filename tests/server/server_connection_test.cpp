// The connection layer and the browser checks against hostile clients, each
// the reproduction of a defect found by a probe: a request line of hundreds of
// megabytes, a refused body parsed as the next request, slow sockets that
// starve the workers, a non-streamed generation that outlives its client, a
// second server on a port in use, and cross-site / DNS-rebinding requests.
// Real sockets against the in-process server.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "server/request_head.h"
#include "server_test_support.h"

namespace pg::test {
namespace {

using namespace std::chrono_literals;

// A plain TCP connection to the test server.
class RawSocket {
 public:
  explicit RawSocket(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawSocket() { close(); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }
  // False once the server has closed or reset the connection.
  bool send_text(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Everything until the server closes (or the timeout).
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Waits up to `wait` for bytes; what came ("" when none).
  std::string read_some(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return "";
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// The complete responses (head and Content-Length body) at the start of `bytes`.
size_t complete_responses(const std::string& bytes) {
  size_t n = 0, at = 0;
  for (;;) {
    const size_t end = bytes.find("\r\n\r\n", at);
    if (end == std::string::npos) return n;
    size_t length = 0;
    const size_t cl = bytes.find("Content-Length: ", at);
    if (cl != std::string::npos && cl < end) length = std::stoul(bytes.substr(cl + 16, end - cl - 16));
    if (bytes.size() < end + 4 + length) return n;
    at = end + 4 + length;
    ++n;
  }
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

TEST(ServerConnection, RequestHeadScannerKeepsItsLimits) {
  server::HeadLimits limits;
  auto ok = server::scan_request_head("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", limits);
  ASSERT_EQ(ok.state, server::HeadState::complete) << ok.error;
  EXPECT_EQ(ok.head.method, "POST");
  EXPECT_EQ(*ok.head.content_length, 5u);
  EXPECT_EQ(ok.head.head_bytes, std::string("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n").size());
  EXPECT_EQ(server::scan_request_head("GET /x HTTP/1.1\r\nHost: a\r\n", limits).state, server::HeadState::incomplete);
  EXPECT_EQ(server::scan_request_head("GET /" + std::string(9000, 'a'), limits).state,
            server::HeadState::line_too_long);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(server::scan_request_head(many + "\r\n", limits).state, server::HeadState::head_too_large);
  EXPECT_EQ(server::scan_request_head("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", limits).state,
            server::HeadState::malformed);
  EXPECT_EQ(server::scan_request_head("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                                      limits).state,
            server::HeadState::malformed);
  EXPECT_EQ(server::scan_request_head("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", limits).state,
            server::HeadState::malformed);
  auto close = server::scan_request_head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", limits);
  EXPECT_FALSE(close.head.keep_alive);
}

// A request line that never ends: refused after max_line_bytes with 414, the
// connection closed, and the server's memory does not grow with what was sent.
TEST(ServerConnection, EndlessRequestLineIsRefusedWithBoundedMemory) {
  TestServer srv;
  RawSocket s(srv.port());
  ASSERT_TRUE(s.connected());
  const size_t before = resident_bytes();
  const std::string chunk(1 << 20, 'a');
  size_t sent = 0;
  bool open = s.send_text("GET /");
  // Up to 1 GiB; the server stops reading long before.
  while (open && sent < (size_t{1} << 30)) {
    if (!s.send_text(chunk)) break;
    sent += chunk.size();
  }
  const size_t grown = resident_bytes() > before ? resident_bytes() - before : 0;
  EXPECT_LT(sent, size_t{64} << 20) << "the server kept reading an endless request line";
  EXPECT_LT(grown, size_t{64} << 20) << "resident memory grew by " << grown << " bytes";
  const std::string answer = s.read_all();
  EXPECT_EQ(status_of(answer), 414) << answer.substr(0, 200);
  EXPECT_NE(answer.find("uri_too_long"), std::string::npos);
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerConnection, HugeHeadersAreRefusedWith431) {
  TestServer srv;
  RawSocket s(srv.port());
  std::string head = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; head.size() < 200000; ++i) head += "X-Filler-" + std::to_string(i) + ": " + std::string(100, 'x') + "\r\n";
  s.send_text(head);
  const std::string answer = s.read_all();
  EXPECT_EQ(status_of(answer), 431) << answer.substr(0, 200);
}

// After a 413 the unread body must not be parsed as the next request: the
// server answers once and closes the connection.
TEST(ServerConnection, RefusedBodyEndsTheConnection) {
  auto config = test_server_config();
  config.max_body_bytes = 64 * 1024;
  TestServer srv(config);
  RawSocket s(srv.port());
  const std::string fake_request = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string body;
  while (body.size() < 1 << 20) body += fake_request;
  s.send_text("POST /api/v1/models/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  s.send_text(body);  // may fail part way: the server closes after its answer
  const std::string answer = s.read_all();
  EXPECT_EQ(status_of(answer), 413) << answer.substr(0, 300);
  // Exactly one response: nothing of the body was answered as a request.
  size_t responses = 0;
  for (size_t at = answer.find("HTTP/1.1 "); at != std::string::npos; at = answer.find("HTTP/1.1 ", at + 1)) ++responses;
  EXPECT_EQ(responses, 1u) << answer.substr(0, 600);
}

// Keep-alive and pipelining still work through the connection layer.
TEST(ServerConnection, KeepAliveAndPipelinedRequestsAreAnswered) {
  TestServer srv;
  RawSocket s(srv.port());
  const std::string req = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string body = R"({"text":"Once"})";
  const std::string post = "POST /api/v1/tokenize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_TRUE(s.send_text(req + post + req));
  auto read_responses = [&](size_t count) {
    std::string got;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (complete_responses(got) < count && std::chrono::steady_clock::now() < end) got += s.read_some(200ms);
    return got;
  };
  const std::string got = read_responses(3);
  ASSERT_EQ(complete_responses(got), 3u) << got;
  size_t ok = 0;
  for (size_t at = got.find("HTTP/1.1 200"); at != std::string::npos; at = got.find("HTTP/1.1 200", at + 1)) ++ok;
  EXPECT_EQ(ok, 3u) << got;
  // The same connection serves another request later.
  ASSERT_TRUE(s.send_text(req));
  const std::string later = read_responses(1);
  EXPECT_EQ(status_of(later), 200) << later;
  EXPECT_EQ(complete_responses(later), 1u);
}

// Slowloris: 40 connections that send their heads a byte at a time hold no
// worker; health checks keep answering at once.
TEST(ServerConnection, SlowSocketsDoNotStarveHealthChecks) {
  auto config = test_server_config();
  config.http_threads = 8;
  TestServer srv(config);
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 40; ++i) {
    slow.push_back(std::make_unique<RawSocket>(srv.port()));
    ASSERT_TRUE(slow.back()->send_text("POST /api/v1/models/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  }
  // Bodies trickle too: complete heads whose bodies never finish.
  std::vector<std::unique_ptr<RawSocket>> slow_bodies;
  for (int i = 0; i < 20; ++i) {
    slow_bodies.push_back(std::make_unique<RawSocket>(srv.port()));
    ASSERT_TRUE(slow_bodies.back()->send_text(
        "POST /api/v1/models/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n{"));
  }
  for (int round = 0; round < 6; ++round) {
    for (auto& s : slow) s->send_text("X");
    for (auto& s : slow_bodies) s->send_text(" ");
    const auto t0 = std::chrono::steady_clock::now();
    auto health = get_json(srv, "/api/v1/health");
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(health.status, 200);
    // Starved, it would wait for a worker until the slow sockets time out (10 s
    // and more); 3 s leaves room for a machine busy with other tests.
    EXPECT_LT(took, 3s) << "a health check took "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
    std::this_thread::sleep_for(300ms);
  }
}

TEST(ServerConnection, SlowHeadIsCutOffAtTheHeaderTimeout) {
  auto config = test_server_config();
  config.header_timeout = 1;
  TestServer srv(config);
  RawSocket s(srv.port());
  ASSERT_TRUE(s.send_text("GET /api/v1/health HTTP/1.1\r\n"));
  const auto t0 = std::chrono::steady_clock::now();
  std::string answer;
  while (answer.empty() && std::chrono::steady_clock::now() - t0 < 5s) {
    s.send_text("X");
    answer = s.read_some(300ms);
  }
  EXPECT_EQ(status_of(answer), 408) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(ServerConnection, ConnectionsPerAddressAreCapped) {
  auto config = test_server_config();
  config.max_connections_per_ip = 4;
  TestServer srv(config);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawSocket>(srv.port()));
  std::this_thread::sleep_for(100ms);
  RawSocket extra(srv.port());
  const std::string answer = extra.read_all();
  EXPECT_EQ(status_of(answer), 429) << answer;
  held.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

// A non-streamed generation whose client hangs up stops within a second
// (before: it ran to max_tokens).
TEST(ServerConnection, NonStreamedGenerationStopsWhenTheClientHangsUp) {
  auto config = test_server_config();
  config.slots = 1;
  config.ctx_size = 4096;
  TestServer srv(config);
  const std::string body = R"({"prompt":"Once","max_tokens":4000,"ignore_eos":true,"temperature":0})";
  RawSocket s(srv.port());
  ASSERT_TRUE(s.send_text("POST /api/v1/models/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                          "application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body));
  auto active = [&] { return get_json(srv, "/api/v1/slots").body["models"][0]["active"].get<int>(); };
  const auto t0 = std::chrono::steady_clock::now();
  while (active() == 0 && std::chrono::steady_clock::now() - t0 < 5s) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(active(), 1);
  s.close();
  const auto closed = std::chrono::steady_clock::now();
  while (active() != 0 && std::chrono::steady_clock::now() - closed < 5s) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(active(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - closed, 1s);
  // Ended as cancelled, not run to its length.
  const std::string metrics = srv.client().Get("/metrics")->body;
  EXPECT_EQ(metric_value(metrics, R"(playground_generations_total{model="stories260K",finish_reason="cancelled"})"), 1)
      << metrics;
}

TEST(ServerConnection, SecondServerOnAPortInUseIsRefused) {
  TestServer first;
  auto config = test_server_config();
  config.port = first.port();
  server::PlaygroundServer second(config);
  const Status s = second.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("address already in use"), std::string::npos) << s.message();
  EXPECT_EQ(get_json(first, "/api/v1/health").status, 200);
}

// DNS rebinding: a page whose own name resolves to 127.0.0.1 sends its name as Host.
TEST(ServerBrowserChecks, ForeignHostNamesAreRefused) {
  TestServer srv;
  auto c = srv.client();
  auto r = to_reply(c.Get("/api/v1/health", {{"Host", "attacker.example:" + std::to_string(srv.port())}}));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"]["code"], "host_forbidden");
  for (const std::string host : {"localhost", "127.0.0.1", "[::1]", "app.localhost"})
    EXPECT_EQ(to_reply(c.Get("/api/v1/health", {{"Host", host + ":" + std::to_string(srv.port())}})).status, 200) << host;
  // The list replaces the automatic names.
  auto config = test_server_config();
  config.allowed_hosts = {"playground.example", ".corp.example"};
  TestServer listed(config);
  auto lc = listed.client();
  EXPECT_EQ(to_reply(lc.Get("/api/v1/health", {{"Host", "playground.example"}})).status, 200);
  EXPECT_EQ(to_reply(lc.Get("/api/v1/health", {{"Host", "gpu.corp.example:8080"}})).status, 200);
  EXPECT_EQ(to_reply(lc.Get("/api/v1/health", {{"Host", "attacker.example"}})).status, 403);
}

// A page on another site POSTs text/plain JSON to create an admin (auth off, loopback).
TEST(ServerBrowserChecks, CrossSiteStateChangesAreRefused) {
  TestServer srv;
  const std::string user = R"({"username":"planted","password":"Correct-Horse-Battery-9","role":"admin"})";
  auto c = srv.client();
  const std::string self = "http://127.0.0.1:" + std::to_string(srv.port());
  auto cross = to_reply(c.Post("/api/v1/users", {{"Origin", "http://evil.example"}}, user, "text/plain"));
  EXPECT_EQ(cross.status, 403) << cross.raw;
  EXPECT_EQ(cross.body["error"]["code"], "origin_forbidden");
  auto cross_json = to_reply(c.Post("/api/v1/users", {{"Origin", "http://evil.example"}}, user, "application/json"));
  EXPECT_EQ(cross_json.status, 403) << cross_json.raw;
  auto plain = to_reply(c.Post("/api/v1/users", user, "text/plain"));
  EXPECT_EQ(plain.status, 415) << plain.raw;
  EXPECT_EQ(plain.body["error"]["code"], "unsupported_media_type");
  auto form_from_page = to_reply(c.Post("/api/v1/users", {{"Origin", self}}, user, "application/x-www-form-urlencoded"));
  EXPECT_EQ(form_from_page.status, 415) << form_from_page.raw;
  auto users = get_json(srv, "/api/v1/users");
  ASSERT_EQ(users.status, 200) << users.raw;
  for (const auto& u : users.body["users"]) EXPECT_NE(u["username"], "planted");
  auto cross_delete = to_reply(c.Delete("/api/v1/collections/x", {{"Origin", "https://evil.example"}}));
  EXPECT_EQ(cross_delete.status, 403);

  // What stays allowed: the server's own pages, listed origins, and clients without Origin (curl -d).
  EXPECT_EQ(to_reply(c.Post("/api/v1/tokenize", {{"Origin", self}}, R"({"text":"Once"})", "application/json")).status, 200);
  EXPECT_EQ(to_reply(c.Post("/api/v1/tokenize", R"({"text":"Once"})", "application/x-www-form-urlencoded")).status, 200);
  auto config = test_server_config();
  config.cors_origins = {"https://tools.example"};
  TestServer cors(config);
  auto cc = cors.client();
  EXPECT_EQ(to_reply(cc.Post("/api/v1/tokenize", {{"Origin", "https://tools.example"}}, R"({"text":"Once"})",
                             "application/json")).status, 200);
  EXPECT_EQ(to_reply(cc.Post("/api/v1/tokenize", {{"Origin", "https://other.example"}}, R"({"text":"Once"})",
                             "application/json")).status, 403);
}

}  // namespace
}  // namespace pg::test
