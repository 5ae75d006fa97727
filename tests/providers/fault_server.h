// A fault-injecting OpenAI-compatible test server, in-process on loopback:
// /v1/chat/completions streams "a", "b", "c" as Server-Sent Events unless
// told to fail: answer 500 (with a settable body) or 429 (with Retry-After) the next N times, drop
// the connection before or after the first token, wait before the headers,
// or drip a token every 100 ms forever; model "missing" (listed) gets a 404.
// /v1/completions answers the same way. It counts
// requests and notices clients that hung up. Tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace pg::test {

class FaultServer {
 public:
  enum class Mode { Ok, Fail500, Fail429, DropBeforeText, DropAfterText, SlowHeaders, Drip };

  FaultServer() {
    svr_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"object":"list","data":[{"id":"good","object":"model"},{"id":"missing","object":"model"},{"id":"other","object":"model"}]})",
                      "application/json");
    });
    svr_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      requests_.fetch_add(1);
      const auto body = nlohmann::json::parse(req.body, nullptr, false);
      nlohmann::json data = nlohmann::json::array();
      for (size_t i = 0; i < body["input"].size(); ++i)
        data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", {1.0, 2.0, 2.0}}});
      res.set_content(nlohmann::json{{"data", data}, {"usage", {{"prompt_tokens", 3}}}}.dump(), "application/json");
    });
    svr_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { chat(req, res); });
    svr_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { chat(req, res); });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    for (int i = 0; i < 500 && !svr_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FaultServer() {
    closing_ = true;
    svr_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The next `times` chat requests behave as `mode`, later ones as `then`.
  void set(Mode mode, int times = 1 << 30, Mode then = Mode::Ok) {
    std::lock_guard lock(mu_);
    mode_ = mode;
    times_ = times;
    then_ = then;
  }
  // The body and Content-Type of Fail500 replies (a JSON error by default).
  void set_failure_body(std::string body, std::string content_type) {
    std::lock_guard lock(mu_);
    fail_body_ = std::move(body);
    fail_type_ = std::move(content_type);
  }
  int requests() const { return requests_.load(); }
  int hangups() const { return hangups_.load(); }
  int active() const { return active_.load(); }
  std::string last_authorization() {
    std::lock_guard lock(mu_);
    return last_auth_;
  }

 private:
  static std::string chunk(const std::string& text) {
    // Both shapes: chat's delta.content and completions' text.
    return "data: " +
           nlohmann::json{{"choices", {{{"index", 0}, {"delta", {{"content", text}}}, {"text", text}, {"finish_reason", nullptr}}}}}.dump() +
           "\n\n";
  }

  // Sleeps up to `ms`, ending early when the server closes.
  void nap(int ms) {
    for (int i = 0; i < ms / 10 && !closing_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  void chat(const httplib::Request& req, httplib::Response& res) {
    requests_.fetch_add(1);
    Mode mode;
    std::string fail_body, fail_type;
    {
      std::lock_guard lock(mu_);
      fail_body = fail_body_;
      fail_type = fail_type_;
      last_auth_ = req.get_header_value("Authorization");
      mode = mode_;
      if (times_ > 0 && --times_ == 0) mode_ = then_;
    }
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.value("model", "") == "missing") {
      res.status = 404;
      res.set_content(R"({"error":{"message":"The model `missing` does not exist."}})", "application/json");
      return;
    }
    if (mode == Mode::Fail500) {
      res.status = 500;
      res.set_content(fail_body, fail_type);
      return;
    }
    if (mode == Mode::Fail429) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error":{"message":"slow down"}})", "application/json");
      return;
    }
    if (mode == Mode::SlowHeaders) nap(3000);
    res.set_chunked_content_provider("text/event-stream", [this, mode](size_t, httplib::DataSink& sink) {
      active_.fetch_add(1);
      struct Done {
        std::atomic<int>& a;
        ~Done() { a.fetch_sub(1); }
      } done{active_};
      auto write = [&](const std::string& s) {
        if (!sink.write(s.data(), s.size())) {
          hangups_.fetch_add(1);
          return false;
        }
        return true;
      };
      if (mode == Mode::DropBeforeText) return false;
      if (!write(chunk("a"))) return false;
      if (mode == Mode::DropAfterText) return false;
      if (mode == Mode::Drip) {
        while (!closing_) {
          nap(100);
          if (!write(chunk("."))) return false;
        }
        return false;
      }
      if (!write(chunk("b")) || !write(chunk("c"))) return false;
      write("data: " + nlohmann::json{{"choices", {{{"index", 0}, {"delta", nlohmann::json::object()}, {"finish_reason", "length"}}}},
                                      {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 3}}}}.dump() + "\n\n");
      write("data: [DONE]\n\n");
      sink.done();
      return true;
    });
  }

  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> closing_{false};
  std::mutex mu_;
  Mode mode_ = Mode::Ok, then_ = Mode::Ok;
  int times_ = 0;
  std::string last_auth_;
  std::string fail_body_ = R"({"error":{"message":"injected failure"}})";
  std::string fail_type_ = "application/json";
  std::atomic<int> requests_{0}, hangups_{0}, active_{0};
};

}  // namespace pg::test
