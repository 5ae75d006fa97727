// The browser-facing security headers of the pages and files we serve (the web
// UI and the Swagger UI at /docs): one place that sets them, so no page is
// served without. Only sets headers; never reads the request or the body.
#pragma once

#include <httplib.h>

namespace pg::server {

// Content-Security-Policy of the web UI: only its own files and API (no inline
// scripts, no other origins); inline styles are allowed because Radix positions
// popovers with them.
inline constexpr const char* kWebUiContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// Content-Security-Policy of /docs: Swagger UI's bundle and our init script from
// /docs, /openapi.json and the API itself ("Try it out"); its CSS inlines SVG
// icons as data: URLs and React sets style attributes.
inline constexpr const char* kDocsContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// An HTML page: the policy, nosniff, no framing (X-Frame-Options for old
// browsers, frame-ancestors for new ones) and no Referer to other sites.
void set_page_security_headers(httplib::Response& res, const char* content_security_policy);

// A static file (script, style, image): nosniff and no framing.
void set_file_security_headers(httplib::Response& res);

}  // namespace pg::server
