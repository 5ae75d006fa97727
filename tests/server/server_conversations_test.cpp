// Conversations over HTTP with a real SQLite file: create, list with
// pagination, get, rename, delete (messages go too), add messages, the
// model's reply (JSON and SSE) stored with model hash, template, sampling
// and the seed used — and replaying those settings through /api/v1/chat gives
// the same text; export as JSON and Markdown; everything survives a server
// restart; bad input and unknown ids are 4xx and the server keeps answering;
// with auth on, users see only their own conversations.
#include <gtest/gtest.h>

#include <fstream>

#include "util/sha256.h"
#include "server/auth/crypto.h"
#include "server_test_support.h"
#include "store/data_dir.h"
#include "store/user_store.h"

namespace pg::test {
namespace {

std::string demo_sha256() {
  const auto bytes = [] {
    std::ifstream in(demo_model_file(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  return sha256_hex(bytes);
}

JsonReply patch_json(const TestServer& srv, const std::string& path, const nlohmann::json& body) {
  auto c = srv.client();
  return to_reply(c.Patch(path, body.dump(), "application/json"));
}

JsonReply delete_path(const TestServer& srv, const std::string& path, const httplib::Headers& h = {}) {
  auto c = srv.client();
  return to_reply(c.Delete(path, h));
}

TEST(ServerConversations, CrudReplyExportAndRestart) {
  auto config = test_server_config();
  std::string id;
  nlohmann::json reply;
  {
    TestServer srv(config);
    auto created = post_json(srv, "/api/v1/conversations",
                             {{"title", "Cats"}, {"system_prompt", "You tell stories."},
                              {"params", {{"max_tokens", 12}, {"temperature", 0.9}, {"unknown", 1}}}});
    ASSERT_EQ(created.status, 201) << created.raw;
    id = created.body["id"];
    EXPECT_EQ(created.body["model"], "stories260K");
    EXPECT_EQ(created.body["params"], nlohmann::json({{"max_tokens", 12}, {"temperature", 0.9}}));

    auto sent = post_json(srv, "/api/v1/conversations/" + id + "/messages", {{"content", "Tell me about a cat."}});
    ASSERT_EQ(sent.status, 201) << sent.raw;
    EXPECT_EQ(sent.body["message"]["role"], "user");
    reply = sent.body["reply"];
    EXPECT_EQ(reply["role"], "assistant");
    EXPECT_EQ(reply["model"], "stories260K");
    EXPECT_EQ(reply["model_sha256"], demo_sha256());
    EXPECT_EQ(reply["chat_template_sha256"].get<std::string>().size(), 64u);
    const auto& g = reply["generation"];
    EXPECT_EQ(g["usage"]["completion_tokens"], 12);
    EXPECT_EQ(g["sampling"]["max_tokens"], 12);
    EXPECT_NEAR(g["sampling"]["temperature"].get<double>(), 0.9, 1e-6);
    EXPECT_TRUE(g["sampling"]["seed"].is_number_unsigned());
    EXPECT_TRUE(g["timings"]["generation_tokens_per_second"].is_number());

    // A message without a reply, then a rename.
    auto note = post_json(srv, "/api/v1/conversations/" + id + "/messages",
                          {{"role", "assistant"}, {"content", "(edited)"}, {"reply", false}});
    EXPECT_EQ(note.status, 201) << note.raw;
    EXPECT_FALSE(note.body.contains("reply"));
    auto renamed = patch_json(srv, "/api/v1/conversations/" + id, {{"title", "Cats and dogs"}});
    EXPECT_EQ(renamed.status, 200) << renamed.raw;
    EXPECT_EQ(renamed.body["title"], "Cats and dogs");
  }
  // A new server on the same data directory sees everything.
  TestServer srv(config);
  auto got = get_json(srv, "/api/v1/conversations/" + id);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body["title"], "Cats and dogs");
  ASSERT_EQ(got.body["messages"].size(), 3u);
  EXPECT_EQ(got.body["messages"][1], reply);

  // Reproduction: the stored settings and seed give the same text through /api/v1/chat.
  nlohmann::json replay = reply["generation"]["sampling"];
  replay["messages"] = {{{"role", "system"}, {"content", "You tell stories."}},
                        {{"role", "user"}, {"content", "Tell me about a cat."}}};
  auto again = post_json(srv, "/api/v1/chat", replay);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["text"], reply["content"]);

  auto json_export = get_json(srv, "/api/v1/conversations/" + id + "/export?format=json");
  ASSERT_EQ(json_export.status, 200);
  EXPECT_EQ(json_export.body["messages"].size(), 3u);
  const std::string sha = reply["chat_template_sha256"];
  EXPECT_EQ(sha256_hex(json_export.body["chat_templates"][sha].get<std::string>()), sha);
  auto c = srv.client();
  auto md = c.Get("/api/v1/conversations/" + id + "/export?format=markdown");
  ASSERT_TRUE(md);
  EXPECT_EQ(md->status, 200);
  EXPECT_NE(md->get_header_value("Content-Type").find("text/markdown"), std::string::npos);
  EXPECT_NE(md->body.find("# Cats and dogs"), std::string::npos) << md->body;
  EXPECT_NE(md->body.find("## User\n\nTell me about a cat."), std::string::npos) << md->body;
  EXPECT_NE(md->body.find(reply["content"].get<std::string>()), std::string::npos);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id + "/export?format=pdf").status, 400);

