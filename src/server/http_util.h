// Small helpers every route file uses: JSON responses, timestamps in the
// formats the APIs expect, and the route table type the route files fill in.
// No route logic lives here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/auth/authenticator.h"

namespace pg::server {

// Writes `body` as application/json (invalid UTF-8 replaced, never thrown on).
void send_json(httplib::Response& res, int status, const nlohmann::json& body);
std::string dump_json(const nlohmann::json& body);

int64_t unix_seconds_now();
// RFC 3339 in UTC with nanoseconds, as Ollama writes it: 2024-05-01T12:00:00.123456789Z
std::string rfc3339_now();
std::string rfc3339_from_unix(int64_t seconds);

// What a route handler sees of a request: httplib's request (headers, path
// matches) and the body, read by the route table within max_body_bytes
// whatever the Content-Type (`curl -d` sends form-encoded JSON).
struct ApiRequest {
  const httplib::Request& http;
  std::string body;
  auth::Principal user;  // who called (with auth off: the local caller, an admin)
  std::function<bool()> client_gone;  // true once the client has closed the connection (may be empty)
};

// A route handler may throw ApiError; the table's wrapper answers with it.
using RouteHandler = std::function<void(const ApiRequest&, httplib::Response&)>;

// One file part of a multipart/form-data upload, streamed to a temporary file
// (never held in memory). A part over the per-file cap is cut off and marked;
// the handler reports it as that file's error. Temporary files the handler
// did not move away are deleted after it returns.
struct UploadedFile {
  std::string field;         // the form field's name
  std::string file_name;     // as the client sent it: unsanitized, never a path to use
  std::string content_type;  // as the client sent it: untrusted
  std::string temp_path;
  uint64_t size_bytes = 0;   // bytes written (at most the cap)
  bool too_large = false;
};

struct Upload {
  std::vector<UploadedFile> files;
  std::map<std::string, std::string> fields;  // the non-file form fields (each at most 64 KiB)
};

struct UploadLimits {
  uint64_t max_file_bytes = 0;     // per file
  uint64_t max_request_bytes = 0;  // the whole request (413 beyond)
  size_t max_files = 0;            // 400 beyond
  std::string temp_dir;            // where parts are written (created when missing)
};

using UploadHandler = std::function<void(const ApiRequest&, Upload&, httplib::Response&)>;

// How route files register their routes: method ("GET", "POST"), the regex
// pattern httplib matches, and a stable route name for logs and metrics.
class RouteTable {
 public:
  virtual ~RouteTable() = default;
  virtual void add(const std::string& method, const std::string& pattern, const std::string& route_name,
                   RouteHandler handler) = 0;
  // A POST taking multipart/form-data (400 for any other body).
  virtual void add_upload(const std::string& pattern, const std::string& route_name, UploadLimits limits,
                          UploadHandler handler) = 0;
};

}  // namespace pg::server
