// The web UI's files served at / from a web directory (here a temporary one
// written by the test): index.html with no-cache, hashed assets with a long
// cache and the right types, the app's pages answered by index.html, missing
// files 404, path traversal refused, API paths never shadowed, no credentials
// needed with auth on, and a note on how to build it when it is not built.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/web_ui.h"
#include "server_test_support.h"
#include "store/data_dir.h"
#include "store/user_store.h"
#include "server/auth/crypto.h"

namespace pg::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kIndex = "<!doctype html><html><body><div id=\"root\"></div>"
                               "<script type=\"module\" src=\"/assets/index-AbC123.js\"></script></body></html>";
constexpr const char* kScript = "console.log('playground web ui');";

void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// A data dir holding web/ (the UI) and, beside it, a secret file the UI must never reach.
struct WebDir {
  std::string root = fresh_data_dir();
  std::string web = root + "/web";
  WebDir() {
    write_file(web + "/index.html", kIndex);
    write_file(web + "/assets/index-AbC123.js", kScript);
    write_file(web + "/assets/index-Def456.css", "body{color:red}");
    write_file(web + "/favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    write_file(root + "/secret.txt", "top secret");
    fs::create_symlink(root + "/secret.txt", web + "/assets/link-Xyz.js");
  }
};

app::ServerConfig config_with_web(const std::string& web_dir) {
  auto c = test_server_config();
  c.web_dir = web_dir;
  return c;
}

TEST(ServerWebUi, IndexIsServedAtRootWithoutCaching) {
  WebDir dir;
  TestServer srv(config_with_web(dir.web));
  auto r = srv.client().Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndex);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
  const std::string csp = r->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
}

TEST(ServerWebUi, HashedAssetsHaveTheirTypeAndALongCache) {
  WebDir dir;
  TestServer srv(config_with_web(dir.web));
  auto c = srv.client();
  auto js = c.Get("/assets/index-AbC123.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, kScript);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js->get_header_value("X-Content-Type-Options"), "nosniff");
  auto css = c.Get("/assets/index-Def456.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  auto icon = c.Get("/favicon.svg");
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->status, 200);
  EXPECT_EQ(icon->get_header_value("Content-Type"), "image/svg+xml");
}

TEST(ServerWebUi, AppPagesFallBackToIndex) {
  WebDir dir;
  TestServer srv(config_with_web(dir.web));
  auto c = srv.client();
  for (const char* page : {"/chat", "/chat/conv-123abc", "/documents/3/", "/compare", "/login", "/keys"}) {
    auto r = c.Get(page);
    ASSERT_TRUE(r) << page;
    EXPECT_EQ(r->status, 200) << page;
    EXPECT_EQ(r->body, kIndex) << page;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache") << page;
  }
}

TEST(ServerWebUi, MissingFilesAre404) {
  WebDir dir;
  TestServer srv(config_with_web(dir.web));
  auto c = srv.client();
  for (const char* path : {"/assets/index-Missing.js", "/assets/", "/missing.js", "/assets/index-AbC123.exe",
                           "/chat/old-bundle.js"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path << ": " << r->body;
    EXPECT_EQ(r->body.find(kIndex), std::string::npos) << path;
  }
  auto r = get_json(srv, "/assets/index-Missing.js");
  EXPECT_EQ(r.body["error"]["code"], "not_found");
}

TEST(ServerWebUi, PathTraversalIsRefused) {
  WebDir dir;
  TestServer srv(config_with_web(dir.web));
  auto c = srv.client();
  for (const char* path : {"/assets/../../secret.txt", "/assets/..%2F..%2Fsecret.txt", "/..%2Fsecret.txt",
                           "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/link-Xyz.js", "/.%2E/secret.txt",
                           "/assets/.hidden.js", "/%2Fetc%2Fpasswd"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->body.find("top secret"), std::string::npos) << path;
    EXPECT_TRUE(r->status == 404 || r->status == 400 || r->body == kIndex) << path << " " << r->status;
  }
  // A symlink out of the directory is not followed.
  EXPECT_EQ(c.Get("/assets/link-Xyz.js")->status, 404);
}

TEST(ServerWebUi, ApiPathsAreNotShadowed) {
  WebDir dir;
  TestServer srv(config_with_web(dir.web));
  auto health = get_json(srv, "/api/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["status"], "ok");
  for (const char* path : {"/api/v1/nothing", "/api/nothing", "/v1/nothing", "/docs/nothing.js", "/api", "/v1"}) {
    auto r = get_json(srv, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_TRUE(r.body.is_object()) << path << ": " << r.raw;
    EXPECT_EQ(r.raw.find("<!doctype"), std::string::npos) << path;
  }
  EXPECT_EQ(get_json(srv, "/openapi.json").body["openapi"], "3.1.0");
  auto metrics = srv.client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("playground_http_requests_total"), std::string::npos);
}

TEST(ServerWebUi, NeedsNoCredentialsWithAuthOnButTheApiStillDoes) {
  WebDir dir;
  auto c = config_with_web(dir.web);
  c.auth = "on";
  c.secret = "server-web-ui-test-secret-0123456789abcdef";
  {
    auto db = store::open_store(c.data_dir, "");
    ASSERT_TRUE(db) << db.error();
    auto hash = server::auth::hash_password("root-password", server::auth::PasswordCost::Min);
    ASSERT_TRUE(hash);
    ASSERT_TRUE(store::UserStore(**db).create("root", *hash, "admin"));
  }
  TestServer srv(c);
  auto client = srv.client();
  EXPECT_EQ(client.Get("/")->status, 200);
  EXPECT_EQ(client.Get("/login")->body, kIndex);
  EXPECT_EQ(client.Get("/assets/index-AbC123.js")->status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/models").status, 401);
  EXPECT_EQ(get_json(srv, "/metrics").status, 401);
}

TEST(ServerWebUi, NotBuiltRootSaysHowToBuild) {
  const std::string empty = fresh_data_dir() + "/no-web";
  fs::create_directories(empty);
  TestServer srv(config_with_web(empty));
  auto r = srv.client().Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("make web"), std::string::npos);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  auto page = get_json(srv, "/chat");
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.body["error"]["message"].get<std::string>().find("make web"), std::string::npos);
}

TEST(ServerWebUi, PathsAndTypes) {
  EXPECT_TRUE(server::is_web_ui_path("/"));
  EXPECT_TRUE(server::is_web_ui_path("/chat/conv-1"));
  EXPECT_TRUE(server::is_web_ui_path("/assets/index-1.js"));
  EXPECT_FALSE(server::is_web_ui_path("/api/v1/models"));
  EXPECT_FALSE(server::is_web_ui_path("/api"));
  EXPECT_FALSE(server::is_web_ui_path("/v1/models"));
  EXPECT_FALSE(server::is_web_ui_path("/docs"));
  EXPECT_FALSE(server::is_web_ui_path("/metrics"));
  EXPECT_FALSE(server::is_web_ui_path("/openapi.json"));
  EXPECT_FALSE(server::is_web_ui_path("/a/../b"));
  EXPECT_FALSE(server::is_web_ui_path("/.env"));
  EXPECT_EQ(server::web_ui_content_type("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(server::web_ui_content_type("a.woff2"), "font/woff2");
  EXPECT_EQ(server::web_ui_content_type("a.exe"), "");
  EXPECT_EQ(server::web_ui_content_type("noext"), "");
}

}  // namespace
}  // namespace pg::test
