// Conversations over HTTP with a real SQLite file: create, list with
// pagination, get, rename, delete (messages go too), add messages, the
// model's reply (JSON and SSE) stored with model hash, template, sampling
// and the seed used — and replaying those settings through /api/v1/chat gives
// the same text; export as JSON and Markdown; everything survives a server
// restart; bad input and unknown ids are 4xx and the server keeps answering;
// with auth on, users see only their own conversations. Tools: a forced tool
// call is stored and returned (JSON and SSE), a tool's result posted against
// it gets the next reply (the same as /api/v1/chat gives for that history),
// and exports carry both; structured output and logprobs are accepted too.
#include <gtest/gtest.h>

#include <regex>

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

// The engine holds sampling settings as floats; a reply's stored settings and
// both exports write each as its shortest decimal (0.8), never the widened
// double (0.800000011920929), and each reads back as the same float.
TEST(ServerConversations, ExportsWriteFloatSettingsAsTheirShortestDecimal) {
  TestServer srv;
  const nlohmann::json params = {{"max_tokens", 4},      {"temperature", 0.8},      {"top_p", 0.9},
                                 {"min_p", 0.1},         {"repeat_penalty", 1.1},   {"frequency_penalty", 0.3},
                                 {"presence_penalty", 0.7}};
  auto created = post_json(srv, "/api/v1/conversations", {{"title", "Floats"}, {"params", params}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  auto sent = post_json(srv, "/api/v1/conversations/" + id + "/messages", {{"content", "Hi"}});
  ASSERT_EQ(sent.status, 201) << sent.raw;
  const nlohmann::json& sampling = sent.body["reply"]["generation"]["sampling"];
  for (const char* name : {"temperature", "top_p", "min_p", "repeat_penalty", "frequency_penalty", "presence_penalty"}) {
    EXPECT_EQ(sampling[name].get<double>(), params[name].get<double>()) << name << " = " << sampling[name].dump();
    EXPECT_EQ(static_cast<float>(sampling[name].get<double>()), static_cast<float>(params[name].get<double>())) << name;
  }
  auto json_export = get_json(srv, "/api/v1/conversations/" + id + "/export?format=json");
  ASSERT_EQ(json_export.status, 200) << json_export.raw;
  EXPECT_TRUE(std::regex_search(json_export.raw, std::regex(R"("temperature":\s*0\.8[,}\s])"))) << json_export.raw;
  auto md = srv.client().Get("/api/v1/conversations/" + id + "/export?format=markdown");
  ASSERT_TRUE(md);
  ASSERT_EQ(md->status, 200);
  EXPECT_NE(md->body.find(", temperature 0.8,"), std::string::npos) << md->body;
  for (const std::string& text : {json_export.raw, md->body, sent.raw})
    for (const char* widened : {"0.8000000", "0.8999999", "0.1000000", "1.1000000", "0.3000000", "0.6999999"})
      EXPECT_EQ(text.find(widened), std::string::npos) << widened << " in " << text;
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

const nlohmann::json kWeatherTool = {
    {"type", "function"},
    {"function",
     {{"name", "get_weather"},
      {"parameters", {{"type", "object"}, {"properties", {{"city", {{"type", "string"}, {"maxLength", 12}}}}}, {"required", {"city"}}}}}}};
const nlohmann::json kForceWeather = {{"type", "function"}, {"function", {{"name", "get_weather"}}}};

TEST(ServerConversations, ToolCallsAndResultsAreStoredRepliedToAndExported) {
  TestServer srv;
  auto created = post_json(srv, "/api/v1/conversations", {{"params", {{"max_tokens", 60}, {"seed", 11}}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  const std::string messages_path = "/api/v1/conversations/" + id + "/messages";

  // A forced call: stored apart from the content, returned in OpenAI's shape.
  auto called = post_json(srv, messages_path,
                          {{"content", "Weather in Paris?"}, {"tools", {kWeatherTool}}, {"tool_choice", kForceWeather}});
  ASSERT_EQ(called.status, 201) << called.raw;
  const nlohmann::json call_reply = called.body["reply"];
  ASSERT_EQ(call_reply["tool_calls"].size(), 1u) << called.raw;
  const nlohmann::json call = call_reply["tool_calls"][0];
  EXPECT_EQ(call["type"], "function");
  EXPECT_EQ(call["function"]["name"], "get_weather");
  ASSERT_TRUE(call["id"].is_string());
  const auto args = nlohmann::json::parse(call["function"]["arguments"].get<std::string>(), nullptr, false);
  ASSERT_TRUE(args.is_object()) << called.raw;
  EXPECT_TRUE(args["city"].is_string());
  EXPECT_EQ(call_reply["generation"]["finish_reason"], "tool_calls");
  EXPECT_EQ(call_reply["generation"]["output"]["tool_choice"], kForceWeather);
  EXPECT_EQ(call_reply["generation"]["output"]["tools"], nlohmann::json::array({kWeatherTool}));
  EXPECT_FALSE(called.body["message"].contains("tool_calls"));

  // The record reproduces the call through /api/v1/chat.
  nlohmann::json replay = call_reply["generation"]["sampling"];
  replay.update(call_reply["generation"]["output"]);
  replay["messages"] = {{{"role", "user"}, {"content", "Weather in Paris?"}}};
  auto again = post_json(srv, "/api/v1/chat", replay);
  ASSERT_EQ(again.status, 200) << again.raw;
  ASSERT_EQ(again.body["tool_calls"].size(), 1u) << again.raw;
  EXPECT_EQ(again.body["tool_calls"][0]["function"], call["function"]);

  // Refused tool results store nothing.
  const auto count = [&] { return get_json(srv, "/api/v1/conversations/" + id).body["messages"].size(); };
  auto refused = post_json(srv, messages_path, {{"role", "tool"}, {"tool_call_id", "call_nope"}, {"content", "x"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.raw.find("tool_call_id"), std::string::npos) << refused.raw;
  refused = post_json(srv, messages_path, {{"role", "user"}, {"tool_call_id", call["id"]}, {"content", "x"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.raw.find("tool_call_id"), std::string::npos) << refused.raw;
  refused = post_json(srv, messages_path, {{"role", "assistant"}, {"content", ""}, {"tool_calls", {call}}, {"reply", false}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.raw.find("tool_calls"), std::string::npos) << refused.raw;
  refused = post_json(srv, messages_path, {{"content", "x"}, {"tool_choice", kForceWeather}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.raw.find("tool_choice"), std::string::npos) << refused.raw;
  refused = post_json(srv, messages_path, {{"content", "x"}, {"response_format", {{"type", "xml"}}}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.raw.find("response_format.type"), std::string::npos) << refused.raw;
  EXPECT_EQ(count(), 2u);

  // The tool's result, typed in: stored with its call id and answered by default.
  auto answered = post_json(srv, messages_path,
                            {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "sunny"}, {"params", {{"max_tokens", 8}}}});
  ASSERT_EQ(answered.status, 201) << answered.raw;
  EXPECT_EQ(answered.body["message"]["role"], "tool");
  EXPECT_EQ(answered.body["message"]["tool_call_id"], call["id"]);
  const nlohmann::json answer = answered.body["reply"];
  EXPECT_EQ(answer["role"], "assistant");
  EXPECT_FALSE(answer.contains("tool_calls"));
  EXPECT_FALSE(answer["generation"].contains("output"));
  // The history (the call and its result) went into the template as /api/v1/chat puts it.
  replay = answer["generation"]["sampling"];
  replay["messages"] = {{{"role", "user"}, {"content", "Weather in Paris?"}},
                        {{"role", "assistant"}, {"content", call_reply["content"]}, {"tool_calls", {call}}},
                        {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "sunny"}}};
  again = post_json(srv, "/api/v1/chat", replay);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["text"], answer["content"]);

  // GET and both exports carry the calls and the result's call id.
  auto got = get_json(srv, "/api/v1/conversations/" + id);
  ASSERT_EQ(got.body["messages"].size(), 4u);
  EXPECT_EQ(got.body["messages"][1], call_reply);
  EXPECT_EQ(got.body["messages"][2]["tool_call_id"], call["id"]);
  auto exported = get_json(srv, "/api/v1/conversations/" + id + "/export?format=json");
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.body["messages"][1]["tool_calls"], call_reply["tool_calls"]);
  EXPECT_EQ(exported.body["messages"][2]["role"], "tool");
  EXPECT_EQ(exported.body["messages"][2]["tool_call_id"], call["id"]);
  auto c = srv.client();
  auto md = c.Get("/api/v1/conversations/" + id + "/export?format=markdown");
  ASSERT_TRUE(md);
  EXPECT_NE(md->body.find("Tool call `get_weather` (`" + call["id"].get<std::string>() + "`)"), std::string::npos) << md->body;
  EXPECT_NE(md->body.find("## Tool\n\n<sub>result of tool call `" + call["id"].get<std::string>() + "`</sub>\n\nsunny"),
            std::string::npos)
      << md->body;
}

TEST(ServerConversations, StreamedToolCallsStructuredOutputAndLogprobs) {
  TestServer srv;
  const std::string id = post_json(srv, "/api/v1/conversations", {{"params", {{"max_tokens", 60}}}}).body["id"];
  const std::string messages_path = "/api/v1/conversations/" + id + "/messages";
  auto streamed = post_json(srv, messages_path,
                            {{"content", "Weather?"}, {"stream", true}, {"tools", {kWeatherTool}}, {"tool_choice", "required"}});
  ASSERT_EQ(streamed.status, 200) << streamed.raw;
  const auto events = parse_sse(streamed.raw);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.front().event, "start");
  ASSERT_EQ(events.back().event, "done") << events.back().data;
  const auto done = events.back().json();
  EXPECT_EQ(done["finish_reason"], "tool_calls");
  ASSERT_EQ(done["tool_calls"].size(), 1u) << events.back().data;
  EXPECT_EQ(done["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(done["reply"]["tool_calls"], done["tool_calls"]);
  EXPECT_EQ(done["reply"]["content"], joined_text(events));
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).body["messages"][1]["tool_calls"], done["tool_calls"]);

  auto r = post_json(srv, messages_path, {{"content", "Yes or no?"}, {"grammar", "root ::= (\"yes\" | \"no\") \"!\""}});
  ASSERT_EQ(r.status, 201) << r.raw;
  const std::string text = r.body["reply"]["content"];
  EXPECT_TRUE(text == "yes!" || text == "no!") << text;
  EXPECT_EQ(r.body["reply"]["generation"]["output"]["grammar"], "root ::= (\"yes\" | \"no\") \"!\"");
  EXPECT_FALSE(r.body.contains("logprobs"));

  r = post_json(srv, messages_path, {{"content", "Hi"}, {"logprobs", true}, {"top_logprobs", 2}, {"params", {{"max_tokens", 4}}}});
  ASSERT_EQ(r.status, 201) << r.raw;
  ASSERT_TRUE(r.body["logprobs"].is_array()) << r.raw;
  EXPECT_EQ(r.body["logprobs"].size(), r.body["reply"]["generation"]["usage"]["completion_tokens"].get<size_t>());
  EXPECT_EQ(r.body["logprobs"][0]["top_logprobs"].size(), 2u);
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

// Documents in chat: a conversation names the collections it answers from (by
// id or name, kept in order) and its retrieval settings; PATCH replaces or
// clears them; deleting a collection detaches it; bad values are 4xx.
TEST(ServerConversations, CollectionsAndRetrievalSettingsAreKept) {
  TestServer srv;
  std::vector<int64_t> ids;
  for (const char* name : {"manuals", "specs"}) {
    auto made = post_json(srv, "/api/v1/collections", {{"name", name}});
    ASSERT_EQ(made.status, 201) << made.raw;
    ids.push_back(made.body["id"].get<int64_t>());
  }
  auto created = post_json(srv, "/api/v1/conversations",
                           {{"title", "docs"}, {"collections", {"specs", ids[0], "specs"}},
                            {"retrieval", {{"mode", "bm25"}, {"top_k", 3}}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  const nlohmann::json both = {{{"id", ids[1]}, {"name", "specs"}}, {{"id", ids[0]}, {"name", "manuals"}}};
  EXPECT_EQ(created.body["collections"], both);
  EXPECT_EQ(created.body["retrieval"], nlohmann::json({{"mode", "bm25"}, {"top_k", 3}}));
  EXPECT_TRUE(created.body["own_collection_id"].is_null());
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).body["collections"], both);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations").body["conversations"][0]["collections"], both);

  // PATCH: a title alone leaves them; new values replace; null clears.
  ASSERT_EQ(patch_json(srv, "/api/v1/conversations/" + id, {{"title", "renamed"}}).status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).body["collections"], both);
  auto patched = patch_json(srv, "/api/v1/conversations/" + id,
                            {{"collections", {"manuals"}}, {"retrieval", {{"mode", "hybrid"}, {"rrf_k", 30}}}});
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["collections"], nlohmann::json({{{"id", ids[0]}, {"name", "manuals"}}}));
  EXPECT_EQ(patched.body["retrieval"]["rrf_k"], 30);
  patched = patch_json(srv, "/api/v1/conversations/" + id, {{"retrieval", {{"context_share", 0.4}}}});
  EXPECT_EQ(patched.body["retrieval"]["context_share"], 0.4) << patched.raw;
  patched = patch_json(srv, "/api/v1/conversations/" + id, {{"retrieval", {{"mode", "hybrid"}, {"rrf_k", 30}}}});
  patched = patch_json(srv, "/api/v1/conversations/" + id, {{"retrieval", nullptr}});
  EXPECT_TRUE(patched.body["retrieval"].is_null());
  EXPECT_EQ(patched.body["collections"].size(), 1u);

  // A deleted collection leaves the conversation.
  ASSERT_EQ(delete_path(srv, "/api/v1/collections/" + std::to_string(ids[0])).status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).body["collections"], nlohmann::json::array());

  // Refusals name the field and store nothing.
  auto unknown = post_json(srv, "/api/v1/conversations", {{"collections", {"no-such-collection"}}});
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  for (const nlohmann::json& bad : {nlohmann::json{{"collections", "specs"}}, nlohmann::json{{"collections", {true}}},
                                    nlohmann::json{{"collections", {0}}}, nlohmann::json{{"collections", {""}}},
                                    nlohmann::json{{"retrieval", "bm25"}}, nlohmann::json{{"retrieval", {{"mode", "fuzzy"}}}},
                                    nlohmann::json{{"retrieval", {{"top_k", 0}}}},
                                    nlohmann::json{{"retrieval", {{"context_share", 1.5}}}},
                                    nlohmann::json{{"retrieval", {{"temperature", 1}}}}}) {
    auto r = post_json(srv, "/api/v1/conversations", bad);
    EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.raw;
    EXPECT_TRUE(r.body["error"]["message"].is_string()) << r.raw;
  }
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 17; ++i) many.push_back("specs");
  EXPECT_EQ(post_json(srv, "/api/v1/conversations", {{"collections", many}}).status, 400);
  EXPECT_EQ(patch_json(srv, "/api/v1/conversations/" + id, {{"collections", {"nope"}}}).status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/conversations").body["total"], 1);
}

// Files dropped into a chat go to the conversation's own collection, made and
// attached (first) on the first upload, reused after, deleted with the
// conversation; refused files are answered as a collection upload answers them.
TEST(ServerConversations, DroppedFilesBecomeTheConversationsOwnCollection) {
  TestServer srv;
  ASSERT_EQ(post_json(srv, "/api/v1/collections", {{"name", "specs"}}).status, 201);
  auto created = post_json(srv, "/api/v1/conversations", {{"collections", {"specs"}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  auto drop = [&](const httplib::MultipartFormDataItems& items) {
    auto c = srv.client();
    return to_reply(c.Post("/api/v1/conversations/" + id + "/documents", items));
  };
  auto first = drop({file_part("garden.md", "# Garden\n\nTomatoes need deep watering twice a week.\n", "text/markdown")});
  ASSERT_EQ(first.status, 202) << first.raw;
  EXPECT_EQ(wait_for_job(srv, first.body["job"]["id"])["status"], "done");
  auto conv = get_json(srv, "/api/v1/conversations/" + id).body;
  const int64_t own = conv["own_collection_id"].get<int64_t>();
  ASSERT_EQ(conv["collections"].size(), 2u);
  EXPECT_EQ(conv["collections"][0]["id"], own);  // its own files first, then the attached ones
  EXPECT_EQ(conv["collections"][0]["name"], id + " files");
  EXPECT_EQ(conv["collections"][1]["name"], "specs");

  auto second = drop({file_part("notes.txt", "The telescope budget is forty thousand euros.\n", "text/plain")});
  ASSERT_EQ(second.status, 202) << second.raw;
  EXPECT_EQ(wait_for_job(srv, second.body["job"]["id"])["status"], "done");
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id).body["own_collection_id"], own);  // the same collection
  auto docs = get_json(srv, "/api/v1/collections/" + std::to_string(own) + "/documents");
  ASSERT_EQ(docs.status, 200) << docs.raw;
  EXPECT_EQ(docs.body["documents"].size(), 2u);

  // Refusals: no files, a binary file, an unknown conversation.
  EXPECT_EQ(drop({}).status, 400);
  auto binary = drop({file_part("blob.pdf", std::string("\x00\x01\x02garbage", 10), "application/pdf")});
  EXPECT_EQ(binary.status, 400) << binary.raw;
  EXPECT_EQ(binary.body["refused"].size(), 1u);
  {
    auto c = srv.client();
    EXPECT_EQ(to_reply(c.Post("/api/v1/conversations/conv-nope/documents",
                              httplib::MultipartFormDataItems{file_part("a.txt", "text")}))
                  .status,
              404);
  }

  // A first upload whose files are all refused leaves no empty collection behind.
  const std::string fresh = post_json(srv, "/api/v1/conversations", nlohmann::json::object()).body["id"];
  {
    auto c = srv.client();
    auto refused = to_reply(c.Post("/api/v1/conversations/" + fresh + "/documents",
                                   httplib::MultipartFormDataItems{file_part("blank.txt", "  \n\t\n")}));
    EXPECT_EQ(refused.status, 400) << refused.raw;
  }
  EXPECT_EQ(get_json(srv, "/api/v1/collections/" + fresh + "%20files").status, 404);
  EXPECT_TRUE(get_json(srv, "/api/v1/conversations/" + fresh).body["own_collection_id"].is_null());
  EXPECT_TRUE(get_json(srv, "/api/v1/conversations/" + fresh).body["collections"].empty());

  // Deleting the conversation deletes its own collection, not the attached one.
  ASSERT_EQ(delete_path(srv, "/api/v1/conversations/" + id).status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/collections/" + std::to_string(own)).status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/collections/specs").status, 200);
}

// A conversation with collections answers from them: each user message is
// searched in its collections (the same answering path as /api/v1/rag/query),
// and the reply is stored with the passages it was given (and those left out),
// shown, streamed and exported with them.
TEST(ServerConversations, RepliesAreGroundedInTheAttachedCollections) {
  TestServer srv;
  auto made = post_json(srv, "/api/v1/collections", {{"name", "notes"}});
  ASSERT_EQ(made.status, 201) << made.raw;
  auto c = srv.client();
  auto up = to_reply(c.Post("/api/v1/collections/notes/documents",
                            httplib::MultipartFormDataItems{
                                file_part("budget.txt", "The observatory telescope budget is forty thousand euros.\n"),
                                file_part("garden.txt", "Tomatoes need deep watering twice a week in summer.\n")}));
  ASSERT_EQ(up.status, 202) << up.raw;
  ASSERT_EQ(wait_for_job(srv, up.body["job"]["id"])["status"], "done");
  auto created = post_json(srv, "/api/v1/conversations",
                           {{"collections", {"notes"}}, {"retrieval", {{"mode", "bm25"}, {"top_k", 2}}},
                            {"params", {{"max_tokens", 16}, {"temperature", 0}}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];

  auto sent = post_json(srv, "/api/v1/conversations/" + id + "/messages", {{"content", "What is the telescope budget?"}});
  ASSERT_EQ(sent.status, 201) << sent.raw;
  const nlohmann::json& reply = sent.body["reply"];
  ASSERT_TRUE(reply.contains("sources")) << reply.dump();
  ASSERT_GE(reply["sources"].size(), 1u) << reply.dump();
  EXPECT_EQ(reply["sources"][0]["document"], "budget.txt");  // the best passage first
  EXPECT_EQ(reply["sources"][0]["collection"], "notes");
  EXPECT_EQ(reply["sources"][0]["number"], 1);
  EXPECT_TRUE(reply["sources"][0]["text"].is_string());
  const nlohmann::json& retrieval = reply["generation"]["retrieval"];
  EXPECT_EQ(retrieval["mode"], "bm25");
  EXPECT_EQ(retrieval["collection"], "notes");
  EXPECT_EQ(retrieval["used"].get<size_t>() + retrieval["dropped"].get<size_t>(), retrieval["retrieved"].get<size_t>());
  EXPECT_EQ(reply["dropped"].size(), retrieval["dropped"].get<size_t>());

  // Stored with the reply, and exported.
  auto stored = get_json(srv, "/api/v1/conversations/" + id).body["messages"];
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1]["sources"], reply["sources"]);
  EXPECT_FALSE(stored[0].contains("sources"));  // the user's message has none
  EXPECT_EQ(get_json(srv, "/api/v1/conversations/" + id + "/export").body["messages"][1]["sources"], reply["sources"]);

  // The next question is searched too, with the earlier turns in the prompt (more prompt tokens).
  auto again = post_json(srv, "/api/v1/conversations/" + id + "/messages",
                         {{"content", "How often do tomatoes need water?"}, {"stream", true}});
  ASSERT_EQ(again.status, 200) << again.raw;
  stored = get_json(srv, "/api/v1/conversations/" + id).body["messages"];
  ASSERT_EQ(stored.size(), 4u);
  ASSERT_GE(stored[3]["sources"].size(), 1u);
  EXPECT_EQ(stored[3]["sources"][0]["document"], "garden.txt");

  // Structured output and logprobs combine with documents: the reply is
  // grounded (sources kept) and shaped as asked (tools: ServerHarmony.*Grounded*).
  auto yes_no = post_json(srv, "/api/v1/conversations/" + id + "/messages",
                          {{"content", "Is the telescope budget forty thousand euros?"},
                           {"grammar", "root ::= (\"yes\" | \"no\") \"!\""},
                           {"logprobs", true},
                           {"top_logprobs", 1},
                           {"stream", false}});
  ASSERT_EQ(yes_no.status, 201) << yes_no.raw;
  const std::string answer = yes_no.body["reply"]["content"];
  EXPECT_TRUE(answer == "yes!" || answer == "no!") << answer;
  EXPECT_GE(yes_no.body["reply"]["sources"].size(), 1u) << yes_no.raw;
  ASSERT_TRUE(yes_no.body["logprobs"].is_array()) << yes_no.raw;
  EXPECT_EQ(yes_no.body["logprobs"].size(), yes_no.body["reply"]["generation"]["usage"]["completion_tokens"].get<size_t>());
  auto json_reply = post_json(srv, "/api/v1/conversations/" + id + "/messages",
                              {{"content", "The telescope budget, as JSON"}, {"response_format", {{"type", "json_object"}}},
                               {"params", {{"max_tokens", 12}}}});
  ASSERT_EQ(json_reply.status, 201) << json_reply.raw;
  EXPECT_EQ(json_reply.body["reply"]["generation"]["output"]["response_format"]["type"], "json_object");
  // (The earlier turns now fill the demo model's context: the passage is retrieved and reported left out.)
  EXPECT_GE(json_reply.body["reply"]["generation"]["retrieval"]["retrieved"].get<int>(), 1) << json_reply.raw;

  // Detached: plain replies again, without sources.
  ASSERT_EQ(patch_json(srv, "/api/v1/conversations/" + id, {{"collections", nullptr}}).status, 200);
  auto plain = post_json(srv, "/api/v1/conversations/" + id + "/messages", {{"content", "Hello"}});
  ASSERT_EQ(plain.status, 201) << plain.raw;
  EXPECT_FALSE(plain.body["reply"].contains("sources"));
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
