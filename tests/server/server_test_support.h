// Helpers of the server tests: an in-process PlaygroundServer on 127.0.0.1
// with a free port and the demo model (log lines captured in memory), JSON
// requests with httplib::Client, streaming requests that may hang up, and
// parsers for Server-Sent Events and NDJSON. Tests only; talks real HTTP.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include "server/http_server.h"
#include "app/server_config.h"
#include "test_paths.h"

namespace pg::test {

inline std::string demo_model_file() { return source_dir() + "/models/demo/stories260K.gguf"; }

// A fresh data directory (database, secret) for each test server; all of
// them are removed when the test program exits.
inline std::string fresh_data_dir() {
  struct Made {
    std::mutex mu;
    std::vector<std::string> dirs;
    ~Made() {
      std::error_code ec;
      for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
    }
  };
  static Made made;
  static std::atomic<int> counter{0};
  const std::string dir = ::testing::TempDir() + "pg_server_data_" + std::to_string(::getpid()) + "_" +
                          std::to_string(counter.fetch_add(1));
  std::filesystem::remove_all(dir);
  std::lock_guard lock(made.mu);
  made.dirs.push_back(dir);
  return dir;
}

// A config for tests: loopback, port 0, the demo model, one compute thread,
// its own data directory, the cheapest password hashing.
inline app::ServerConfig test_server_config() {
  app::ServerConfig c;
  c.host = "127.0.0.1";
  c.port = 0;
  c.model = demo_model_file();
  c.models_dir = "";
  c.data_dir = fresh_data_dir();
  c.password_cost = "min";
  c.threads = 1;
  c.slots = 4;
  c.log_level = "info";
  return c;
}

class TestServer {
 public:
  explicit TestServer(app::ServerConfig config = test_server_config())
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_)),
        server_(std::make_unique<server::PlaygroundServer>(std::move(config), sink_)) {
    const Status s = server_->start();
    if (!s) ADD_FAILURE() << "server did not start: " << s.message();
  }
  ~TestServer() { server_->shutdown(); }

  int port() const { return server_->port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(30, 0);
    return c;
  }
  std::string log_text() {
    sink_->flush();
    return log_.str();
  }
  server::PlaygroundServer& server() { return *server_; }

 private:
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::unique_ptr<server::PlaygroundServer> server_;
};

struct JsonReply {
  int status = 0;
  nlohmann::json body;
  std::string raw;
  httplib::Headers headers;
};

inline JsonReply to_reply(const httplib::Result& r) {
  JsonReply out;
  if (!r) return out;
  out.status = r->status;
  out.raw = r->body;
  out.headers = r->headers;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

inline JsonReply post_json(const TestServer& srv, const std::string& path, const nlohmann::json& body,
                           const httplib::Headers& headers = {}) {
  auto c = srv.client();
  return to_reply(c.Post(path, headers, body.dump(), "application/json"));
}

inline JsonReply post_raw(const TestServer& srv, const std::string& path, const std::string& body,
                          const httplib::Headers& headers = {}) {
  auto c = srv.client();
  return to_reply(c.Post(path, headers, body, "application/json"));
}

inline httplib::Headers bearer(const std::string& credential) { return {{"Authorization", "Bearer " + credential}}; }

inline JsonReply get_json(const TestServer& srv, const std::string& path, const httplib::Headers& headers = {}) {
  auto c = srv.client();
  return to_reply(c.Get(path, headers));
}

// POSTs JSON (with extra headers, e.g. bearer(token)) and hands each received
// chunk to on_chunk; returning false hangs up.
// One file of a multipart upload (the "files" field documents are uploaded in).
inline httplib::MultipartFormData file_part(const std::string& name, const std::string& content,
                                            const std::string& type = "application/octet-stream") {
  return {"files", content, name, type};
}

// Polls an ingestion job until it ends (4 minutes at most: ASan builds embed
// slowly); returns its last state.
inline nlohmann::json wait_for_job(const TestServer& srv, const std::string& id) {
  nlohmann::json job;
  for (int i = 0; i < 2400; ++i) {
    job = get_json(srv, "/api/v1/ingest/jobs/" + id).body;
    if (job.value("finished", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return job;
}

inline httplib::Result post_streaming(const TestServer& srv, const std::string& path, const nlohmann::json& body,
                                      const std::function<bool(std::string_view)>& on_chunk,
                                      const httplib::Headers& headers = {}) {
  auto c = srv.client();
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body.dump();
  req.headers = headers;
  req.set_header("Content-Type", "application/json");
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    return on_chunk(std::string_view(data, n));
  };
  return c.send(req);
}

struct SseEvent {
  std::string event;  // "" when the event had no event: line
  std::string data;
  nlohmann::json json() const { return nlohmann::json::parse(data, nullptr, false); }
};

// Parses complete events of a text/event-stream body (comments skipped).
inline std::vector<SseEvent> parse_sse(const std::string& body) {
  std::vector<SseEvent> events;
  SseEvent current;
  bool any = false;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (any) events.push_back(current);
      current = {};
      any = false;
    } else if (line[0] == ':') {
      continue;
    } else if (line.rfind("event: ", 0) == 0) {
      current.event = line.substr(7), any = true;
    } else if (line.rfind("data: ", 0) == 0) {
      current.data += line.substr(6), any = true;
    }
  }
  return events;
}

inline std::vector<nlohmann::json> parse_ndjson(const std::string& body) {
  std::vector<nlohmann::json> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line, nullptr, false));
  return out;
}

// Streams /api/v1/models/generate to the end; returns the events.
inline std::vector<SseEvent> stream_generate(const TestServer& srv, nlohmann::json body) {
  body["stream"] = true;
  std::string received;
  auto r = post_streaming(srv, "/api/v1/models/generate", body, [&](std::string_view chunk) {
    received.append(chunk);
    return true;
  });
  EXPECT_TRUE(r) << "stream request failed";
  if (r) {
    EXPECT_EQ(r->status, 200) << received;
  }
  return parse_sse(received);
}

// Text of the streamed events of type "text", joined.
inline std::string joined_text(const std::vector<SseEvent>& events) {
  std::string text;
  for (const auto& e : events)
    if (e.event == "text") text += e.json().value("text", "");
  return text;
}

// Polls `done` for up to two seconds. The access log line and request metrics
// are written after the response is sent, so a client may see the answer first.
inline bool eventually(const std::function<bool()>& done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// The value of a metric line (exact name with labels) in Prometheus text; -1 if absent.
inline double metric_value(const std::string& metrics, const std::string& name_with_labels) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name_with_labels + " ", 0) == 0) return std::stod(line.substr(name_with_labels.size() + 1));
  return -1;
}

}  // namespace pg::test
