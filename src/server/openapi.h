// The OpenAPI 3.1 description of every route the server serves, served at
// /openapi.json, and the Swagger UI page at /docs with its assets (the npm
// package swagger-ui-dist, read from disk, never from a CDN). The route
// list here is written by hand; a test checks that it and the routes the
// server registers are the same set, both ways.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http_util.h"
#include "server/server_context.h"

namespace pg::server {

// (method, path) of every described route, paths as in the route table ("/v1/models/{id}").
std::vector<std::pair<std::string, std::string>> described_routes();
nlohmann::ordered_json openapi_document();

// The directory with swagger-ui.css and swagger-ui-bundle.js: `configured`,
// else next to the binary (swagger-ui/), else the source tree's npm folder.
std::string find_swagger_ui_dir(const std::string& configured);

void add_docs_routes(RouteTable& routes, ServerContext& ctx);

}  // namespace pg::server
