// The web UI's static files; see web_ui.h. Names come only from fixed
// patterns (no segment may start with '.', so no "..") and the resolved file
// must still lie inside the web directory, so no request reaches other files.
#include "server/web_ui.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "build_paths.h"
#include "server/api_error.h"
#include "server/security_headers.h"

namespace pg::server {
namespace {

namespace fs = std::filesystem;

// One path segment of a built file or an app page: never starting with '.'.
#define PG_WEB_SEGMENT "[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}"
constexpr const char* kAssetPattern = "/assets/(" PG_WEB_SEGMENT ")";
// Any path of at most 8 segments that is not under an API's prefix.
constexpr const char* kPagePattern =
    "/((?!(?:api|v1|docs|assets)(?:/|$)|openapi\\.json$|metrics$)" PG_WEB_SEGMENT "(?:/" PG_WEB_SEGMENT "){0,7}/?)";
#undef PG_WEB_SEGMENT

const std::regex& asset_regex() {
  static const std::regex r(kAssetPattern);
  return r;
}
const std::regex& page_regex() {
  static const std::regex r(kPagePattern);
  return r;
}

constexpr const char* kNotBuilt =
    "Mistral Playground is running, but its web UI is not built here: run `make web` (or `cd web && npm ci && npm run "
    "build`) and reload, or set web_dir to a built copy. The API is under /api/v1 (Swagger UI at /docs), OpenAI's "
    "under /v1 and Ollama's under /api (see docs/API.md).\n";

// The bytes of `name` inside `dir`, or nothing when it is missing or would lie outside.
std::optional<std::string> read_inside(const std::string& dir, const std::string& name) {
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(dir, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::weakly_canonical(root / name, ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  // The file must be below the root (a symlink pointing out is refused too).
  auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (r != root.end()) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void send_index(const std::string& dir, httplib::Response& res, bool page) {
  set_page_security_headers(res, kWebUiContentSecurityPolicy);
  auto index = read_inside(dir, "index.html");
  if (!index) {
    // The message never names the directory: a 404 must not reveal server paths.
    if (page) throw ApiError(404, "not_found", "the web UI is not built on this server: run `make web` or set web_dir");
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_content(kNotBuilt, "text/plain; charset=utf-8");
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::move(*index), "text/html; charset=utf-8");
}

}  // namespace

std::string find_web_ui_dir(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& dir : {exe.parent_path() / "web", exe.parent_path() / "../share/playground/web"})
      if (fs::is_regular_file(dir / "index.html", ec)) return fs::weakly_canonical(dir, ec).string();
  }
  return PG_WEB_UI_DIR;
}

bool is_web_ui_path(std::string_view path) {
  if (path == "/") return true;
  const std::string p(path);
  return std::regex_match(p, asset_regex()) || std::regex_match(p, page_regex());
}

std::string web_ui_content_type(std::string_view name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},       {".html", "text/html; charset=utf-8"},
      {".svg", "image/svg+xml"},                 {".png", "image/png"},
      {".ico", "image/x-icon"},                  {".webp", "image/webp"},
      {".woff2", "font/woff2"},                  {".woff", "font/woff"},
      {".json", "application/json"},             {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},     {".webmanifest", "application/manifest+json"}};
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  const std::string_view ext = name.substr(dot);
  for (const auto& [e, type] : kTypes)
    if (ext == e) return type;
  return "";
}

void add_web_ui_routes(RouteTable& routes, ServerContext& ctx) {
  const std::string dir = find_web_ui_dir(ctx.config().web_dir);
  routes.add("GET", "/", "/", [dir](const ApiRequest&, httplib::Response& res) { send_index(dir, res, false); });

  routes.add("GET", kAssetPattern, "/assets/{file}", [dir](const ApiRequest& req, httplib::Response& res) {
    const std::string file = req.http.matches[1];
    const std::string type = web_ui_content_type(file);
    auto bytes = type.empty() ? std::nullopt : read_inside(dir, "assets/" + file);
    if (!bytes) throw ApiError(404, "not_found", "no web UI asset '" + file + "'");
    res.status = 200;
    set_file_security_headers(res);
    // Asset names carry a hash of their content: a changed file gets a new name.
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    res.set_content(std::move(*bytes), type);
  });

  // The app's pages get index.html (the app routes itself); a single name with an
  // extension is a file of the build's root (favicon.svg), served when present.
  routes.add("GET", kPagePattern, "/{page}", [dir](const ApiRequest& req, httplib::Response& res) {
    const std::string page = req.http.matches[1];
    const bool single = page.find('/') == std::string::npos;
    const std::string type = web_ui_content_type(page);
    if (single && !type.empty() && page != "index.html") {
      auto bytes = read_inside(dir, page);
      if (!bytes) throw ApiError(404, "not_found", "no web UI file '" + page + "'");
      res.status = 200;
      set_file_security_headers(res);
      res.set_header("Cache-Control", "public, max-age=3600");
      res.set_content(std::move(*bytes), type);
      return;
    }
    if (!type.empty() && page != "index.html") throw ApiError(404, "not_found", "no web UI file '" + page + "'");
    send_index(dir, res, true);
  });
}

}  // namespace pg::server
