// A loopback HTTP server for the model-download tests that follows the real
// URL layout of the Hugging Face Hub (/api/models/OWNER/REPO/tree/main with
// LFS sha256 and sizes, /OWNER/REPO/resolve/main/FILE answering 302 to a
// CDN-like /cdn-lfs/SHA with X-Linked-Etag, X-Linked-Size and ETag, Range
// requests answered 206 by httplib, /api/models?search=) and of the Ollama
// registry (/v2/library/NAME/manifests/TAG, /v2/library/NAME/blobs/sha256:...
// answering 307 to the CDN). Faults are switched on per test: a throttle,
// 5xx answers, a dropped connection, a corrupted byte, a required token.
// Tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "util/sha256.h"
#include "server/auth/crypto.h"

namespace pg::test {

class FakeModelSource {
 public:
  FakeModelSource() {
    svr_.Get(R"(/api/models/([^/]+)/([^/]+)/tree/main)", [this](const httplib::Request& req, httplib::Response& res) {
      ++api_requests;
      if (!authorized(req, res)) return;
      const std::string repo = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
      std::lock_guard lock(mu_);
      auto it = repos_.find(repo);
      if (it == repos_.end()) {
        res.status = 404;
        res.set_content(R"({"error":"Repository not found"})", "application/json");
        return;
      }
      nlohmann::json list = nlohmann::json::array();
      list.push_back({{"type", "file"}, {"oid", "0123"}, {"size", 20}, {"path", "README.md"}});
      for (const auto& [path, sha] : it->second) {
        const std::string& bytes = blobs_[sha];
        list.push_back({{"type", "file"}, {"oid", "abcd"}, {"size", bytes.size()}, {"path", path},
                        {"lfs", {{"oid", sha}, {"size", bytes.size()}, {"pointerSize", 134}}}});
      }
      res.set_content(list.dump(), "application/json");
    });
    svr_.Get(R"(/api/models)", [this](const httplib::Request& req, httplib::Response& res) {
      last_search = req.get_param_value("search") + "|" + req.get_param_value("filter");
      nlohmann::json list = nlohmann::json::array();
      std::lock_guard lock(mu_);
      for (const auto& [repo, files] : repos_)
        if (repo.find(req.get_param_value("search")) != std::string::npos)
          list.push_back({{"id", repo}, {"downloads", 7}, {"likes", 1}, {"lastModified", "2026-01-01T00:00:00.000Z"}});
      res.set_content(list.dump(), "application/json");
    });
    svr_.Get(R"(/([^/]+)/([^/]+)/resolve/main/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req, res)) return;
      const std::string repo = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
      std::lock_guard lock(mu_);
      auto it = repos_.find(repo);
      if (it == repos_.end() || !it->second.count(req.matches[3])) {
        res.status = 404;
        res.set_content("Entry not found", "text/plain");
        return;
      }
      const std::string sha = it->second[req.matches[3]];
      res.status = 302;
      res.set_header("Location", "/cdn-lfs/" + sha + "?X-Amz-Signature=test");
      res.set_header("X-Linked-Etag", "\"" + sha + "\"");
      res.set_header("X-Linked-Size", std::to_string(blobs_[sha].size()));
      res.set_header("ETag", "\"deadbeef\"");
    });
    svr_.Get(R"(/v2/library/([^/]+)/manifests/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      auto it = manifests_.find(std::string(req.matches[1]) + ":" + std::string(req.matches[2]));
      if (it == manifests_.end()) {
        res.status = 404;
        res.set_content(R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})", "application/json");
        return;
      }
      res.set_content(it->second, "application/vnd.docker.distribution.manifest.v2+json");
    });
    svr_.Get(R"(/v2/library/([^/]+)/blobs/sha256:([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string sha = req.matches[2];
      std::lock_guard lock(mu_);
      if (!blobs_.count(sha)) {
        res.status = 404;
        return;
      }
      if (blobs_[sha].size() < 4096) {  // small layers straight away, like the registry's config blobs
        res.set_content(blobs_[sha], "application/octet-stream");
        return;
      }
      res.status = 307;
      res.set_header("Location", "http://127.0.0.1:" + std::to_string(port_) + "/cdn-lfs/" + sha);
    });
    svr_.Get(R"(/cdn-lfs/([0-9a-f]{64}))", [this](const httplib::Request& req, httplib::Response& res) {
      const int n = ++cdn_requests;
      {
        std::lock_guard lock(mu_);
        range_log.push_back(req.has_header("Range") ? req.get_header_value("Range") : "");
      }
      if (fail_cdn_requests.load() > 0) {
        --fail_cdn_requests;
        res.status = fail_status.load();
        res.set_content("upstream trouble", "text/plain");
        return;
      }
      (void)n;
      std::string body;
      {
        std::lock_guard lock(mu_);
        auto it = blobs_.find(req.matches[1]);
        if (it == blobs_.end()) {
          res.status = 404;
          return;
        }
        body = it->second;
      }
      if (corrupt.load()) body[body.size() / 2] ^= 0x5a;
      const int drop_after = drop_after_bytes.exchange(-1);
      res.set_header("ETag", "\"" + std::string(req.matches[1]) + "\"");
      res.set_content_provider(body.size(), "application/octet-stream",
                               [this, body, drop_after, sent = size_t{0}](size_t offset, size_t length,
                                                                          httplib::DataSink& sink) mutable {
                                 const size_t chunk = std::min<size_t>(length, 64 * 1024);
                                 if (drop_after >= 0 && sent >= static_cast<size_t>(drop_after)) return false;
                                 if (const int us = throttle_us.load(); us > 0)
                                   std::this_thread::sleep_for(std::chrono::microseconds(us));
                                 if (!sink.write(body.data() + offset, chunk)) return false;
                                 sent += chunk;
                                 return true;
                               });
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    while (!svr_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeModelSource() {
    svr_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Serves `bytes` as OWNER/REPO's file at `path`; returns its sha256.
  std::string add_hf_file(const std::string& repo, const std::string& path, const std::string& bytes) {
    const std::string sha = sha256_hex(bytes);
    std::lock_guard lock(mu_);
    blobs_[sha] = bytes;
    repos_[repo][path] = sha;
    return sha;
  }
  // An Ollama library model NAME:TAG with a GGUF, a template and params layer.
  std::string add_ollama_model(const std::string& name, const std::string& tag, const std::string& gguf,
                               const std::string& tmpl, const nlohmann::json& params) {
    const std::string model_sha = sha256_hex(gguf);
    const std::string tmpl_sha = sha256_hex(tmpl);
    const std::string params_text = params.dump();
    const std::string params_sha = sha256_hex(params_text);
    nlohmann::json m = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
        {"config", {{"mediaType", "application/vnd.docker.container.image.v1+json"}, {"digest", "sha256:" + params_sha}, {"size", params_text.size()}}},
        {"layers",
         {{{"mediaType", "application/vnd.ollama.image.model"}, {"digest", "sha256:" + model_sha}, {"size", gguf.size()}},
          {{"mediaType", "application/vnd.ollama.image.template"}, {"digest", "sha256:" + tmpl_sha}, {"size", tmpl.size()}},
          {{"mediaType", "application/vnd.ollama.image.params"}, {"digest", "sha256:" + params_sha}, {"size", params_text.size()}}}}};
    std::lock_guard lock(mu_);
    blobs_[model_sha] = gguf;
    blobs_[tmpl_sha] = tmpl;
    blobs_[params_sha] = params_text;
    manifests_[name + ":" + tag] = m.dump();
    return model_sha;
  }
  std::vector<std::string> ranges() {
    std::lock_guard lock(mu_);
    return range_log;
  }

  std::atomic<int> throttle_us{0};        // sleep before each 64 KiB chunk
  std::atomic<int> fail_cdn_requests{0};  // the next N CDN requests answer fail_status
  std::atomic<int> fail_status{503};
  std::atomic<int> drop_after_bytes{-1};  // the next CDN reply closes the connection after this many bytes
  std::atomic<bool> corrupt{false};       // flip one byte in the middle of every CDN reply
  std::atomic<int> cdn_requests{0};
  std::atomic<int> api_requests{0};
  std::string required_token;             // set before use: 401 without "Bearer <token>"
  std::string last_search;

 private:
  bool authorized(const httplib::Request& req, httplib::Response& res) {
    if (required_token.empty() || req.get_header_value("Authorization") == "Bearer " + required_token) return true;
    res.status = 401;
    res.set_content(R"({"error":"Access to model is restricted. You must be authenticated."})", "application/json");
    return false;
  }

  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, std::string> blobs_;                           // sha -> bytes
  std::map<std::string, std::map<std::string, std::string>> repos_;    // repo -> path -> sha
  std::map<std::string, std::string> manifests_;                        // name:tag -> json
  std::vector<std::string> range_log;
};

}  // namespace pg::test
