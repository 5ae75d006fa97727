// An encoder (BERT-family) GGUF in the models dir: listed, loadable, and the
// three embeddings APIs return exactly BertModel::embed's vectors (batched,
// truncated keeping SEP where the API truncates, 400 where it does not),
// while every generation route answers 400 not_a_generation_model and the
// status routes (models, slots, metrics, ps, show) keep working.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"
#include "../engine/model/bert_test_util.h"
#include "shared_server_fixture.h"

namespace pg::test {
namespace {

class ServerEncoderEmbeddings : public SharedServerTest<ServerEncoderEmbeddings> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new BertTempDir();
    // Names as a user would drop them in: the file stem is the model name.
    std::filesystem::rename(write_synth_bert(*dir_, "bert-tiny", "Q8_0"), dir_->file("minibert.gguf"));
    std::filesystem::rename(write_synth_bert(*dir_, "nomic-tiny", "F16", "", PoolingType::Cls),
                            dir_->file("nomic.gguf"));
    app::ServerConfig c = test_server_config();
    c.models_dir = dir_->path().string();
    start_server(c);
  }
  static void TearDownTestSuite() {
    stop_server();
    delete dir_;
    dir_ = nullptr;
  }
  // What the engine computes for these texts, to compare the server with.
  static std::vector<std::vector<float>> expected(const std::string& model, const std::vector<std::string>& texts) {
    auto m = BertModel::load(dir_->file(model + ".gguf"));
    EXPECT_TRUE(m) << m.error();
    std::vector<std::vector<TokenId>> inputs;
    for (const auto& t : texts) inputs.push_back((*m)->tokenize(t));
    ThreadPool pool(1);
    auto v = (*m)->embed(inputs, pool);
    EXPECT_TRUE(v) << v.error();
    return v ? *v : std::vector<std::vector<float>>{};
  }
  static BertTempDir* dir_;
};
BertTempDir* ServerEncoderEmbeddings::dir_ = nullptr;

