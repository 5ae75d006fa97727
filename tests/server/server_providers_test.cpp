// Remote providers end to end. A second `playground serve` (the built binary,
// a temp data dir, the demo model) is a real OpenAI- and Ollama-compatible
// peer: this server uses it as provider "po" (kind openai) and "pl" (kind
// ollama) for model lists, generate, chat, streaming, cancel, embeddings and
// a RAG collection embedded through the provider; usage shows per user and
// provider. The fault-injecting server shows fallback stated in the response
// and the admin API keeping keys sealed.
#include <gtest/gtest.h>


#include <chrono>
#include <thread>

#include "providers/fault_server.h"
#include "server/server_test_support.h"
#include "child_process.h"
#include "test_process.h"


namespace pg::test {
namespace {

// `playground serve` on a free loopback port, killed at the end.
class PeerProcess {
 public:
  PeerProcess()
      : data_(fresh_data_dir()),
        child_({"serve", "--port", "0", "--data-dir", data_, "--model", demo_model_file(), "--threads", "1", "--slots",
                "2", "--ctx-size", "4096", "--auth", "off", "--log-level", "warn"},
               ChildProcess::Options{{}, true, false}) {
    child_.wait_for_url();
  }
  const std::string& url() const { return child_.url(); }
  httplib::Client client() const {
    httplib::Client c(url());
    c.set_read_timeout(30, 0);
    return c;
  }

 private:
  std::string data_;
  ChildProcess child_;
};

providers::ProviderConfig provider(const std::string& name, const std::string& kind, const std::string& url) {
  auto c = providers::provider_from_json({{"name", name}, {"kind", kind}, {"base_urls", {url}}, {"refresh_seconds", 0},
                                          {"first_byte_timeout_ms", 20000}},
                                         providers::ProviderConfig{});
  EXPECT_TRUE(c) << c.error();
  return *c;
}

class ServerProviders : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peer_ = new PeerProcess(); }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(peer_->url().empty()) << "the peer `playground serve` did not start";
    auto config = test_server_config();
    config.providers = {provider("po", "openai", peer_->url()), provider("pl", "ollama", peer_->url())};
    srv_ = std::make_unique<TestServer>(config);
    for (const char* p : {"po", "pl"}) {
      auto r = post_json(*srv_, std::string("/api/v1/providers/") + p + "/refresh", nlohmann::json::object());
      ASSERT_EQ(r.status, 200) << r.raw;
    }
  }
  // The peer's own greedy answer, the reference for what came through a provider.
  static std::string peer_text(const std::string& prompt, int max_tokens) {
    auto c = peer_->client();
    auto r = c.Post("/api/v1/models/generate",
                    nlohmann::json{{"prompt", prompt}, {"max_tokens", max_tokens}, {"temperature", 0}}.dump(),
                    "application/json");
    return r ? nlohmann::json::parse(r->body).value("text", "") : "";
  }
  static PeerProcess* peer_;
  std::unique_ptr<TestServer> srv_;
};
PeerProcess* ServerProviders::peer_ = nullptr;

TEST_F(ServerProviders, RemoteModelsAppearInEveryListWithTheProviderPrefix) {
  auto native = get_json(*srv_, "/api/v1/models");
  std::vector<std::string> names;
  for (const auto& m : native.body["models"]) names.push_back(m["name"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "po/stories260K"), names.end()) << native.raw;
  EXPECT_NE(std::find(names.begin(), names.end(), "pl/stories260K"), names.end()) << native.raw;
  EXPECT_NE(std::find(names.begin(), names.end(), "stories260K"), names.end());  // the local one stays

  auto openai = get_json(*srv_, "/v1/models");
  bool found = false;
  for (const auto& m : openai.body["data"]) found |= m["id"] == "po/stories260K" && m["owned_by"] == "po";
  EXPECT_TRUE(found) << openai.raw;
  EXPECT_EQ(get_json(*srv_, "/v1/models/po/stories260K").status, 200);

  auto tags = get_json(*srv_, "/api/tags");
  found = false;
  for (const auto& m : tags.body["models"]) found |= m["name"] == "pl/stories260K:latest";
  EXPECT_TRUE(found) << tags.raw;
}

