// The error shape of our and OpenAI's routes, {"error":{"code","message","type"}}:
// `code` and `message` are ours, `type` is OpenAI's category, so OpenAI clients
// and our own read the same body; Ollama's routes answer {"error":"message"}. ApiError is the exception the server module
// throws inside a handler to stop it with such a response; it never leaves
// src/server (the route wrapper turns it into the response).
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace pg::server {

struct ApiError : std::exception {
  ApiError(int status, std::string code, std::string message)
      : status(status), code(std::move(code)), message(std::move(message)) {}
  const char* what() const noexcept override { return message.c_str(); }

  int status;           // HTTP status, 4xx or 5xx
  std::string code;     // stable machine-readable code, e.g. "invalid_field"
  std::string message;  // says what was wrong and with which input
  // Seconds for the Retry-After header of a 429 or 503; 0: the default (1 or 5).
  long long retry_after = 0;
};

// THE table from a Status code to HTTP: the status, and the error code shown
// when the Status has no reason of its own (kInvalidArgument 400
// "invalid_request", kNotFound 404 "not_found", kConflict 409, kBusy 429,
// kUnavailable 503, kResourceExhausted 507, kCancelled 499, kDeadlineExceeded
// 504, kUpstreamFailed 502, kUnauthenticated 401, kPermissionDenied 403,
// kInternal 500). Every failure of the layers below reaches a client through it.
int http_status_for(StatusCode code);
ApiError api_error(const Status& error);
// Throws api_error(status) unless it is ok.
void throw_if_error(const Status& status);
// The value, or throws api_error of the failure.
template <typename T>
T value_or_throw(Result<T> result) {
  if (!result) throw_if_error(result.status());
  return std::move(result).value();
}

// 400 with code "invalid_field" naming the field.
ApiError invalid_field(const std::string& field, const std::string& problem);

// OpenAI's error category for a status: "invalid_request_error", "rate_limit_error", ...
const char* error_type_for_status(int status);

nlohmann::json error_body(const ApiError& error);

// True for Ollama's routes (/api/... but not /api/v1...), whose errors are
// Ollama-shaped: {"error": "message"}.
bool is_ollama_path(const std::string& path);
// The error body in the shape of the API that `path` belongs to.
nlohmann::json error_body_for(const std::string& path, const ApiError& error);

}  // namespace pg::server
