// Error bodies (ours/OpenAI's and Ollama's) and categories; see api_error.h.
#include "server/api_error.h"

namespace pg::server {

namespace {

struct HttpMapping {
  int status;
  const char* code;  // the error code when the Status has no reason
};

HttpMapping http_mapping(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: break;
    case StatusCode::kInvalidArgument: return {400, "invalid_request"};
    case StatusCode::kNotFound: return {404, "not_found"};
    case StatusCode::kConflict: return {409, "conflict"};
    case StatusCode::kBusy: return {429, "busy"};
    case StatusCode::kUnavailable: return {503, "unavailable"};
    case StatusCode::kResourceExhausted: return {507, "insufficient_resources"};
    case StatusCode::kCancelled: return {499, "cancelled"};
    case StatusCode::kDeadlineExceeded: return {504, "timeout"};
    case StatusCode::kUpstreamFailed: return {502, "upstream_error"};
    case StatusCode::kUnauthenticated: return {401, "unauthorized"};
    case StatusCode::kPermissionDenied: return {403, "forbidden"};
    case StatusCode::kInternal: break;
  }
  return {500, "internal_error"};
}

}  // namespace

int http_status_for(StatusCode code) { return http_mapping(code).status; }

ApiError api_error(const Status& error) {
  const HttpMapping m = http_mapping(error.code());
  return ApiError(m.status, error.reason().empty() ? m.code : error.reason(), error.message());
}

void throw_if_error(const Status& status) {
  if (!status) throw api_error(status);
}

ApiError invalid_field(const std::string& field, const std::string& problem) {
  return ApiError(400, "invalid_field", "field '" + field + "' " + problem);
}

const char* error_type_for_status(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 429: return "rate_limit_error";
    case 501: return "not_implemented_error";
    case 503: return "service_unavailable_error";
    case 504: return "timeout_error";
    default: break;
  }
  return status >= 500 ? "server_error" : "invalid_request_error";
}

nlohmann::json error_body(const ApiError& error) {
  return {{"error",
           {{"code", error.code}, {"message", error.message}, {"type", error_type_for_status(error.status)}}}};
}

bool is_ollama_path(const std::string& path) {
  return path.rfind("/api/", 0) == 0 && path.rfind("/api/v1/", 0) != 0 && path != "/api/v1";
}

nlohmann::json error_body_for(const std::string& path, const ApiError& error) {
  if (is_ollama_path(path)) return {{"error", error.message}};
  return error_body(error);
}

}  // namespace pg::server