TEST_F(ServerProviders, GenerateAndChatGoThroughBothKinds) {
  const std::string expected = peer_text("Once upon a time", 16);
  ASSERT_FALSE(expected.empty());
  for (const char* model : {"po/stories260K", "pl/stories260K"}) {
    auto r = post_json(*srv_, "/api/v1/models/generate",
                       {{"model", model}, {"prompt", "Once upon a time"}, {"max_tokens", 16}, {"temperature", 0}});
    ASSERT_EQ(r.status, 200) << model << ": " << r.raw;
    EXPECT_EQ(r.body["text"], expected) << model;
    EXPECT_EQ(r.body["model"], model);
    EXPECT_EQ(r.body["usage"]["completion_tokens"], 16) << model;
    // Ollama reports only the prompt tokens it evaluated (the peer may have the prompt cached).
    if (std::string(model) == "po/stories260K") {
      EXPECT_GT(r.body["usage"]["prompt_tokens"].get<int>(), 0);
    }
  }
  // OpenAI's completions through the Ollama kind and Ollama's generate through the OpenAI kind.
  auto completion = post_json(*srv_, "/v1/completions",
                              {{"model", "pl/stories260K"}, {"prompt", "Once upon a time"}, {"max_tokens", 16}, {"temperature", 0}});
  ASSERT_EQ(completion.status, 200) << completion.raw;
  EXPECT_EQ(completion.body["choices"][0]["text"], expected);
  auto ollama = post_json(*srv_, "/api/generate",
                          {{"model", "po/stories260K:latest"}, {"prompt", "Once upon a time"}, {"raw", true}, {"stream", false},
                           {"options", {{"num_predict", 16}, {"temperature", 0}}}});
  ASSERT_EQ(ollama.status, 200) << ollama.raw;
  EXPECT_EQ(ollama.body["response"], expected);

  const nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", "Tell me a story"}}});
  auto chat = post_json(*srv_, "/v1/chat/completions",
                        {{"model", "pl/stories260K"}, {"messages", messages}, {"max_tokens", 8}, {"temperature", 0}});
  ASSERT_EQ(chat.status, 200) << chat.raw;
  EXPECT_FALSE(chat.body["choices"][0]["message"]["content"].get<std::string>().empty());
  EXPECT_EQ(chat.body["usage"]["completion_tokens"], 8);
  auto native_chat = post_json(*srv_, "/api/v1/chat",
                               {{"model", "po/stories260K"}, {"messages", messages}, {"max_tokens", 8}, {"temperature", 0}});
  ASSERT_EQ(native_chat.status, 200) << native_chat.raw;
  EXPECT_EQ(native_chat.body["text"], chat.body["choices"][0]["message"]["content"]);

  // Usage per user and provider: the API and /metrics.
  auto usage = get_json(*srv_, "/api/v1/usage");
  ASSERT_EQ(usage.status, 200);
  int64_t po_out = -1;
  for (const auto& u : usage.body["usage"])
    if (u["provider"] == "po") po_out = u["tokens_out"];
  EXPECT_EQ(po_out, 16 + 16 + 8);
  auto metrics = srv_->client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metric_value(metrics->body, R"(playground_provider_tokens_total{user="anonymous",provider="po",direction="out"})"), 40);
}

TEST_F(ServerProviders, ConversationsReplyWithARemoteModel) {
  auto conv = post_json(*srv_, "/api/v1/conversations", {{"model", "pl/stories260K"}, {"params", {{"max_tokens", 6}}}});
  ASSERT_EQ(conv.status, 201) << conv.raw;
  EXPECT_EQ(conv.body["model"], "pl/stories260K");
  const std::string id = conv.body["id"];
  auto reply = post_json(*srv_, "/api/v1/conversations/" + id + "/messages", {{"role", "user"}, {"content", "Tell me a story"}});
  ASSERT_EQ(reply.status, 201) << reply.raw;
  EXPECT_EQ(reply.body["reply"]["model"], "pl/stories260K");
  EXPECT_FALSE(reply.body["reply"]["content"].get<std::string>().empty());
  EXPECT_EQ(post_json(*srv_, "/api/v1/conversations", {{"model", "nobody/x"}}).status, 404);  // no such provider: a local name
}

