// Hostile request bodies and what the server shows of itself (issue 18):
// nesting deeper than the limit (512) is 400 before anything recurses on it,
// on every API and before authentication; numbers beyond a double are 400;
// /docs and the web UI carry CSP, nosniff and no-framing headers; a missing
// asset's 404 names no server path; providers on link-local / metadata
// addresses are refused unless allow_link_local_providers is set.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "providers/fault_server.h"
#include "server/auth/crypto.h"
#include "server_test_support.h"
#include "store/data_dir.h"
#include "store/user_store.h"

namespace pg::test {
namespace {

std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

void expect_invalid_json(const JsonReply& r, const std::string& mention, const std::string& context) {
  EXPECT_EQ(r.status, 400) << context << ": " << r.raw.substr(0, 300);
  ASSERT_TRUE(r.body.is_object()) << context << ": " << r.raw.substr(0, 300);
  const auto& e = r.body["error"];
  const std::string message = e.is_string() ? e.get<std::string>() : e.value("message", "");
  if (!e.is_string()) {
    EXPECT_EQ(e["code"], "invalid_json") << context;
  }
  EXPECT_NE(message.find(mention), std::string::npos) << context << ": " << message;
  EXPECT_LT(r.raw.size(), 1000u) << context;
}

TEST(ServerInputLimits, DeepNestingIsRefusedOnEveryApiAndTheServerStaysUp) {
  TestServer srv;
  const std::string bomb = nested_arrays(100000);  // 200 KB; overflowed the stack before
  for (const char* path : {"/api/v1/chat", "/api/v1/models/generate", "/v1/chat/completions", "/v1/completions",
                           "/v1/embeddings", "/api/chat", "/api/generate", "/api/v1/auth/login"}) {
    expect_invalid_json(post_raw(srv, path, bomb), "deeper than the limit of 512", path);
    // Deep inside an object, as a field's value.
    expect_invalid_json(post_raw(srv, path, "{\"messages\":" + bomb + "}"), "512", path);
  }
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerInputLimits, DeepNestingIsRefusedBeforeAuthentication) {
  auto config = test_server_config();
  config.auth = "on";
  config.secret = "server-input-limits-test-secret-0123456789";
  {  // an admin must exist for auth to be on
    auto db = store::open_store(config.data_dir, "");
    ASSERT_TRUE(db) << db.error();
    auto hash = server::auth::hash_password("root-password", server::auth::PasswordCost::Min);
    ASSERT_TRUE(hash);
    ASSERT_TRUE(store::UserStore(**db).create("root", *hash, "admin"));
  }
  TestServer srv(config);
  const std::string bomb = "{\"username\":" + nested_arrays(100000) + "}";
  expect_invalid_json(post_raw(srv, "/api/v1/auth/login", bomb), "deeper than the limit of 512", "login");
  EXPECT_EQ(post_raw(srv, "/api/v1/chat", bomb).status, 401);  // other routes still want a token first
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerInputLimits, NestingLimitIsExactly512Levels) {
  TestServer srv;
  // An object holding depth-1 arrays nests `depth` levels in all.
  auto body = [](size_t depth) { return "{\"username\":" + nested_arrays(depth - 1) + "}"; };
  for (size_t depth : {511, 512}) {
    auto r = post_raw(srv, "/api/v1/auth/login", body(depth));
    EXPECT_EQ(r.status, 400) << depth;
    EXPECT_EQ(r.body["error"]["code"], "invalid_field") << depth << ": " << r.raw;  // parsed; the field is wrong
    EXPECT_LT(r.raw.size(), 1000u);
  }
  expect_invalid_json(post_raw(srv, "/api/v1/auth/login", body(513)), "deeper than the limit of 512", "513");
  // Brackets inside strings (with escaped quotes) do not count.
  const std::string in_string = "{\"username\":\"\\\"" + std::string(5000, '[') + "\"}";
  EXPECT_EQ(post_raw(srv, "/api/v1/auth/login", in_string).body["error"]["code"], "invalid_field");
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerInputLimits, NumbersBeyondADoubleAre400) {
  TestServer srv;
  const std::string digits(100000, '7');
  for (const std::string& number : {std::string("1e309"), std::string("-1e400"), digits, "-" + digits}) {
    for (const char* path : {"/api/v1/models/generate", "/v1/chat/completions", "/api/generate"}) {
      auto r = post_raw(srv, path, "{\"prompt\":\"x\",\"temperature\":" + number + "}");
      expect_invalid_json(r, "number too large", path + (" " + number.substr(0, 10)));
    }
  }
  // Large but finite numbers reach the field readers: 400 naming the field.
  auto r = post_raw(srv, "/api/v1/models/generate", "{\"prompt\":\"x\",\"max_tokens\":1e300}");
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "invalid_field") << r.raw;
  EXPECT_NE(r.raw.find("max_tokens"), std::string::npos) << r.raw;
  auto t = post_raw(srv, "/api/v1/models/generate", "{\"prompt\":\"x\",\"temperature\":1.7976931348623157e308}");
  EXPECT_EQ(t.status, 400) << t.raw;
  EXPECT_NE(t.raw.find("temperature"), std::string::npos) << t.raw;
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerInputLimits, ErrorMessagesQuoteOnlyAPreviewOfAValue) {
  TestServer srv;
  // A wide (not deep) value where a string is expected: the message stays short.
  std::string wide = "[";
  for (int i = 0; i < 100000; ++i) wide += (i ? ",\"" : "\"") + std::string(10, 'x') + "\"";
  wide += "]";
  auto r = post_raw(srv, "/api/v1/auth/login", "{\"username\":" + wide + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "invalid_field") << r.raw.substr(0, 300);
  EXPECT_LT(r.raw.size(), 400u) << r.raw.substr(0, 300);
}

TEST(ServerInputLimits, DocsPageHasAStrictContentSecurityPolicy) {
  TestServer srv;
  auto c = srv.client();
  auto page = c.Get("/docs");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  const std::string csp = page->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("script-src 'self' 'unsafe-inline'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  // The policy allows no inline script: every <script> has a src.
  EXPECT_EQ(page->body.find("<script>"), std::string::npos) << page->body;
  auto init = c.Get("/docs/swagger-init.js");
  ASSERT_TRUE(init);
  EXPECT_EQ(init->status, 200);
  EXPECT_NE(init->body.find("SwaggerUIBundle"), std::string::npos);
  EXPECT_NE(init->get_header_value("Content-Type").find("javascript"), std::string::npos);
}

TEST(ServerInputLimits, WebUiFilesAreNotFramedAnd404sNameNoPath) {
  namespace fs = std::filesystem;
  const std::string web = fresh_data_dir() + "/web-ui-dir";
  fs::create_directories(web + "/assets");
  std::ofstream(web + "/index.html") << "<!doctype html><html><body>ui</body></html>";
  std::ofstream(web + "/assets/app-1.js") << "console.log(1);";
  auto config = test_server_config();
  config.web_dir = web;
  TestServer srv(config);
  auto c = srv.client();
  auto index = c.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(index->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  auto js = c.Get("/assets/app-1.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("X-Frame-Options"), "DENY");
  for (const char* path : {"/assets/missing.js", "/missing.js"}) {
    auto r = get_json(srv, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body["error"]["code"], "not_found") << r.raw;
    EXPECT_EQ(r.raw.find(web), std::string::npos) << r.raw;
    EXPECT_EQ(r.raw.find("/tmp"), std::string::npos) << r.raw;
    EXPECT_EQ(r.raw.find(fs::path(web).parent_path().string()), std::string::npos) << r.raw;
  }
}

TEST(ServerInputLimits, LinkLocalProvidersAreRefusedUnlessAllowed) {
  TestServer srv;
  for (const char* url : {"http://169.254.169.254/latest", "http://169.254.1.1:8080", "http://[fe80::1]:80",
                          "http://[fe80::1%25eth0]/v1", "http://[::ffff:169.254.169.254]/", "http://2852039166/",
                          "http://0xa9fea9fe/", "http://[fd00:ec2::254]/", "http://user@169.254.169.254:80/v1"}) {
    auto r = post_json(srv, "/api/v1/providers", {{"name", "meta"}, {"base_urls", {url}}});
    EXPECT_EQ(r.status, 400) << url << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "invalid_provider") << url;
    EXPECT_NE(r.raw.find("link-local"), std::string::npos) << r.raw;
    EXPECT_NE(r.raw.find("allow_link_local_providers"), std::string::npos) << r.raw;
  }
  // An update cannot point an existing provider there either.
  FaultServer upstream;
  auto created = post_json(srv, "/api/v1/providers", {{"name", "lab"}, {"base_urls", {upstream.url()}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  auto c = srv.client();
  auto patched = to_reply(c.Patch("/api/v1/providers/lab", R"({"base_urls":["http://169.254.169.254"]})", "application/json"));
  EXPECT_EQ(patched.status, 400) << patched.raw;
  EXPECT_EQ(get_json(srv, "/api/v1/providers/lab").body["base_urls"][0], upstream.url());
  // Neighbours of the range stay allowed.
  for (const char* url : {"http://169.253.1.1", "http://169.255.1.1", "http://[fec0::1]"}) {
    auto r = post_json(srv, "/api/v1/providers", {{"name", "near"}, {"base_urls", {url}}, {"refresh_seconds", 0},
                                                  {"connect_timeout_ms", 10}});
    EXPECT_EQ(r.status, 201) << url << ": " << r.raw;
    EXPECT_EQ(to_reply(c.Delete("/api/v1/providers/near")).status, 200);
  }

  auto allowed_config = test_server_config();
  allowed_config.allow_link_local_providers = true;
  {
    TestServer allowed(allowed_config);
    auto ok = post_json(allowed, "/api/v1/providers",
                        {{"name", "meta"}, {"base_urls", {"http://169.254.169.254"}}, {"refresh_seconds", 0},
                         {"connect_timeout_ms", 10}});
    EXPECT_EQ(ok.status, 201) << ok.raw;
  }
  // Stored while allowed, then the key is off: not loaded (and said so in the log).
  auto strict_config = allowed_config;
  strict_config.allow_link_local_providers = false;
  TestServer strict(strict_config);
  EXPECT_EQ(get_json(strict, "/api/v1/providers/meta").status, 404);
  EXPECT_NE(strict.log_text().find("stored provider not loaded"), std::string::npos) << strict.log_text();
}

TEST(ServerInputLimits, LinkLocalProvidersInTheConfigFileAreRefusedUnlessAllowed) {
  const std::string dir = fresh_data_dir();
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/playground.toml";
  std::ofstream(file) << "[[providers]]\nname = \"meta\"\nbase_urls = [\"http://169.254.169.254/v1\"]\n";
  app::ConfigInputs inputs;
  inputs.config_file = file;
  inputs.env_file = dir + "/no.env";
  inputs.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto refused = app::load_server_config(inputs);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("link-local"), std::string::npos) << refused.error();
  inputs.flags["allow_link_local_providers"] = "true";
  auto allowed = app::load_server_config(inputs);
  ASSERT_TRUE(allowed) << allowed.error();
  EXPECT_TRUE(allowed->allow_link_local_providers);
  EXPECT_EQ(allowed->providers.size(), 1u);
}

TEST(ServerInputLimits, ProviderErrorBodiesAreCappedAndLabelled) {
  FaultServer upstream;
  auto config = test_server_config();
  TestServer srv(config);
  auto created = post_json(srv, "/api/v1/providers",
                           {{"name", "up"}, {"base_urls", {upstream.url()}}, {"max_retries", 0}, {"refresh_seconds", 0}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const nlohmann::json request = {{"model", "up/good"}, {"prompt", "x"}};

  // A huge plain-text body: capped at 512 bytes, on a UTF-8 boundary.
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += "\xc3\xa9";  // "é" x 100000
  upstream.set_failure_body(huge, "text/plain");
  upstream.set(FaultServer::Mode::Fail500);
  auto r = post_json(srv, "/api/v1/models/generate", request);
  EXPECT_EQ(r.status, 502) << r.raw.substr(0, 300);
  ASSERT_TRUE(r.body.is_object()) << r.raw.substr(0, 300);  // valid JSON, so valid UTF-8
  const std::string message = r.body["error"]["message"];
  EXPECT_NE(message.find("provider 'up'"), std::string::npos) << message;
  EXPECT_NE(message.find("answered HTTP 500: "), std::string::npos) << message;
  EXPECT_LT(message.size(), 512u + 200u) << message;
  EXPECT_EQ(message.find("\xef\xbf\xbd"), std::string::npos) << "a cut UTF-8 sequence was replaced";

  // An HTML error page is summarised, never echoed.
  upstream.set_failure_body("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><script>alert(1)"
                            "</script>" + std::string(50000, 'x') + "</body></html>",
                            "text/html");
  auto html = post_json(srv, "/api/v1/models/generate", request);
  const std::string html_message = html.body["error"]["message"];
  EXPECT_NE(html_message.find("an HTML page of"), std::string::npos) << html_message;
  EXPECT_NE(html_message.find("502 Bad Gateway"), std::string::npos) << html_message;
  EXPECT_EQ(html_message.find("<script>"), std::string::npos) << html_message;
  EXPECT_LT(html_message.size(), 400u) << html_message;

  // A JSON error's message, itself huge, is capped too.
  upstream.set_failure_body(nlohmann::json{{"error", {{"message", std::string(100000, 'm')}}}}.dump(),
                            "application/json");
  auto json_error = post_json(srv, "/v1/chat/completions",
                              {{"model", "up/good"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}});
  const std::string json_message = json_error.body["error"]["message"];
  EXPECT_NE(json_message.find("mmmm"), std::string::npos) << json_message;
  EXPECT_LT(json_message.size(), 512u + 200u) << json_message;
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

}  // namespace
}  // namespace pg::test