  EXPECT_EQ(delete_path(srv, "/api/v1/conversations/" + id).status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).status, 404);
  EXPECT_EQ(delete_path(srv, "/api/v1/conversations/" + id).status, 404);
}

TEST(ServerConversations, StreamedReplyIsStoredToo) {
  TestServer srv;
  auto created = post_json(srv, "/api/v1/conversations", {{"params", {{"max_tokens", 8}, {"seed", 3}}}});
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["id"];
  std::string received;
  auto r = post_streaming(srv, "/api/v1/conversations/" + id + "/messages", {{"content", "Hi"}, {"stream", true}},
                          [&](std::string_view chunk) {
                            received.append(chunk);
                            return true;
                          });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const auto events = parse_sse(received);
  ASSERT_GE(events.size(), 2u) << received;
  EXPECT_EQ(events.front().event, "start");
  EXPECT_EQ(events.back().event, "done") << received;
  const auto done = events.back().json();
  EXPECT_EQ(done["reply"]["content"], joined_text(events));
  EXPECT_EQ(done["reply"]["generation"]["sampling"]["seed"], 3);
  auto got = get_json(srv, "/api/v1/conversations/" + id);
  ASSERT_EQ(got.body["messages"].size(), 2u);
  EXPECT_EQ(got.body["messages"][1]["content"], joined_text(events));
}

TEST(ServerConversations, ListIsPaginatedNewestFirst) {
  TestServer srv;
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(post_json(srv, "/api/v1/conversations", {{"title", "c" + std::to_string(i)}}).status, 201);
  auto page = get_json(srv, "/api/v1/conversations?limit=2&offset=1");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body["total"], 5);
  ASSERT_EQ(page.body["conversations"].size(), 2u);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations?limit=0").status, 400);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations?limit=abc").status, 400);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations?offset=-1").status, 400);
}

TEST(ServerConversations, BadInputIs4xxAndTheServerStaysUp) {
  TestServer srv;
  EXPECT_EQ(post_raw(srv, "/api/v1/conversations", "{not json").status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations", {{"title", 5}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations", {{"model", "no-such-model"}}).status, 404);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations", {{"params", {{"temperature", 99}}}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations", {{"params", "hot"}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations/conv-nope/messages", {{"content", "x"}}).status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/conv-nope").status, 404);
  EXPECT_EQ(patch_json(srv, "/api/v1/conversations/conv-nope", {{"title", "x"}}).status, 404);
  const std::string id = post_json(srv, "/api/v1/conversations", nlohmann::json::object()).body["id"];
  EXPECT_EQ(post_json(srv, "/api/v1/conversations/" + id + "/messages", nlohmann::json::object()).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations/" + id + "/messages", {{"content", 3}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations/" + id + "/messages", {{"content", "x"}, {"role", "king"}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/conversations/" + id + "/messages",
                      {{"content", "x"}, {"params", {{"max_tokens", 100000}}}}).status,
            400);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).body["messages"].size(), 0u);  // nothing stored by refusals
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerConversations, WithAuthOnUsersSeeOnlyTheirOwn) {
  auto config = test_server_config();
  config.auth = "on";
  {
    auto db = store::open_store(config.data_dir, "");
    ASSERT_TRUE(db);
    store::UserStore users(**db);
    for (auto [name, role] : {std::pair{"root", "admin"}, {"ann", "user"}, {"ben", "user"}})
      ASSERT_TRUE(users.create(name, *server::auth::hash_password(std::string(name) + "-password",
                                                                   server::auth::PasswordCost::Min),
                               role));
  }
  TestServer srv(config);
  auto token = [&](const std::string& name) {
    return post_json(srv, "/api/v1/auth/login", {{"username", name}, {"password", name + "-password"}})
        .body["access_token"]
        .get<std::string>();
  };
  const auto ann = bearer(token("ann")), ben = bearer(token("ben"));
  auto created = post_json(srv, "/api/v1/conversations", {{"title", "ann's"}}, ann);
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id, ann).status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id, ben).status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations", ben).body["total"], 0);
  EXPECT_EQ(delete_path(srv, "/api/v1/conversations/" + id, ben).status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations", ann).body["total"], 1);
}

}  // namespace
}  // namespace pg::test