TEST_F(ServerProviders, StreamsInEachApisFormat) {
  const std::string expected = peer_text("Once upon a time", 12);
  auto events = stream_generate(*srv_, {{"model", "pl/stories260K"}, {"prompt", "Once upon a time"}, {"max_tokens", 12}, {"temperature", 0}});
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().event, "start");
  EXPECT_EQ(events.back().event, "done");
  EXPECT_EQ(joined_text(events), expected);

  std::string body;
  auto r = post_streaming(*srv_, "/v1/chat/completions",
                          {{"model", "po/stories260K"}, {"stream", true}, {"max_tokens", 12},
                           {"messages", {{{"role", "user"}, {"content", "Hi"}}}}},
                          [&](std::string_view c) {
                            body.append(c);
                            return true;
                          });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(body.find("chat.completion.chunk"), std::string::npos);
  EXPECT_NE(body.find("data: [DONE]"), std::string::npos);

  body.clear();
  r = post_streaming(*srv_, "/api/chat",
                     {{"model", "pl/stories260K"}, {"options", {{"num_predict", 12}}},
                      {"messages", {{{"role", "user"}, {"content", "Hi"}}}}},
                     [&](std::string_view c) {
                       body.append(c);
                       return true;
                     });
  ASSERT_TRUE(r);
  auto lines = parse_ndjson(body);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines.back()["done"], true);
  EXPECT_EQ(lines.back()["eval_count"], 12);
}

// The peer's running generations (its /api/v1/slots).
int peer_active(const PeerProcess& peer) {
  auto c = peer.client();
  auto r = c.Get("/api/v1/slots");
  if (!r) return -1;
  int active = 0;
  const nlohmann::json slots = nlohmann::json::parse(r->body);
  for (const auto& m : slots["models"]) active += m["active"].get<int>();
  return active;
}

TEST_F(ServerProviders, CancelAndDisconnectCloseTheUpstreamRequest) {
  for (const char* model : {"po/stories260K", "pl/stories260K"}) {
    const nlohmann::json endless = {{"model", model}, {"prompt", "Once"}, {"max_tokens", 4000}, {"ignore_eos", true}, {"stream", true}};
    // Cancel through our route.
    std::string id, body;
    std::atomic<bool> started{false};
    std::thread streaming([&] {
      post_streaming(*srv_, "/api/v1/models/generate", endless, [&](std::string_view c) {
        body.append(c);
        if (!started) {
          auto ev = parse_sse(body);
          if (!ev.empty() && ev[0].event == "start") {
            id = ev[0].json()["id"];
            started = true;
          }
        }
        return true;
      });
    });
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!started && std::chrono::steady_clock::now() < limit) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(started) << model;
    EXPECT_EQ(peer_active(*peer_), 1) << model;
    auto cancelled = post_json(*srv_, "/api/v1/generations/" + id + "/cancel", nlohmann::json::object());
    EXPECT_EQ(cancelled.status, 200) << cancelled.raw;
    streaming.join();
    auto events = parse_sse(body);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().event, "done") << body.substr(body.size() > 300 ? body.size() - 300 : 0);
    EXPECT_EQ(events.back().json()["finish_reason"], "cancelled");
    EXPECT_TRUE(eventually([&] { return peer_active(*peer_) == 0; })) << model << ": the upstream generation still runs";

    // A client that hangs up.
    int pieces = 0;
    post_streaming(*srv_, "/api/v1/models/generate", endless, [&](std::string_view) { return ++pieces < 3; });
    EXPECT_TRUE(eventually([&] { return peer_active(*peer_) == 0; })) << model << ": a hang-up left the upstream running";
  }
}

