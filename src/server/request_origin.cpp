// Host and cross-site checks; see request_origin.h.
#include "server/request_origin.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace pg::server {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_ip_literal(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

bool is_loopback_host(const std::string& host) {
  const std::string h = host_name_of(host);
  if (h == "localhost" || ends_with(h, ".localhost") || h == "::1") return true;
  in_addr a{};
  return inet_pton(AF_INET, h.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

// host and port of a Host header value; port 0 when absent.
void split_host(const std::string& value, std::string& name, int& port) {
  std::string v = value;
  port = 0;
  std::string port_text;
  if (!v.empty() && v.front() == '[') {
    const size_t close = v.find(']');
    name = close == std::string::npos ? v.substr(1) : v.substr(1, close - 1);
    if (close != std::string::npos && close + 1 < v.size() && v[close + 1] == ':') port_text = v.substr(close + 2);
  } else {
    const size_t colon = v.find(':');
    // More than one colon without brackets: an IPv6 literal without a port.
    if (colon != std::string::npos && v.find(':', colon + 1) == std::string::npos) {
      name = v.substr(0, colon);
      port_text = v.substr(colon + 1);
    } else {
      name = v;
    }
  }
  name = lower(name);
  while (!name.empty() && name.back() == '.') name.pop_back();
  if (!port_text.empty() && port_text.size() <= 5 &&
      std::all_of(port_text.begin(), port_text.end(), [](unsigned char c) { return std::isdigit(c); }))
    port = std::stoi(port_text);
  else if (!port_text.empty())
    port = -1;  // not a port
}

bool state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// The media type of a Content-Type value, lower case, without parameters.
std::string media_type(const std::string& content_type) {
  std::string t = lower(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(t.begin());
  return t;
}

bool has_body(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  const std::string n = req.get_header_value("Content-Length");
  return !n.empty() && n != "0";
}

// True when Origin names the same scheme-less host and port as the Host header.
bool same_origin(const std::string& origin, const std::string& host_header) {
  const size_t sep = origin.find("://");
  if (sep == std::string::npos) return false;
  const std::string scheme = lower(origin.substr(0, sep));
  std::string origin_name, host_name;
  int origin_port = 0, host_port = 0;
  split_host(origin.substr(sep + 3), origin_name, origin_port);
  split_host(host_header, host_name, host_port);
  if (origin_port < 0 || host_port < 0 || origin_name.empty() || origin_name != host_name) return false;
  const int default_port = scheme == "https" ? 443 : scheme == "http" ? 80 : -1;
  if (default_port < 0) return false;
  if (origin_port == 0) origin_port = default_port;
  // A proxy may forward a Host without the port the browser used.
  return host_port == 0 ? origin_port == default_port || origin_port == 80 || origin_port == 443
                        : origin_port == host_port;
}

}  // namespace

std::string host_name_of(const std::string& host_header) {
  std::string name;
  int port = 0;
  split_host(host_header, name, port);
  return name;
}

OriginPolicy make_origin_policy(const std::string& bound_host, const std::vector<std::string>& allowed_hosts,
                                const std::vector<std::string>& cors_origins) {
  OriginPolicy p;
  p.cors_origins = cors_origins;
  for (const std::string& h : allowed_hosts) {
    if (h == "*") p.any_host = true;
    else if (!h.empty()) p.allowed_hosts.push_back(lower(h));
  }
  if (allowed_hosts.empty()) {
    // Bound beyond loopback: reached under any name, and authentication is on there.
    p.any_host = !is_loopback_host(bound_host);
    p.loopback_names = true;
  }
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0) p.machine_name = lower(name);
  return p;
}

std::optional<ApiError> check_host(const OriginPolicy& policy, const httplib::Request& req) {
  if (policy.any_host || !req.has_header("Host")) return std::nullopt;
  const std::string value = req.get_header_value("Host");
  const std::string name = host_name_of(value);
  bool ok = false;
  for (const std::string& a : policy.allowed_hosts)
    ok = ok || name == a || (a.front() == '.' && ends_with(name, a)) ||
         (a.size() > 2 && a.compare(0, 2, "*.") == 0 && ends_with(name, a.substr(1)));
  if (policy.loopback_names)
    ok = ok || name == "localhost" || ends_with(name, ".localhost") || is_ip_literal(name) ||
         (!policy.machine_name.empty() && name == policy.machine_name);
  if (ok) return std::nullopt;
  std::string shown = value.substr(0, 100);
  return ApiError(403, "host_forbidden",
                  "this server does not answer to the host name '" + shown +
                      "' (a defence against DNS rebinding); add it to allowed_hosts to allow it");
}

std::optional<ApiError> check_cross_site(const OriginPolicy& policy, const httplib::Request& req, bool upload_route) {
  if (!state_changing(req.method)) return std::nullopt;
  const bool has_origin = req.has_header("Origin");
  if (has_origin) {
    const std::string origin = req.get_header_value("Origin");
    const bool listed = std::any_of(policy.cors_origins.begin(), policy.cors_origins.end(),
                                    [&](const std::string& o) { return o == "*" || o == origin; });
    if (!listed && !same_origin(origin, req.get_header_value("Host")))
      return ApiError(403, "origin_forbidden",
                      "a " + req.method + " from the web page at '" + origin.substr(0, 100) +
                          "' is refused: browsers may change data here only from this server's own pages or an "
                          "origin listed in cors_origins");
  }
  if (!has_body(req) || !req.has_header("Content-Type")) return std::nullopt;
  const std::string type = media_type(req.get_header_value("Content-Type"));
  if (type == "application/json" || ends_with(type, "+json")) return std::nullopt;
  if (upload_route && type == "multipart/form-data") return std::nullopt;
  if (type == "application/x-www-form-urlencoded" && !has_origin) return std::nullopt;  // curl -d '{...}'
  if (type == "application/octet-stream" && !has_origin) return std::nullopt;
  return ApiError(415, "unsupported_media_type",
                  "a request body labelled '" + type.substr(0, 100) +
                      "' is refused here: send JSON with Content-Type: application/json");
}

}  // namespace pg::server
