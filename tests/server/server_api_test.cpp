// /api/v1 over real HTTP against the demo model: generate (JSON and SSE),
// chat, tokenize/detokenize, models, health, metrics, request ids, access
// log, CORS and `playground run` equivalence.
#include <gtest/gtest.h>

#include "shared_server_fixture.h"
#include "test_process.h"

namespace pg::test {
namespace {

class ServerApi : public SharedServerTest<ServerApi> {};

TEST_F(ServerApi, HealthAndModels) {
  auto health = get_json(srv(), "/api/v1/health");
  ASSERT_EQ(health.status, 200) << health.raw;
  EXPECT_EQ(health.body["status"], "ok");
  EXPECT_EQ(health.body["default_model"], "stories260K");

  auto models = get_json(srv(), "/api/v1/models");
  ASSERT_EQ(models.status, 200);
  ASSERT_EQ(models.body["models"].size(), 1u) << models.raw;
  const auto& m = models.body["models"][0];
  EXPECT_EQ(m["name"], "stories260K");
  EXPECT_EQ(m["file"], "stories260K.gguf");
  EXPECT_TRUE(m["loaded"].get<bool>());
  EXPECT_TRUE(m["default"].get<bool>());
  EXPECT_EQ(m["context_length"], 512);
  EXPECT_EQ(m["architecture"], "llama");
  EXPECT_GT(m["parameters"].get<int64_t>(), 200000);
}

TEST_F(ServerApi, GenerateReturnsTextUsageTimingsAndSeed) {
  auto r = post_json(srv(), "/api/v1/models/generate",
                     {{"prompt", "Once upon a time"}, {"max_tokens", 24}, {"seed", 7}, {"ignore_eos", true}});
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& b = r.body;
  EXPECT_EQ(b["model"], "stories260K");
  EXPECT_EQ(b["finish_reason"], "length");
  EXPECT_EQ(b["seed"], 7);
  EXPECT_FALSE(b["text"].get<std::string>().empty());
  EXPECT_EQ(b["usage"]["prompt_tokens"], 5);  // BOS + 4 tokens
  EXPECT_EQ(b["usage"]["completion_tokens"], 24);
  EXPECT_EQ(b["usage"]["total_tokens"], 29);
  EXPECT_GE(b["timings"]["time_to_first_token_ms"].get<double>(), 0.0);
  EXPECT_GT(b["timings"]["generation_tokens_per_second"].get<double>(), 0.0);
  EXPECT_TRUE(b["timings"].contains("prompt_tokens_per_second"));
  EXPECT_EQ(b["id"].get<std::string>().rfind("gen-", 0), 0u);
}

TEST_F(ServerApi, GreedyGenerationEqualsPlaygroundRun) {
  const std::string prompt = "Once upon a time";
  const ProcessResult run = run_playground("run -m " + shell_quote(demo_model_file()) + " -p " +
                                           shell_quote(prompt) + " -n 48 --temp 0 -t 1");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = post_json(srv(), "/api/v1/models/generate", {{"prompt", prompt}, {"max_tokens", 48}, {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(prompt + r.body["text"].get<std::string>() + "\n", run.out);
}

TEST_F(ServerApi, SameSeedSameTextStreamedOrNot) {
  const nlohmann::json req = {{"prompt", "Lily saw a dog"}, {"max_tokens", 40}, {"seed", 1234}, {"temperature", 1.0}};
  auto a = post_json(srv(), "/api/v1/models/generate", req);
  auto b = post_json(srv(), "/api/v1/models/generate", req);
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(a.body["text"], b.body["text"]);
  nlohmann::json other = req;
  other["seed"] = 99;
  auto c = post_json(srv(), "/api/v1/models/generate", other);
  EXPECT_NE(a.body["text"], c.body["text"]);

  auto events = stream_generate(srv(), req);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().event, "start");
  EXPECT_EQ(events.front().json()["model"], "stories260K");
  EXPECT_EQ(events.back().event, "done");
  const auto done = events.back().json();
  EXPECT_EQ(joined_text(events), a.body["text"].get<std::string>());
  EXPECT_EQ(done["text"], a.body["text"]);
  EXPECT_EQ(done["finish_reason"], a.body["finish_reason"]);
  EXPECT_EQ(done["usage"]["completion_tokens"], a.body["usage"]["completion_tokens"]);
  EXPECT_EQ(done["id"], events.front().json()["id"]);
}

// Seeds are 0..2^53-1 (exact as a JavaScript number): a seed the server draws
// is in that range and, sent back, gives the same text; the largest is
// accepted and one beyond it is a 400 on every generating route.
TEST_F(ServerApi, DrawnSeedsStayBelowTwoToThe53AndReplay) {
  constexpr uint64_t kMax = 9007199254740991u;  // 2^53 - 1
  const nlohmann::json req = {{"prompt", "Lily saw a dog"}, {"max_tokens", 30}, {"temperature", 1.0}};
  for (int i = 0; i < 6; ++i) {
    nlohmann::json random = req;
    if (i % 2) random["seed"] = -1;
    auto drawn = post_json(srv(), "/api/v1/models/generate", random);
    ASSERT_EQ(drawn.status, 200) << drawn.raw;
    ASSERT_TRUE(drawn.body["seed"].is_number_unsigned()) << drawn.raw;
    const uint64_t seed = drawn.body["seed"].get<uint64_t>();
    EXPECT_LE(seed, kMax);
    EXPECT_EQ(static_cast<uint64_t>(static_cast<double>(seed)), seed);  // what a JavaScript client reads
    nlohmann::json replay = req;
    replay["seed"] = static_cast<double>(seed);  // sent back as a JSON number a browser would write
    auto again = post_json(srv(), "/api/v1/models/generate", replay);
    ASSERT_EQ(again.status, 200) << again.raw;
    EXPECT_EQ(again.body["seed"], seed);
    EXPECT_EQ(again.body["text"], drawn.body["text"]) << "seed " << seed;
  }
  nlohmann::json largest = req;
  largest["seed"] = kMax;
  auto at_max = post_json(srv(), "/api/v1/models/generate", largest);
  ASSERT_EQ(at_max.status, 200) << at_max.raw;
  EXPECT_EQ(at_max.body["seed"], kMax);

  const nlohmann::json chat = {{"role", "user"}, {"content", "Hi"}};
  for (const nlohmann::json& bad : {nlohmann::json(kMax + 1), nlohmann::json(UINT64_MAX), nlohmann::json(-2)}) {
    nlohmann::json body = req;
    body["seed"] = bad;
    auto native = post_json(srv(), "/api/v1/models/generate", body);
    EXPECT_EQ(native.status, 400) << native.raw;
    EXPECT_EQ(native.body["error"]["code"], "invalid_field") << native.raw;
    EXPECT_NE(native.body["error"]["message"].get<std::string>().find("seed"), std::string::npos) << native.raw;
    EXPECT_NE(native.body["error"]["message"].get<std::string>().find("9007199254740991"), std::string::npos)
        << native.raw;
    auto openai = post_json(srv(), "/v1/chat/completions",
                            {{"model", "stories260K"}, {"messages", {chat}}, {"max_tokens", 1}, {"seed", bad}});
    EXPECT_NE(openai.raw.find("seed"), std::string::npos) << openai.raw;
    EXPECT_EQ(openai.status, 400) << openai.raw;
    auto ollama = post_json(srv(), "/api/generate",
                            {{"model", "stories260K"}, {"prompt", "a"}, {"stream", false}, {"options", {{"seed", bad}, {"num_predict", 1}}}});
    EXPECT_NE(ollama.raw.find("seed"), std::string::npos) << ollama.raw;
    EXPECT_EQ(ollama.status, 400) << ollama.raw;
  }
}

TEST_F(ServerApi, StopSequenceEndsTheTextBeforeIt) {
  auto full = post_json(srv(), "/api/v1/models/generate",
                        {{"prompt", "Once upon a time"}, {"max_tokens", 60}, {"temperature", 0}});
  ASSERT_EQ(full.status, 200);
  const std::string text = full.body["text"];
  const size_t cut = text.find(' ', 10);
  ASSERT_NE(cut, std::string::npos) << text;
  const std::string stop = text.substr(cut, 4);
  auto stopped = post_json(srv(), "/api/v1/models/generate",
                           {{"prompt", "Once upon a time"}, {"max_tokens", 60}, {"temperature", 0}, {"stop", {stop}}});
  ASSERT_EQ(stopped.status, 200) << stopped.raw;
  EXPECT_EQ(stopped.body["finish_reason"], "stop");
  EXPECT_EQ(stopped.body["text"], text.substr(0, text.find(stop)));
}

TEST_F(ServerApi, SystemPromptIsPrependedToThePrompt) {
  auto joined = post_json(srv(), "/api/v1/models/generate",
                          {{"prompt", "Tom was sad.\n\nHe"}, {"max_tokens", 12}, {"temperature", 0}});
  auto with_system = post_json(srv(), "/api/v1/models/generate",
                               {{"system_prompt", "Tom was sad."}, {"prompt", "He"}, {"max_tokens", 12}, {"temperature", 0}});
  ASSERT_EQ(with_system.status, 200) << with_system.raw;
  EXPECT_EQ(with_system.body["text"], joined.body["text"]);
  EXPECT_EQ(with_system.body["usage"]["prompt_tokens"], joined.body["usage"]["prompt_tokens"]);
}

TEST_F(ServerApi, ChatUsesTheDefaultChatFormat) {
  auto r = post_json(srv(), "/api/v1/chat",
                     {{"messages", {{{"role", "user"}, {"content", "Hello"}}}}, {"max_tokens", 8}, {"temperature", 0}});
  ASSERT_EQ(r.status, 200) << r.raw;
  // "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n" tokenized with BOS.
  auto tok = post_json(srv(), "/api/v1/tokenize",
                       {{"text", "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"}});
  EXPECT_EQ(r.body["usage"]["prompt_tokens"], tok.body["tokens"].size());
}

TEST_F(ServerApi, TokenizeAndDetokenizeRoundTrip) {
  auto t = post_json(srv(), "/api/v1/tokenize", {{"text", "Once upon a time"}});
  ASSERT_EQ(t.status, 200) << t.raw;
  auto tokens = t.body["tokens"].get<std::vector<int>>();
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0], 1);  // BOS
  auto no_bos = post_json(srv(), "/api/v1/tokenize", {{"text", "Once upon a time"}, {"add_special", false}});
  EXPECT_EQ(no_bos.body["tokens"].size(), 4u);
  auto d = post_json(srv(), "/api/v1/detokenize", {{"tokens", no_bos.body["tokens"]}});
  ASSERT_EQ(d.status, 200) << d.raw;
  EXPECT_EQ(d.body["text"], "Once upon a time");
}

TEST_F(ServerApi, RequestIdIsEchoedOrGeneratedAndLogged) {
  auto given = get_json(srv(), "/api/v1/health", {{"X-Request-Id", "test-id-42"}});
  EXPECT_EQ(given.headers.find("X-Request-Id")->second, "test-id-42");
  auto made = get_json(srv(), "/api/v1/health");
  const std::string id = made.headers.find("X-Request-Id")->second;
  EXPECT_EQ(id.rfind("req-", 0), 0u) << id;
  auto hostile = get_json(srv(), "/api/v1/health", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_NE(hostile.headers.find("X-Request-Id")->second, "bad id with spaces");
  EXPECT_TRUE(eventually([&] {
    const std::string log = srv().log_text();
    return log.find("request_id=test-id-42") != std::string::npos &&
           log.find("route=/api/v1/health status=200") != std::string::npos &&
           log.find("request_id=" + id) != std::string::npos;
  })) << srv().log_text();
}

TEST_F(ServerApi, MetricsCountRequestsTokensAndMemory) {
  ASSERT_EQ(post_json(srv(), "/api/v1/models/generate", {{"prompt", "Hi"}, {"max_tokens", 3}}).status, 200);
  ASSERT_EQ(get_json(srv(), "/api/v1/no/such/route").status, 404);
  auto c = srv().client();
  std::string text;
  const std::string not_found = R"(playground_http_requests_total{method="GET",route="unmatched",status="404"})";
  EXPECT_TRUE(eventually([&] {
    auto m = c.Get("/metrics");
    if (!m || m->status != 200) return false;
    EXPECT_NE(m->get_header_value("Content-Type").find("text/plain"), std::string::npos);
    text = m->body;
    // The scheduler frees the slot just after the job's last event, so a loaded
    // machine may show the answer before the gauge drops back to 0.
    return metric_value(text, not_found) >= 1 &&
           metric_value(text, R"(playground_http_requests_total{method="POST",route="/api/v1/models/generate",status="200"})") >= 1 &&
           metric_value(text, R"(playground_active_slots{model="stories260K"})") == 0;
  })) << text;
  EXPECT_GE(metric_value(text, R"(playground_generated_tokens_total{model="stories260K"})"), 3);
  EXPECT_EQ(metric_value(text, R"(playground_slots{model="stories260K"})"), 4);
  EXPECT_EQ(metric_value(text, R"(playground_active_slots{model="stories260K"})"), 0);
  EXPECT_EQ(metric_value(text, R"(playground_queue_depth{model="stories260K"})"), 0);
  EXPECT_EQ(metric_value(text, "playground_models_loaded"), 1);
  EXPECT_GE(metric_value(text, R"(playground_time_to_first_token_seconds_count{model="stories260K"})"), 1);
  EXPECT_GT(metric_value(text, "playground_process_resident_memory_bytes"), 1e6);
}

TEST_F(ServerApi, FormEncodedJsonBodiesAreReadAsJson) {
  // `curl -d` labels JSON as a form; httplib alone would cap such bodies at 8 KiB.
  auto c = srv().client();
  const std::string body = R"({"prompt": "Hi", "max_tokens": 2})" + std::string(20000, ' ');
  auto r = c.Post("/api/v1/models/generate", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(ServerApi, UnknownRouteAndRootAnswer) {
  auto r = get_json(srv(), "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"]["code"], "not_found");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("/api/v1/nothing"), std::string::npos);
  auto c = srv().client();
  auto root = c.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);  // the web UI, or how to build it (ServerWebUi tests both)
  EXPECT_FALSE(root->body.empty());
}

TEST(ServerCors, OnlyAllowedOriginsGetHeaders) {
  auto config = test_server_config();
  config.cors_origins = {"http://ok.example"};
  TestServer srv(config);
  auto c = srv.client();
  auto pre = c.Options("/api/v1/models/generate", {{"Origin", "http://ok.example"},
                                                   {"Access-Control-Request-Method", "POST"},
                                                   {"Access-Control-Request-Headers", "content-type"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "http://ok.example");
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  auto bad = c.Options("/api/v1/models/generate", {{"Origin", "http://evil.example"},
                                                   {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
  EXPECT_FALSE(bad->has_header("Access-Control-Allow-Origin"));
  auto get_ok = c.Get("/api/v1/health", {{"Origin", "http://ok.example"}});
  EXPECT_EQ(get_ok->get_header_value("Access-Control-Allow-Origin"), "http://ok.example");
  auto get_bad = c.Get("/api/v1/health", {{"Origin", "http://evil.example"}});
  EXPECT_FALSE(get_bad->has_header("Access-Control-Allow-Origin"));
}

TEST(ServerCors, NoOriginIsAllowedByDefault) {
  TestServer srv;
  auto c = srv.client();
  auto r = c.Get("/api/v1/health", {{"Origin", "http://localhost:3000"}});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
}

TEST(ServerGate, RequestGateCanRefuseBeforeRouting) {
  auto config = test_server_config();
  std::ostringstream sink_text;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(sink_text);
  server::PlaygroundServer gated(config, sink);
  gated.set_request_gate([](const httplib::Request& req) -> std::optional<server::ApiError> {
    if (req.get_header_value("Authorization") != "Bearer secret")
      return server::ApiError(401, "unauthorized", "missing or wrong credentials");
    return std::nullopt;
  });
  ASSERT_TRUE(gated.start());
  httplib::Client c("127.0.0.1", gated.port());
  auto refused = c.Get("/api/v1/health");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(nlohmann::json::parse(refused->body)["error"]["code"], "unauthorized");
  auto allowed = c.Get("/api/v1/health", {{"Authorization", "Bearer secret"}});
  EXPECT_EQ(allowed->status, 200);
  gated.shutdown();
}

}  // namespace
}  // namespace pg::test

namespace pg::test {
namespace {

TEST(ServerLogs, JsonFormatWritesOneObjectPerLine) {
  auto config = test_server_config();
  config.log_format = "json";
  TestServer srv(config);
  ASSERT_EQ(get_json(srv, "/api/v1/health", {{"X-Request-Id", "json-log-1"}}).status, 200);
  EXPECT_TRUE(eventually([&] { return srv.log_text().find("json-log-1") != std::string::npos; }));
  std::istringstream lines(srv.log_text());
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    if (j["msg"] == "request" && j.value("request_id", "") == "json-log-1") {
      found = true;
      EXPECT_EQ(j["status"], 200);
      EXPECT_EQ(j["route"], "/api/v1/health");
      EXPECT_TRUE(j["duration_ms"].is_number());
    }
  }
  EXPECT_TRUE(found) << srv.log_text();
}

}  // namespace
}  // namespace pg::test
