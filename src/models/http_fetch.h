// Small HTTP helpers of the model downloads: splitting a URL into the
// "scheme://host:port" a client connects to and its path, following
// redirects by hand (so the headers of every hop can be read, and a bearer
// token is only sent to the host it was meant for), and fetching small
// replies (JSON listings, manifests) with a size cap. Never writes files.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <httplib.h>

#include "util/result.h"

namespace pg::models {

struct UrlParts {
  std::string origin;  // "https://huggingface.co" or "http://127.0.0.1:8123"
  std::string path;    // "/api/models/x/y", starting with '/'
};
// Only http and https URLs with a host; anything else is an error naming the URL.
Result<UrlParts> split_url(const std::string& url);
// Resolves a Location header (absolute, or a path on `base`'s origin).
std::string resolve_location(const UrlParts& base, const std::string& location);

// A client for the origin with the timeouts the downloads use.
std::unique_ptr<httplib::Client> make_client(const std::string& origin);

struct SmallReply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string final_url;
};

// GET with up to 8 redirects; `bearer` goes only to the first URL's origin.
// Bodies over max_bytes, transport errors and too many redirects are errors;
// any HTTP status (404, 500 ...) is returned for the caller to explain.
Result<SmallReply> get_small(const std::string& url, const std::string& bearer, const httplib::Headers& extra = {},
                             uint64_t max_bytes = 16u << 20);

// "HTTP 404 from URL" style text for a status, with a hint for 401/403/404.
std::string explain_http_status(int status, const std::string& url);
// True for statuses worth retrying (408, 425, 429, 5xx).
bool retryable_status(int status);

}  // namespace pg::models