TEST_F(ServerProviders, EmbeddingsAndARagCollectionGoThroughTheProvider) {
  auto direct = peer_->client().Post("/v1/embeddings", R"({"model":"stories260K","input":["red apples"]})", "application/json");
  ASSERT_TRUE(direct);
  const auto expected = nlohmann::json::parse(direct->body)["data"][0]["embedding"];
  auto openai = post_json(*srv_, "/v1/embeddings", {{"model", "po/stories260K"}, {"input", {"red apples", "green pears"}}});
  ASSERT_EQ(openai.status, 200) << openai.raw;
  ASSERT_EQ(openai.body["data"].size(), 2u);
  EXPECT_EQ(openai.body["data"][0]["embedding"], expected);
  auto ollama = post_json(*srv_, "/api/embed", {{"model", "pl/stories260K"}, {"input", "red apples"}});
  ASSERT_EQ(ollama.status, 200) << ollama.raw;
  ASSERT_EQ(ollama.body["embeddings"].size(), 1u);
  EXPECT_EQ(ollama.body["embeddings"][0].size(), expected.size());
  auto native = post_json(*srv_, "/api/v1/embeddings", {{"model", "po/stories260K"}, {"input", "red apples"}});
  ASSERT_EQ(native.status, 200) << native.raw;
  EXPECT_EQ(native.body["dimensions"], expected.size());

  // A collection whose embedding model is remote: ingestion and the query embed through the provider.
  auto created = post_json(*srv_, "/api/v1/collections", {{"name", "remote"}, {"embedding_model", "pl/stories260K"},
                                                          {"chunking", {{"unit", "characters"}, {"size", 200}, {"overlap", 0}}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  auto c = srv_->client();
  httplib::MultipartFormDataItems items = {
      {"files", "The lighthouse keeper polished the lamp every evening.\n\nBakers rise early to knead the dough.\n", "notes.txt",
       "text/plain"}};
  auto up = to_reply(c.Post("/api/v1/collections/remote/documents", items));
  ASSERT_EQ(up.status, 202) << up.raw;
  nlohmann::json job;
  for (int i = 0; i < 200; ++i) {
    job = get_json(*srv_, "/api/v1/ingest/jobs/" + up.body["job"]["id"].get<std::string>()).body;
    if (job.value("finished", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job["status"], "done") << job.dump();
  auto hits = post_json(*srv_, "/api/v1/collections/remote/search", {{"query", "lighthouse lamp"}, {"mode", "dense"}});
  ASSERT_EQ(hits.status, 200) << hits.raw;
  EXPECT_FALSE(hits.body["hits"].empty()) << hits.raw;

  // And a RAG answer by a remote model over it.
  auto answer = post_json(*srv_, "/api/v1/rag/query",
                          {{"collection", "remote"}, {"question", "Who polished the lamp?"}, {"model", "po/stories260K"},
                           {"params", {{"max_tokens", 8}}}});
  ASSERT_EQ(answer.status, 200) << answer.raw;
  EXPECT_EQ(answer.body["model"], "po/stories260K");
  EXPECT_FALSE(answer.body["sources"].empty()) << answer.raw;
  EXPECT_EQ(answer.body["usage"]["completion_tokens"], 8);
}

TEST(ServerProvidersFault, FallbackIsStatedInHeadersAndBody) {
  FaultServer main_endpoint, backup_endpoint;
  auto config = test_server_config();
  auto flaky = provider("flaky", "openai", main_endpoint.url());
  flaky.fallback_model = "backup/good";
  flaky.max_retries = 1;
  flaky.backoff_base_ms = 10;
  config.providers = {flaky, provider("backup", "openai", backup_endpoint.url())};
  TestServer srv(config);
  const nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", "hi"}}});

  // The model is missing upstream.
  auto r = post_json(srv, "/v1/chat/completions", {{"model", "flaky/missing"}, {"messages", messages}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["choices"][0]["message"]["content"], "abc");
  EXPECT_EQ(r.body["model"], "backup/good");
  EXPECT_EQ(r.body["fallback"]["requested"], "flaky/missing");
  EXPECT_EQ(r.body["fallback"]["reason"], "model_unavailable");
  EXPECT_EQ(r.headers.find("X-Model-Fallback")->second, "backup/good");

  // The provider is down (every attempt answers 500): its fallback serves.
  main_endpoint.set(FaultServer::Mode::Fail500);
  auto down = post_json(srv, "/api/v1/models/generate", {{"model", "flaky/good"}, {"prompt", "x"}});
  ASSERT_EQ(down.status, 200) << down.raw;
  EXPECT_EQ(down.body["model"], "backup/good");
  EXPECT_EQ(down.body["fallback"]["reason"], "provider_unavailable");
  EXPECT_EQ(main_endpoint.requests(), 1 + 2);

  // A model the provider does not list goes to the fallback without a request.
  main_endpoint.set(FaultServer::Mode::Ok);
  ASSERT_EQ(post_json(srv, "/api/v1/providers/flaky/refresh", nlohmann::json::object()).status, 200);
  const int before = main_endpoint.requests();
  auto unlisted = post_json(srv, "/api/chat", {{"model", "flaky/unknown"}, {"messages", messages}, {"stream", false}});
  ASSERT_EQ(unlisted.status, 200) << unlisted.raw;
  EXPECT_EQ(unlisted.body["fallback"]["reason"], "model_not_listed");
  EXPECT_EQ(unlisted.body["message"]["content"], "abc");
  EXPECT_EQ(main_endpoint.requests(), before);

  // Without a fallback the failure is the answer, before any byte of a stream.
  auto none = post_json(srv, "/api/v1/models/generate", {{"model", "backup/missing"}, {"prompt", "x"}, {"stream", true}});
  EXPECT_EQ(none.status, 404) << none.raw;
  EXPECT_EQ(none.body["error"]["code"], "model_not_found");
}

TEST(ServerProvidersFault, AdminApiKeepsKeysSealedAndPersistsProviders) {
  FaultServer upstream;
  auto config = test_server_config();
  {
    TestServer srv(config);
    auto created = post_json(srv, "/api/v1/providers",
                             {{"name", "lab"}, {"kind", "openai"}, {"base_urls", {upstream.url()}}, {"api_key", "sk-lab-123"}});
    ASSERT_EQ(created.status, 201) << created.raw;
    EXPECT_EQ(created.body["has_api_key"], true);
    EXPECT_EQ(created.raw.find("sk-lab-123"), std::string::npos);
    EXPECT_EQ(created.body["models"], nlohmann::json({"lab/good", "lab/missing", "lab/other"}));
    EXPECT_EQ(post_json(srv, "/api/v1/providers", {{"name", "lab"}, {"base_urls", {upstream.url()}}}).status, 409);
    EXPECT_EQ(post_json(srv, "/api/v1/providers", {{"name", "bad name"}, {"base_urls", {upstream.url()}}}).status, 400);
    EXPECT_EQ(post_json(srv, "/api/v1/providers", {{"name", 5}, {"base_urls", {upstream.url()}}}).status, 400);
    EXPECT_EQ(post_json(srv, "/api/v1/providers", {{"name", "x"}, {"base_urls", {{{"a", 1}}}}}).status, 400);
    auto c = srv.client();
    auto patched = to_reply(c.Patch("/api/v1/providers/lab", R"({"max_retries":0})", "application/json"));
    ASSERT_EQ(patched.status, 200) << patched.raw;
    EXPECT_EQ(patched.body["max_retries"], 0);
    EXPECT_EQ(patched.body["has_api_key"], true);
  }
  {
    TestServer again(config);  // the same data dir: the provider is back, its key opened
    auto got = get_json(again, "/api/v1/providers/lab");
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body["source"], "api");
    EXPECT_EQ(got.body["has_api_key"], true);
    auto gen = post_json(again, "/api/v1/models/generate", {{"model", "lab/good"}, {"prompt", "x"}});
    EXPECT_EQ(gen.status, 200) << gen.raw;
    EXPECT_EQ(upstream.last_authorization(), "Bearer sk-lab-123");
    auto c = again.client();
    EXPECT_EQ(to_reply(c.Delete("/api/v1/providers/lab")).status, 200);
    EXPECT_EQ(get_json(again, "/api/v1/providers/lab").status, 404);
  }
}

}  // namespace
}  // namespace pg::test
