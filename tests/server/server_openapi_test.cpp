// /openapi.json describes exactly the routes the server serves (both ways:
// nothing served is undescribed, nothing described is missing), every
// operation lists its errors, and /docs is a page whose assets (the npm
// package swagger-ui-dist, served from disk) answer 200.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include "server/generation_runner.h"
#include "server_test_support.h"

namespace pg::test {
namespace {

TEST(ServerOpenApi, RoutesServedEqualRoutesDescribed) {
  TestServer srv;
  auto doc = get_json(srv, "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> described, served;
  for (const auto& [path, ops] : doc.body["paths"].items())
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      described.insert({m, path});
      EXPECT_TRUE(op.contains("responses")) << m << " " << path;
      bool has_error = false;
      for (const auto& [status, r] : op["responses"].items()) has_error |= status[0] == '4' || status[0] == '5';
      EXPECT_TRUE(has_error) << m << " " << path << " lists no error";
    }
  for (const auto& r : srv.server().routes()) served.insert(r);
  for (const auto& r : served) EXPECT_TRUE(described.count(r)) << "served but not described: " << r.first << " " << r.second;
  for (const auto& r : described) EXPECT_TRUE(served.count(r)) << "described but not served: " << r.first << " " << r.second;
  EXPECT_GT(served.size(), 40u);
  // Every $ref points at a schema that exists.
  const std::string text = doc.raw;
  const std::regex ref("\"#/components/schemas/([A-Za-z0-9]+)\"");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), ref); it != std::sregex_iterator(); ++it)
    EXPECT_TRUE(doc.body["components"]["schemas"].contains((*it)[1].str())) << (*it)[1].str();
}

// The documented range of every numeric sampling field is the enforced one,
// on the native, OpenAI and Ollama generation routes: its bounds are
// accepted, one step beyond them is a 400 naming the field.
TEST(ServerOpenApi, SamplingRangesDocumentedAreTheRangesEnforced) {
  TestServer srv;
  auto doc = get_json(srv, "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  const nlohmann::json& props = doc.body["components"]["schemas"]["GenerateRequest"]["properties"];
  const std::vector<std::string> sampling = server::sampling_field_names();
  int numeric = 0;
  for (const auto& [name, schema] : props.items()) {
    // Sampling fields only: they are Ollama options too (logprobs fields are not).
    if (!schema.contains("maximum")) continue;
    if (std::find(sampling.begin(), sampling.end(), name) == sampling.end()) continue;
    ++numeric;
    const bool integer = schema["type"] == "integer";
    const double step = integer ? 1 : 0.001;
    const double max = schema["maximum"].get<double>();
    const bool exclusive = schema.contains("exclusiveMinimum");
    const double min = exclusive ? schema["exclusiveMinimum"].get<double>() : schema["minimum"].get<double>();
    auto value = [&](double v) { return integer ? nlohmann::json(static_cast<int64_t>(v)) : nlohmann::json(v); };
    auto status_of = [&](const std::string& path, nlohmann::json body) {
      return post_json(srv, path, body).status;
    };
    for (double ok : {max, exclusive ? min + step : min}) {
      EXPECT_EQ(status_of("/api/v1/models/generate", {{"prompt", "a"}, {"max_tokens", 1}, {name, value(ok)}}), 200)
          << name << " = " << ok;
    }
    for (double bad : {max + step, min - step, exclusive ? min : min - step}) {
      const nlohmann::json field = value(bad);
      auto native = post_json(srv, "/api/v1/models/generate", {{"prompt", "a"}, {"max_tokens", 1}, {name, field}});
      EXPECT_EQ(native.status, 400) << name << " = " << field;
      EXPECT_NE(native.raw.find(name), std::string::npos) << native.raw;
      EXPECT_EQ(status_of("/v1/completions", {{"prompt", "a"}, {"max_tokens", 1}, {name, field}}), 400) << name;
      EXPECT_EQ(status_of("/api/generate", {{"prompt", "a"}, {"stream", false}, {"options", {{name, field}, {"num_predict", 1}}}}),
                400)
          << name;
    }
  }
  EXPECT_EQ(numeric, 9);  // the 8 of the table and the seed
}

// The KV cache types are documented as enums (the load request's fields and
// the estimate's query parameters), and the documented names are the accepted
// ones: each loads the demo model's estimate, anything else is a 400.
TEST(ServerOpenApi, CacheTypeEnumsDocumentedAreTheNamesAccepted) {
  TestServer srv;
  auto doc = get_json(srv, "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  const nlohmann::json& load = doc.body["components"]["schemas"]["LoadRequest"]["properties"];
  const nlohmann::json names = load["cache_type_k"]["enum"];
  EXPECT_EQ(names, nlohmann::json::array({"f16", "f32", "q8_0", "q4_0"}));
  EXPECT_EQ(load["cache_type_v"]["enum"], names);
  int query_params = 0;
  for (const auto& p : doc.body["paths"]["/api/v1/models/{name}"]["get"]["parameters"])
    if (p["name"] == "cache_type_k" || p["name"] == "cache_type_v") {
      ++query_params;
      EXPECT_EQ(p["schema"]["enum"], names) << p.dump();
    }
  EXPECT_EQ(query_params, 2);
  for (const auto& name : names) {
    const std::string type = name;
    // f16 and f32 suit the demo model's 8-value heads; q8_0 and q4_0 are names it refuses as unusable.
    const int expected = type[0] == 'f' ? 200 : 400;
    auto r = get_json(srv, "/api/v1/models/stories260K?cache_type_v=" + type);
    EXPECT_EQ(r.status, expected) << type << ": " << r.raw;
    if (expected == 400) {
      EXPECT_EQ(r.body["error"]["code"], "invalid_cache_type") << r.raw;
    }
  }
  EXPECT_EQ(get_json(srv, "/api/v1/models/stories260K?cache_type_v=q8_1").body["error"]["code"], "invalid_field");
}

TEST(ServerOpenApi, DocsPageAndItsAssetsAreServed) {
  TestServer srv;
  auto c = srv.client();
  auto page = c.Get("/docs");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  const std::regex asset(R"re((?:href|src)="(/docs/[^"]+)")re");
  int assets = 0;
  for (auto it = std::sregex_iterator(page->body.begin(), page->body.end(), asset); it != std::sregex_iterator(); ++it) {
    auto a = c.Get((*it)[1].str());
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 200) << (*it)[1].str() << ": " << a->body.substr(0, 200);
    // Swagger UI's own files are large; our swagger-init.js (no inline script) is small.
    EXPECT_GT(a->body.size(), (*it)[1].str() == "/docs/swagger-init.js" ? 100u : 1000u);
    EXPECT_EQ(a->get_header_value("X-Content-Type-Options"), "nosniff");
    ++assets;
  }
  EXPECT_EQ(assets, 3);
  EXPECT_NE(page->body.find("/openapi.json"), std::string::npos);
  EXPECT_EQ(c.Get("/docs/secret.txt")->status, 404);
  EXPECT_EQ(c.Get("/docs/..%2Fsecret")->status, 404);
}

}  // namespace
}  // namespace pg::test
