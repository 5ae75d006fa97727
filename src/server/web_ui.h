// The web UI's routes: the files built from web/ (index.html, assets/…) served
// at /, with the single-page app's own paths (/chat, /documents/3, …) answered
// by index.html. It must never serve a file outside the web directory, never
// answer a path of an API (/api, /v1, /docs, /openapi.json, /metrics), and
// never send anything but the built files or a note saying how to build them.
#pragma once

#include <string>
#include <string_view>

#include "server/http_util.h"
#include "server/server_context.h"

namespace pg::server {

// The directory of the built UI: `configured`, else web/ next to the binary or
// ../share/playground/web (an installed copy; when it holds index.html), else
// the source tree's web/dist.
std::string find_web_ui_dir(const std::string& configured);

// True for the GET paths the UI's routes answer ("/", "/assets/…", the app's
// pages); they need no credentials (the app logs in itself).
bool is_web_ui_path(std::string_view path);

// The content type of a built file, from its extension; empty when the
// extension is not one the UI's build produces (such files are not served).
std::string web_ui_content_type(std::string_view file_name);

// Registers GET /, GET /assets/{file} and GET /{page}; register them last.
void add_web_ui_routes(RouteTable& routes, ServerContext& ctx);

}  // namespace pg::server
