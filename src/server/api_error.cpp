// Error bodies (ours/OpenAI's and Ollama's) and categories; see api_error.h.
#include "server/api_error.h"

namespace pg::server {

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