std::vector<float> floats(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

TEST_F(ServerEncoderEmbeddings, NativeRouteGivesTheEngineVectorsBatched) {
  const std::vector<std::string> texts = {"The cat sat on the mat.", "A second sentence, somewhat longer.", "x"};
  auto r = post_json(srv(), "/api/v1/embeddings", {{"model", "minibert"}, {"input", texts}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["model"], "minibert");
  EXPECT_EQ(r.body["dimensions"], 64);
  const auto want = expected("minibert", texts);
  ASSERT_EQ(r.body["embeddings"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(floats(r.body["embeddings"][i]), want[i]) << i;
  EXPECT_GT(r.body["usage"]["prompt_tokens"].get<int>(), 6);  // CLS and SEP counted
  // nomic-bert with CLS pooling, through the same route.
  auto n = post_json(srv(), "/api/v1/embeddings", {{"model", "nomic"}, {"input", "search_query: what is RAG?"}});
  ASSERT_EQ(n.status, 200) << n.raw;
  EXPECT_EQ(floats(n.body["embeddings"][0]), expected("nomic", {"search_query: what is RAG?"})[0]);
}

TEST_F(ServerEncoderEmbeddings, OpenAiFloatsBase64AndTokenIds) {
  const std::string text = "OpenAI clients send this.";
  const auto want = expected("minibert", {text})[0];
  auto f = post_json(srv(), "/v1/embeddings", {{"model", "minibert"}, {"input", text}});
  ASSERT_EQ(f.status, 200) << f.raw;
  EXPECT_EQ(floats(f.body["data"][0]["embedding"]), want);
  auto b = post_json(srv(), "/v1/embeddings", {{"model", "minibert"}, {"input", text}, {"encoding_format", "base64"}});
  ASSERT_EQ(b.status, 200) << b.raw;
  const std::string b64 = b.body["data"][0]["embedding"];
  std::vector<unsigned char> bytes(b64.size());
  size_t n = 0;
  ASSERT_EQ(sodium_base642bin(bytes.data(), bytes.size(), b64.data(), b64.size(), nullptr, &n, nullptr,
                              sodium_base64_VARIANT_ORIGINAL), 0);
  ASSERT_EQ(n, want.size() * 4);
  std::vector<float> decoded(want.size());
  std::memcpy(decoded.data(), bytes.data(), n);
  EXPECT_EQ(decoded, want);
  // Token ids as input: the ids the tokenizer gives yield the same vector.
  auto tok = post_json(srv(), "/api/v1/tokenize", {{"model", "minibert"}, {"text", text}, {"parse_special", false}});
  ASSERT_EQ(tok.status, 200) << tok.raw;
  auto ids = post_json(srv(), "/v1/embeddings", {{"model", "minibert"}, {"input", tok.body["tokens"]}});
  ASSERT_EQ(ids.status, 200) << ids.raw;
  EXPECT_EQ(floats(ids.body["data"][0]["embedding"]), want);
  auto dims = post_json(srv(), "/v1/embeddings", {{"model", "minibert"}, {"input", text}, {"dimensions", 32}});
  EXPECT_EQ(dims.status, 400);
  auto bad = post_json(srv(), "/v1/embeddings", {{"model", "minibert"}, {"input", {{2, 99999, 3}}}});
  EXPECT_EQ(bad.status, 400) << bad.raw;
}

TEST_F(ServerEncoderEmbeddings, OllamaTruncatesKeepingSepOrRefuses) {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "word ";  // far more than bert-tiny's 64 tokens
  auto cut = post_json(srv(), "/api/embed", {{"model", "minibert"}, {"input", long_text}});
  ASSERT_EQ(cut.status, 200) << cut.raw;
  EXPECT_EQ(cut.body["prompt_eval_count"], 64);
  EXPECT_EQ(floats(cut.body["embeddings"][0]), expected("minibert", {long_text})[0]);  // tokenize() cuts the same way
  auto refused = post_json(srv(), "/api/embed", {{"model", "minibert"}, {"input", long_text}, {"truncate", false}});
  EXPECT_EQ(refused.status, 400) << refused.raw;
  auto native = post_json(srv(), "/api/v1/embeddings", {{"model", "minibert"}, {"input", long_text}});
  EXPECT_EQ(native.status, 400);
  EXPECT_EQ(native.body["error"]["code"], "context_length_exceeded");
  auto old = post_json(srv(), "/api/embeddings", {{"model", "minibert"}, {"prompt", "old form"}});
  ASSERT_EQ(old.status, 200) << old.raw;
  EXPECT_EQ(floats(old.body["embedding"]), expected("minibert", {"old form"})[0]);
}

TEST_F(ServerEncoderEmbeddings, GenerationRoutesRefuseAnEmbeddingModel) {
  const nlohmann::json messages = {{{"role", "user"}, {"content", "hi"}}};
  const std::vector<std::pair<std::string, nlohmann::json>> native_and_openai = {
      {"/api/v1/models/generate", {{"model", "minibert"}, {"prompt", "Once"}}},
      {"/api/v1/chat", {{"model", "minibert"}, {"messages", messages}}},
      {"/v1/completions", {{"model", "minibert"}, {"prompt", "Once"}}},
      {"/v1/chat/completions", {{"model", "nomic"}, {"messages", messages}, {"stream", true}}},
  };
  for (const auto& [path, body] : native_and_openai) {
    auto r = post_json(srv(), path, body);
    EXPECT_EQ(r.status, 400) << path << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "not_a_generation_model") << path;
    EXPECT_NE(r.raw.find("embedding model"), std::string::npos) << path;
  }
  const std::vector<std::pair<std::string, nlohmann::json>> ollama = {
      {"/api/generate", {{"model", "minibert"}, {"prompt", "Once"}}},
      {"/api/generate", {{"model", "minibert"}}},  // the empty "load" prompt too
      {"/api/chat", {{"model", "minibert"}, {"messages", messages}}},
  };
  for (const auto& [path, body] : ollama) {
    auto r = post_json(srv(), path, body);
    EXPECT_EQ(r.status, 400) << path << ": " << r.raw;
    EXPECT_NE(r.body["error"].get<std::string>().find("cannot generate"), std::string::npos) << r.raw;
  }
  // The server is fine and the decoder still generates.
  auto ok = post_json(srv(), "/api/v1/models/generate", {{"prompt", "Once"}, {"max_tokens", 3}});
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(ServerEncoderEmbeddings, ListedAndDescribedWhereverModelsAppear) {
  ASSERT_EQ(post_json(srv(), "/api/v1/embeddings", {{"model", "minibert"}, {"input", "load it"}}).status, 200);
  auto c = srv().client();
  auto models = to_reply(c.Get("/api/v1/models"));
  ASSERT_EQ(models.status, 200) << models.raw;
  bool found = false;
  for (const auto& m : models.body["models"]) {
    if (m["name"] != "minibert") continue;
    found = true;
    EXPECT_EQ(m["loaded"], true);
    EXPECT_EQ(m["architecture"], "bert");
    EXPECT_EQ(m["context_length"], 64);
    EXPECT_EQ(m["slots"], 0);
    EXPECT_EQ(m["capabilities"], nlohmann::json::array({"embedding"}));
  }
  EXPECT_TRUE(found) << models.raw;
  auto tags = to_reply(c.Get("/api/tags"));
  ASSERT_EQ(tags.status, 200);
  EXPECT_NE(tags.raw.find("minibert"), std::string::npos);
  auto show = post_json(srv(), "/api/show", {{"model", "minibert"}});
  ASSERT_EQ(show.status, 200) << show.raw;
  EXPECT_EQ(show.body["capabilities"], nlohmann::json::array({"embedding"}));
  EXPECT_EQ(show.body["details"]["family"], "bert");
  auto ps = to_reply(c.Get("/api/ps"));
  ASSERT_EQ(ps.status, 200);
  EXPECT_NE(ps.raw.find("minibert"), std::string::npos);
  auto slots = to_reply(c.Get("/api/v1/slots"));
  ASSERT_EQ(slots.status, 200);
  EXPECT_EQ(slots.raw.find("minibert"), std::string::npos);  // no slots to show
  auto metrics = c.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  auto detok = post_json(srv(), "/api/v1/detokenize", {{"model", "minibert"}, {"tokens", {2, 3}}});
  EXPECT_EQ(detok.status, 200) << detok.raw;
}

}  // namespace
}  // namespace pg::test
