// URL splitting, redirects and capped small GETs; see http_fetch.h.
#include "models/http_fetch.h"

namespace pg::models {

Result<UrlParts> split_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Error{"'" + url + "' is not a URL (no scheme)"};
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return Error{"'" + url + "' is not an http or https URL"};
  const auto path_start = url.find('/', scheme_end + 3);
  UrlParts p;
  p.origin = url.substr(0, path_start);
  p.path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (p.origin.size() <= scheme_end + 3) return Error{"'" + url + "' has no host"};
  for (char c : p.origin)
    if (static_cast<unsigned char>(c) <= 0x20) return Error{"'" + url + "' has a space or control byte in its host"};
  return p;
}

std::string resolve_location(const UrlParts& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  if (location.rfind("//", 0) == 0) return base.origin.substr(0, base.origin.find("://") + 1) + location;
  if (!location.empty() && location[0] == '/') return base.origin + location;
  const auto slash = base.path.rfind('/');
  return base.origin + base.path.substr(0, slash + 1) + location;
}

std::unique_ptr<httplib::Client> make_client(const std::string& origin) {
  auto c = std::make_unique<httplib::Client>(origin);
  c->set_connection_timeout(15, 0);
  c->set_read_timeout(60, 0);
  c->set_write_timeout(30, 0);
  c->set_follow_location(false);
  return c;
}

Result<SmallReply> get_small(const std::string& url, const std::string& bearer, const httplib::Headers& extra,
                             uint64_t max_bytes) {
  auto first = split_url(url);
  if (!first) return first.status();
  std::string current = url;
  for (int hop = 0; hop < 9; ++hop) {
    auto parts = split_url(current);
    if (!parts) return parts.status();
    auto client = make_client(parts->origin);
    httplib::Headers headers = extra;
    headers.emplace("Accept-Encoding", "identity");
    headers.emplace("User-Agent", "mistral-playground");
    if (!bearer.empty() && parts->origin == first->origin) headers.emplace("Authorization", "Bearer " + bearer);
    SmallReply reply;
    bool too_big = false;
    auto res = client->Get(
        parts->path, headers, [&](const httplib::Response& r) { reply.status = r.status; reply.headers = r.headers; return true; },
        [&](const char* data, size_t n) {
          if (reply.body.size() + n > max_bytes) {
            too_big = true;
            return false;
          }
          reply.body.append(data, n);
          return true;
        });
    if (too_big) return Error{"the reply from " + current + " is larger than " + std::to_string(max_bytes) + " bytes"};
    if (!res) return Error{"cannot reach " + current + ": " + httplib::to_string(res.error())};
    reply.status = res->status;
    reply.headers = res->headers;
    if (reply.status >= 300 && reply.status < 400 && res->has_header("Location")) {
      current = resolve_location(*parts, res->get_header_value("Location"));
      continue;
    }
    reply.final_url = current;
    return reply;
  }
  return Error{"too many redirects from " + url};
}

std::string explain_http_status(int status, const std::string& url) {
  std::string s = "HTTP " + std::to_string(status) + " from " + url;
  if (status == 401 || status == 403)
    s += ": access denied (a gated or private repository needs a token: set HF_TOKEN, and accept the model's "
         "terms on its page)";
  else if (status == 404)
    s += ": not found (check the owner, repository, file or tag)";
  else if (status == 429)
    s += ": rate limited";
  else if (status >= 500)
    s += ": the server failed";
  return s;
}

bool retryable_status(int status) { return status == 408 || status == 425 || status == 429 || status >= 500; }

}  // namespace pg::models
