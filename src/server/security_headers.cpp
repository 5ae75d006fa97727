// Security headers of served pages and files; see security_headers.h.
#include "server/security_headers.h"

namespace pg::server {

void set_file_security_headers(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
}

void set_page_security_headers(httplib::Response& res, const char* content_security_policy) {
  set_file_security_headers(res);
  res.set_header("Content-Security-Policy", content_security_policy);
  res.set_header("Referrer-Policy", "no-referrer");
}

}  // namespace pg::server
