// Embeddings through our API, OpenAI's and Ollama's routes: the same text
// gives the same vector, vectors have unit length and n_embd values,
// different texts differ, a batch equals its inputs one by one, base64 is
// the same floats, too-long inputs are 400 (or cut, for Ollama's truncate),
// and wrong inputs are 400 in each API's error shape.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cmath>
#include <cstring>

#include "shared_server_fixture.h"

namespace pg::test {
namespace {

class ServerEmbeddings : public SharedServerTest<ServerEmbeddings> {};

std::vector<float> floats(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

TEST_F(ServerEmbeddings, SameTextSameUnitVectorDifferentTextsDiffer) {
  auto a = post_json(srv(), "/api/v1/embeddings", {{"input", "The cat sat on the mat."}});
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["dimensions"], 64);  // the demo model's n_embd
  const auto va = floats(a.body["embeddings"][0]);
  ASSERT_EQ(va.size(), 64u);
  EXPECT_NEAR(norm(va), 1.0, 1e-5);
  EXPECT_GT(a.body["usage"]["prompt_tokens"].get<int>(), 1);
  auto again = post_json(srv(), "/api/v1/embeddings", {{"input", "The cat sat on the mat."}});
  EXPECT_EQ(floats(again.body["embeddings"][0]), va);
  auto b = post_json(srv(), "/api/v1/embeddings", {{"input", "Lily went to the park with her dog."}});
  const auto vb = floats(b.body["embeddings"][0]);
  double dot = 0;
  for (size_t i = 0; i < va.size(); ++i) dot += double(va[i]) * vb[i];
  EXPECT_LT(dot, 0.9999);
  // A batch equals its inputs computed one by one.
  auto batch = post_json(srv(), "/api/v1/embeddings", {{"input", {"Lily went to the park with her dog.", "The cat sat on the mat."}}});
  ASSERT_EQ(batch.status, 200) << batch.raw;
  ASSERT_EQ(batch.body["embeddings"].size(), 2u);
  EXPECT_EQ(floats(batch.body["embeddings"][0]), vb);
  EXPECT_EQ(floats(batch.body["embeddings"][1]), va);
}

TEST_F(ServerEmbeddings, OpenAiFloatsBase64AndTokens) {
  auto f = post_json(srv(), "/v1/embeddings", {{"model", "stories260K"}, {"input", {"Once upon a time", "Lily"}}});
  ASSERT_EQ(f.status, 200) << f.raw;
  EXPECT_EQ(f.body["object"], "list");
  ASSERT_EQ(f.body["data"].size(), 2u);
  EXPECT_EQ(f.body["data"][1]["index"], 1);
  EXPECT_EQ(f.body["data"][0]["object"], "embedding");
  EXPECT_EQ(f.body["usage"]["prompt_tokens"], f.body["usage"]["total_tokens"]);
  auto b = post_json(srv(), "/v1/embeddings", {{"input", "Once upon a time"}, {"encoding_format", "base64"}});
  ASSERT_EQ(b.status, 200) << b.raw;
  const std::string text = b.body["data"][0]["embedding"];
  std::string bin(text.size(), '\0');
  size_t len = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), text.data(), text.size(),
                              nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  std::vector<float> decoded(len / 4);
  std::memcpy(decoded.data(), bin.data(), len);
  EXPECT_EQ(decoded, floats(f.body["data"][0]["embedding"]));
  // Token ids: the same tokens as the text (BOS included) give the same vector.
  auto ids = post_json(srv(), "/api/v1/tokenize", {{"text", "Once upon a time"}, {"parse_special", false}});
  auto t = post_json(srv(), "/v1/embeddings", {{"input", ids.body["tokens"]}});
  ASSERT_EQ(t.status, 200) << t.raw;
  EXPECT_EQ(floats(t.body["data"][0]["embedding"]), decoded);
  EXPECT_EQ(post_json(srv(), "/v1/embeddings", {{"input", {1, 99999}}}).status, 400);
  EXPECT_EQ(post_json(srv(), "/v1/embeddings", {{"input", "x"}, {"dimensions", 8}}).status, 400);
  EXPECT_EQ(post_json(srv(), "/v1/embeddings", {{"input", "x"}, {"encoding_format", "int8"}}).status, 400);
}

TEST_F(ServerEmbeddings, TooLongInputsAre400OrCutForOllama) {
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "the cat and the dog ";
  auto ours = post_json(srv(), "/api/v1/embeddings", {{"input", long_text}});
  EXPECT_EQ(ours.status, 400) << ours.raw;
  EXPECT_EQ(ours.body["error"]["code"], "context_length_exceeded");
  auto cut = post_json(srv(), "/api/embed", {{"model", "stories260K"}, {"input", long_text}});
  ASSERT_EQ(cut.status, 200) << cut.raw;
  EXPECT_EQ(cut.body["prompt_eval_count"], 512);  // the demo model's context
  auto refused = post_json(srv(), "/api/embed", {{"model", "stories260K"}, {"input", long_text}, {"truncate", false}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(refused.body["error"].is_string()) << refused.raw;  // Ollama's error shape
}

TEST_F(ServerEmbeddings, OllamaEmbedAndTheOlderEmbeddings) {
  auto embed = post_json(srv(), "/api/embed", {{"model", "stories260K:latest"}, {"input", {"Once upon a time"}}});
  ASSERT_EQ(embed.status, 200) << embed.raw;
  ASSERT_EQ(embed.body["embeddings"].size(), 1u);
  auto legacy = post_json(srv(), "/api/embeddings", {{"model", "stories260K"}, {"prompt", "Once upon a time"}});
  ASSERT_EQ(legacy.status, 200) << legacy.raw;
  EXPECT_EQ(legacy.body["embedding"], embed.body["embeddings"][0]);
  auto ours = post_json(srv(), "/api/v1/embeddings", {{"input", "Once upon a time"}});
  EXPECT_EQ(ours.body["embeddings"][0], embed.body["embeddings"][0]);
  auto missing = post_json(srv(), "/api/embed", {{"input", "x"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(missing.body["error"].is_string()) << missing.raw;
  auto unknown = post_json(srv(), "/api/embed", {{"model", "nope"}, {"input", "x"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(unknown.body["error"].is_string()) << unknown.raw;
}

TEST_F(ServerEmbeddings, WrongInputsAre400) {
  for (const nlohmann::json& input : {nlohmann::json(), nlohmann::json(5), nlohmann::json(""),
                                      nlohmann::json::array(), nlohmann::json({"ok", 5}), nlohmann::json({{"a", 1}})}) {
    nlohmann::json body = nlohmann::json::object();
    if (!input.is_null()) body["input"] = input;
    auto r = post_json(srv(), "/api/v1/embeddings", body);
    EXPECT_EQ(r.status, 400) << input.dump() << " " << r.raw;
    EXPECT_TRUE(r.body["error"]["code"].is_string()) << r.raw;
  }
  EXPECT_EQ(post_raw(srv(), "/v1/embeddings", "[").status, 400);
  EXPECT_EQ(get_json(srv(), "/api/v1/health").status, 200);
}

}  // namespace
}  // namespace pg::test
