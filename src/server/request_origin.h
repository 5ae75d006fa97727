// Who may talk to the server from a browser: the defence against DNS
// rebinding (a page whose own domain resolves to 127.0.0.1 reads our answers)
// and against cross-site requests (a page POSTs text/plain JSON to
// 127.0.0.1:8080 and creates an admin). Two checks run before routing:
// - Host: the name in the Host header must be one the server answers to
//   (allowed_hosts; by default, when bound to loopback, localhost names, IP
//   literals and this machine's name; any name when bound elsewhere, where
//   authentication is required anyway).
// - Cross-site: a state-changing request (POST, PUT, PATCH, DELETE) that
//   carries a browser Origin must come from the server's own origin or one in
//   cors_origins; and its body must be labelled JSON: text/plain and
//   multipart/form-data (outside upload routes) are refused, and a form
//   encoding only from clients that send no Origin (curl -d, as Ollama's
//   documentation uses it; browsers always send Origin with a POST).
// Never: trust a header to say that a request is same-origin beyond comparing
// Origin with Host, or let anything but these two checks decide.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include "server/api_error.h"

namespace pg::server {

struct OriginPolicy {
  bool any_host = false;                   // bound beyond loopback, or "*" in allowed_hosts
  std::vector<std::string> allowed_hosts;  // exact names; ".example.com" allows its subdomains
  bool loopback_names = false;             // localhost, *.localhost, IP literals, this machine's name
  std::string machine_name;                // gethostname(), lower case
  std::vector<std::string> cors_origins;   // browser origins allowed besides the server's own ("*": any)
};

// The policy for a server bound to `host` with the given configuration lists.
OriginPolicy make_origin_policy(const std::string& bound_host, const std::vector<std::string>& allowed_hosts,
                                const std::vector<std::string>& cors_origins);

// The host name of a Host header value, lower case, without port or brackets.
std::string host_name_of(const std::string& host_header);

// 403 host_forbidden when the Host header names a host the server does not answer to.
std::optional<ApiError> check_host(const OriginPolicy& policy, const httplib::Request& req);

// 403 origin_forbidden / 415 unsupported_media_type for a cross-site state change.
std::optional<ApiError> check_cross_site(const OriginPolicy& policy, const httplib::Request& req, bool upload_route);

}  // namespace pg::server
