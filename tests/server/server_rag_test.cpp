// Collections, uploads, ingestion jobs, retrieval and answers over HTTP with a
// real SQLite file and the demo model: CRUD and validation; a multipart upload
// where each bad file (binary named .txt, empty, a path in the name, too
// large) fails alone while the others are ingested; job progress by GET and
// SSE; BM25 search that finds a known phrase in its document; answers with
// sources, citations checked and what did not fit reported; delete removes a
// document from search; everything survives a restart.
#include <gtest/gtest.h>

#include <thread>

#include "server_test_support.h"
#include "../rag/r_manuals.h"
#include "../engine/model/bert_test_util.h"

namespace pg::test {
namespace {

JsonReply upload(const TestServer& srv, const std::string& collection, const httplib::MultipartFormDataItems& items) {
  auto c = srv.client();
  return to_reply(c.Post("/api/v1/collections/" + collection + "/documents", items));
}

const char* kGuide =
    "# Garden guide\n\nGeneral notes on the garden.\n\n## Watering\n\n"
    "Tomatoes need deep watering twice a week in summer. The purple cabbage prefers morning water.\n\n"
    "## Pests\n\nSlugs eat lettuce at night; copper tape keeps them away from the beds.\n";
const char* kNotes = "Meeting notes.\n\nThe quarterly budget for the observatory telescope is forty thousand euros.\n";

TEST(ServerRag, CollectionsCrudAndValidation) {
  TestServer srv;
  auto created = post_json(srv, "/api/v1/collections", {{"name", "manuals"}, {"description", "R manuals"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["name"], "manuals");
  EXPECT_EQ(created.body["embedding_model"], nullptr);
  EXPECT_EQ(created.body["retrieval_modes"], nlohmann::json({"bm25"}));
  EXPECT_NE(created.body["retrieval_note"].get<std::string>().find("BM25"), std::string::npos);
  const int64_t id = created.body["id"];

  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", "manuals"}}).status, 409);
  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", "12345"}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", ""}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", "a/b"}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", "x"}, {"embedding_model", "no-such-model"}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", "x"}, {"chunking", {{"size", 100}, {"overlap", 60}}}}).status, 400);
  EXPECT_EQ(post_json(srv, "/api/v1/collections", {{"name", "x"}, {"chunking", {{"unit", "pages"}}}}).status, 400);

  EXPECT_EQ(get_json(srv, "/api/v1/collections/manuals").body["id"], id);
  EXPECT_EQ(get_json(srv, "/api/v1/collections/" + std::to_string(id)).body["name"], "manuals");
  EXPECT_EQ(get_json(srv, "/api/v1/collections/nope").status, 404);
  auto c = srv.client();
  auto renamed = to_reply(c.Patch("/api/v1/collections/manuals", R"({"name":"docs"})", "application/json"));
  EXPECT_EQ(renamed.status, 200) << renamed.raw;
  EXPECT_EQ(renamed.body["name"], "docs");
  EXPECT_EQ(to_reply(c.Patch("/api/v1/collections/docs", R"({"chunking":{"size":64}})", "application/json")).status, 400);
  EXPECT_EQ(get_json(srv, "/api/v1/collections").body["collections"].size(), 1u);
  EXPECT_EQ(to_reply(c.Delete("/api/v1/collections/docs")).status, 200);
  EXPECT_EQ(get_json(srv, "/api/v1/collections/docs").status, 404);
}

TEST(ServerRag, UploadIngestSearchAnswerDeleteAndRestart) {
  auto config = test_server_config();
  config.max_upload_bytes = 4096;
  std::string guide_id;
  {
    TestServer srv(config);
    ASSERT_EQ(post_json(srv, "/api/v1/collections", {{"name", "garden"}, {"chunking", {{"unit", "characters"}, {"size", 120}, {"overlap", 10}}}}).status, 201);
    std::string binary(600, '\0');
    for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 37) & 0xff);
    auto up = upload(srv, "garden",
                     {file_part("guide.md", kGuide, "text/markdown"), file_part("../../notes.txt", kNotes),
                      file_part("photo.txt", binary), file_part("empty.txt", ""),
                      file_part("big.txt", std::string(5000, 'a')), file_part("copy.md", kGuide),
                      {"tags", "garden, 2026", "", ""}, {"metadata", R"({"owner":"ana"})", "", ""}});
    ASSERT_EQ(up.status, 202) << up.raw;
    ASSERT_EQ(up.body["documents"].size(), 2u) << up.raw;
    EXPECT_EQ(up.body["documents"][0]["file_name"], "guide.md");
    EXPECT_EQ(up.body["documents"][0]["format"], "markdown");
    EXPECT_EQ(up.body["documents"][1]["file_name"], "notes.txt");  // the path was dropped
    EXPECT_EQ(up.body["documents"][1]["tags"], nlohmann::json({"2026", "garden"}));
    EXPECT_EQ(up.body["documents"][1]["metadata"], nlohmann::json({{"owner", "ana"}}));
    std::map<std::string, std::string> refused;
    for (const auto& r : up.body["refused"]) refused[r["file_name"]] = r["error"]["code"];
    EXPECT_EQ(refused, (std::map<std::string, std::string>{{"photo.txt", "unsupported_type"},
                                                           {"empty.txt", "empty_file"},
                                                           {"big.txt", "file_too_large"},
                                                           {"copy.md", "duplicate"}}));
    guide_id = std::to_string(up.body["documents"][0]["id"].get<int64_t>());

    const nlohmann::json job = wait_for_job(srv, up.body["job"]["id"]);
    ASSERT_EQ(job["status"], "done") << job.dump(2);
    EXPECT_EQ(job["files_done"], 2);
    EXPECT_GE(job["chunks"].get<int>(), 3);

    // The SSE stream of a finished job ends at once with its final state.
    std::string events_text;
    auto c = srv.client();
    auto r = c.Get("/api/v1/ingest/jobs/" + job["id"].get<std::string>() + "/events",
                   [&](const char* data, size_t n) { events_text.append(data, n); return true; });
    ASSERT_TRUE(r);
    auto events = parse_sse(events_text);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().event, "done");
    EXPECT_EQ(events.back().json()["status"], "done");

    auto doc = get_json(srv, "/api/v1/documents/" + guide_id);
    ASSERT_EQ(doc.status, 200);
    EXPECT_EQ(doc.body["status"], "indexed");
    EXPECT_EQ(doc.body["title"], "Garden guide");
    bool found_heading = false;
    for (const auto& ch : doc.body["chunks"]) {
      EXPECT_FALSE(ch["text"].get<std::string>().empty());
      if (ch["heading_path"] == "Garden guide > Pests") found_heading = true;
    }
    EXPECT_TRUE(found_heading) << doc.body["chunks"].dump(2);

    auto hits = post_json(srv, "/api/v1/collections/garden/search", {{"query", "copper tape slugs"}, {"top_k", 3}});
    ASSERT_EQ(hits.status, 200) << hits.raw;
    EXPECT_EQ(hits.body["mode"], "bm25");
    ASSERT_FALSE(hits.body["hits"].empty());
    EXPECT_EQ(hits.body["hits"][0]["document"]["file_name"], "guide.md");
    EXPECT_EQ(hits.body["hits"][0]["bm25_rank"], 1);
    EXPECT_EQ(hits.body["hits"][0]["dense_rank"], nullptr);
    EXPECT_NE(hits.body["hits"][0]["chunk"]["text"].get<std::string>().find("copper tape"), std::string::npos);
    EXPECT_EQ(post_json(srv, "/api/v1/collections/garden/search", {{"query", "telescope"}, {"tags", {"nope"}}}).body["hits"].size(), 0u);
    EXPECT_EQ(post_json(srv, "/api/v1/collections/garden/search", {{"query", "x"}, {"mode", "dense"}}).status, 400);
    EXPECT_EQ(post_json(srv, "/api/v1/collections/garden/search", {{"query", "\"*) NEAR( -"}}).status, 200);

    auto answer = post_json(srv, "/api/v1/rag/query",
                            {{"collection", "garden"}, {"question", "What is the telescope budget?"},
                             {"params", {{"max_tokens", 16}, {"seed", 7}}}});
    ASSERT_EQ(answer.status, 200) << answer.raw;
    ASSERT_FALSE(answer.body["sources"].empty());
    EXPECT_EQ(answer.body["sources"][0]["number"], 1);
    EXPECT_EQ(answer.body["sources"][0]["document"], "notes.txt");
    EXPECT_EQ(answer.body["sources"][0]["page_start"], 1);
    EXPECT_TRUE(answer.body["citations"].is_array());
    EXPECT_TRUE(answer.body["invalid_citations"].is_array());
    EXPECT_EQ(answer.body["retrieval"]["mode"], "bm25");
    EXPECT_GT(answer.body["usage"]["completion_tokens"].get<int>(), 0);

    // The demo model's context is small: a long answer leaves room for fewer sources, reported as dropped.
    auto squeezed = post_json(srv, "/api/v1/rag/query",
                              {{"collection", "garden"}, {"question", "garden watering pests budget notes"}, {"top_k", 5},
                               {"params", {{"max_tokens", 200}}}});
    ASSERT_EQ(squeezed.status, 200) << squeezed.raw;
    EXPECT_FALSE(squeezed.body["dropped"].empty()) << squeezed.raw;
    EXPECT_FALSE(squeezed.body["dropped"][0]["reason"].get<std::string>().empty());
    // The share of the free context the sources may fill, per request: more share, a larger budget.
    auto budget = [&](double share) {
      auto r = post_json(srv, "/api/v1/rag/query",
                         {{"collection", "garden"}, {"question", "garden watering pests budget notes"}, {"top_k", 5},
                          {"context_share", share}, {"params", {{"max_tokens", 64}}}});
      EXPECT_EQ(r.status, 200) << r.raw;
      return r.body["retrieval"]["source_budget_tokens"].get<int64_t>();
    };
    EXPECT_LT(budget(0.5), budget(1.0));
    for (double bad : {0.0, 0.04, 1.5})
      EXPECT_EQ(post_json(srv, "/api/v1/rag/query", {{"collection", "garden"}, {"question", "q"}, {"context_share", bad}}).status,
                400)
          << bad;

    std::string streamed;
    auto sr = post_streaming(srv, "/api/v1/rag/query",
                             {{"collection", "garden"}, {"question", "slugs"}, {"stream", true}, {"params", {{"max_tokens", 8}}}},
                             [&](std::string_view chunk) { streamed.append(chunk); return true; });
    ASSERT_TRUE(sr);
    auto sse = parse_sse(streamed);
    ASSERT_GE(sse.size(), 2u) << streamed;
    EXPECT_EQ(sse.front().event, "sources");
    EXPECT_EQ(sse.back().event, "done");
    EXPECT_TRUE(sse.back().json()["citations"].is_array());

    // Re-indexing a document gives the same chunks again, not more.
    const size_t chunks_before = get_json(srv, "/api/v1/documents/" + guide_id).body["chunks"].size();
    auto again = post_json(srv, "/api/v1/documents/" + guide_id + "/reindex", nlohmann::json::object());
    ASSERT_EQ(again.status, 202) << again.raw;
    EXPECT_EQ(again.body["job"]["kind"], "reindex");
    EXPECT_EQ(wait_for_job(srv, again.body["job"]["id"])["status"], "done");
    EXPECT_EQ(get_json(srv, "/api/v1/documents/" + guide_id).body["chunks"].size(), chunks_before);
    auto jobs = get_json(srv, "/api/v1/ingest/jobs?collection=garden");
    EXPECT_EQ(jobs.body["jobs"].size(), 2u);
    EXPECT_EQ(post_json(srv, "/api/v1/ingest/jobs/" + again.body["job"]["id"].get<std::string>() + "/cancel",
                        nlohmann::json::object()).status, 409);  // it has ended
    EXPECT_EQ(post_json(srv, "/api/v1/ingest/jobs/" + again.body["job"]["id"].get<std::string>() + "/retry",
                        nlohmann::json::object()).status, 409);  // nothing failed

    EXPECT_EQ(post_json(srv, "/api/v1/rag/query", {{"collection", "nope"}, {"question", "q"}}).status, 404);
    EXPECT_EQ(post_json(srv, "/api/v1/rag/query", {{"collection", "garden"}}).status, 400);
    EXPECT_EQ(post_json(srv, "/api/v1/rag/query", {{"collection", "garden"}, {"question", "q"}, {"model", "nope"}}).status, 404);
  }
  {
    TestServer srv(config);  // a restart keeps documents, chunks and the index
    auto hits = post_json(srv, "/api/v1/collections/garden/search", {{"query", "copper tape"}});
    ASSERT_EQ(hits.status, 200);
    ASSERT_FALSE(hits.body["hits"].empty());
    auto c = srv.client();
    EXPECT_EQ(to_reply(c.Delete("/api/v1/documents/" + guide_id)).status, 200);
    EXPECT_EQ(get_json(srv, "/api/v1/documents/" + guide_id).status, 404);
    EXPECT_TRUE(post_json(srv, "/api/v1/collections/garden/search", {{"query", "copper tape"}}).body["hits"].empty());
    EXPECT_EQ(get_json(srv, "/api/v1/collections/garden").body["document_count"], 1);
  }
}

TEST(ServerRag, AReadPdfIsSearchableByPageAndABrokenOneFailsAlone) {
  PG_REQUIRE_R_MANUALS();
  const std::vector<uint8_t> pdf = rag::test::read_bytes(rag::test::r_manual_dir() + "/R-intro.pdf");
  const std::string whole(pdf.begin(), pdf.end());
  TestServer srv;
  ASSERT_EQ(post_json(srv, "/api/v1/collections", {{"name", "r"}}).status, 201);
  auto up = upload(srv, "r", {file_part("R-intro.pdf", whole, "application/pdf"),
                              file_part("cut.pdf", whole.substr(0, whole.size() / 2), "application/pdf")});
  ASSERT_EQ(up.status, 202) << up.raw;
  const nlohmann::json job = wait_for_job(srv, up.body["job"]["id"]);
  ASSERT_EQ(job["status"], "done") << job.dump(2);
  EXPECT_EQ(job["files_done"], 1);
  EXPECT_EQ(job["files_failed"], 1);
  EXPECT_EQ(job["files"][0]["pages"], 113);
  EXPECT_NE(job["files"][1]["error"].get<std::string>().find("cut.pdf"), std::string::npos) << job.dump(2);
  auto cut = get_json(srv, "/api/v1/documents/" + std::to_string(up.body["documents"][1]["id"].get<int64_t>()));
  EXPECT_EQ(cut.body["status"], "failed");
  EXPECT_EQ(cut.body["chunks"].size(), 0u);

  auto hits = post_json(srv, "/api/v1/collections/r/search",
                        {{"query", "Generalized transpose of an array aperm"}, {"top_k", 1}});
  ASSERT_EQ(hits.status, 200) << hits.raw;
  ASSERT_EQ(hits.body["hits"].size(), 1u);
  EXPECT_EQ(hits.body["hits"][0]["document"]["file_name"], "R-intro.pdf");
  EXPECT_LE(hits.body["hits"][0]["chunk"]["page_start"].get<int>(), 30);
  EXPECT_GE(hits.body["hits"][0]["chunk"]["page_end"].get<int>(), 30);
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

TEST(ServerRag, AnEncoderCollectionSearchesDenseAndHybridAndForgetsDeletedDocuments) {
  BertTempDir dir;
  std::filesystem::rename(write_synth_bert(dir, "bert-tiny", "F16"), dir.file("minibert.gguf"));
  auto config = test_server_config();
  config.models_dir = dir.path().string();
  TestServer srv(config);
  auto created = post_json(srv, "/api/v1/collections",
                           {{"name", "dense"}, {"embedding_model", "minibert"},
                            {"chunking", {{"unit", "tokens"}, {"size", 40}, {"overlap", 4}}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["retrieval_modes"], nlohmann::json({"bm25", "dense", "hybrid"}));
  EXPECT_GT(created.body["embedding_dimension"].get<int>(), 0);
  auto up = upload(srv, "dense", {file_part("guide.md", kGuide), file_part("notes.txt", kNotes)});
  ASSERT_EQ(up.status, 202) << up.raw;
  const nlohmann::json job = wait_for_job(srv, up.body["job"]["id"]);
  ASSERT_EQ(job["status"], "done") << job.dump(2);
  ASSERT_EQ(job["files_done"], 2) << job.dump(2);
  const int64_t chunks = get_json(srv, "/api/v1/collections/dense").body["chunk_count"];
  ASSERT_GE(chunks, 3);

  auto dense = post_json(srv, "/api/v1/collections/dense/search", {{"query", "copper tape"}, {"mode", "dense"}, {"top_k", 100}});
  ASSERT_EQ(dense.status, 200) << dense.raw;
  EXPECT_EQ(static_cast<int64_t>(dense.body["hits"].size()), chunks);  // every chunk is in the index once
  for (const auto& h : dense.body["hits"]) {
    EXPECT_EQ(h["bm25_rank"], nullptr);
    EXPECT_TRUE(h["dense_score"].is_number());
  }
  auto hybrid = post_json(srv, "/api/v1/collections/dense/search", {{"query", "copper tape"}, {"top_k", 3}});
  ASSERT_EQ(hybrid.status, 200) << hybrid.raw;
  EXPECT_EQ(hybrid.body["mode"], "hybrid");
  ASSERT_FALSE(hybrid.body["hits"].empty());
  bool both = false;
  for (const auto& h : hybrid.body["hits"]) both = both || (h["bm25_rank"].is_number() && h["dense_rank"].is_number());
  EXPECT_TRUE(both) << hybrid.raw;  // the BM25 match also has a dense rank: the lists were fused

  auto answer = post_json(srv, "/api/v1/rag/query", {{"collection", "dense"}, {"question", "copper tape"},
                                                      {"params", {{"max_tokens", 8}}}});
  ASSERT_EQ(answer.status, 200) << answer.raw;
  EXPECT_EQ(answer.body["retrieval"]["mode"], "hybrid");
  EXPECT_EQ(answer.body["model"], "stories260K");  // the answer comes from the default model, not the encoder

  auto c = srv.client();
  ASSERT_EQ(to_reply(c.Delete("/api/v1/documents/" + std::to_string(up.body["documents"][0]["id"].get<int64_t>()))).status, 200);
  auto after = post_json(srv, "/api/v1/collections/dense/search", {{"query", "copper tape"}, {"mode", "dense"}, {"top_k", 100}});
  for (const auto& h : after.body["hits"]) EXPECT_EQ(h["document"]["file_name"], "notes.txt");
  EXPECT_FALSE(after.body["hits"].empty());
}

TEST(ServerRag, ARunningJobIsCancelledThenRetriedToTheEnd) {
  TestServer srv;
  // Embedding every chunk with the demo model makes the job slow enough to cancel while it runs.
  ASSERT_EQ(post_json(srv, "/api/v1/collections", {{"name", "slow"}, {"embedding_model", "stories260K"}}).status, 201);
  httplib::MultipartFormDataItems files;
  for (int f = 0; f < 10; ++f) {
    std::string text;
    for (int w = 0; w < 800; ++w) text += "word" + std::to_string((w * 7 + f * 13) % 97) + (w % 10 == 9 ? ".\n" : " ");
    files.push_back(file_part("part" + std::to_string(f) + ".txt", text));
  }
  auto up = upload(srv, "slow", files);
  ASSERT_EQ(up.status, 202) << up.raw;
  const std::string id = up.body["job"]["id"];
  bool cancelled = false;
  for (int i = 0; i < 3000 && !cancelled; ++i) {
    auto job = get_json(srv, "/api/v1/ingest/jobs/" + id).body;
    if (job["files_done"].get<int>() >= 1) {
      auto c = post_json(srv, "/api/v1/ingest/jobs/" + id + "/cancel", nlohmann::json::object());
      ASSERT_EQ(c.status, 200) << c.raw;
      cancelled = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(cancelled);
  nlohmann::json job = wait_for_job(srv, id);
  EXPECT_EQ(job["status"], "cancelled") << job.dump(2);
  const int done_before = job["files_done"];
  ASSERT_LT(done_before, 10) << "the job ended before it could be cancelled";
  // The file in hand stops within one embedding batch and then settles its document.
  nlohmann::json docs;
  for (int i = 0; i < 500; ++i) {
    docs = get_json(srv, "/api/v1/collections/slow/documents").body["documents"];
    bool settled = true;
    for (const auto& d : docs) settled = settled && d["status"] != "indexing" && d["status"] != "pending";
    if (settled) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int failed = 0;
  for (const auto& d : docs)
    if (d["status"] == "failed") {
      ++failed;
      EXPECT_NE(d["error"].get<std::string>().find("cancelled"), std::string::npos);
    }
  EXPECT_EQ(failed + done_before, 10) << docs.dump(2);

  auto retried = post_json(srv, "/api/v1/ingest/jobs/" + id + "/retry", nlohmann::json::object());
  ASSERT_EQ(retried.status, 200) << retried.raw;
  job = wait_for_job(srv, id);
  EXPECT_EQ(job["status"], "done") << job.dump(2);
  EXPECT_EQ(job["files_done"], 10);
  const auto listed = get_json(srv, "/api/v1/collections/slow/documents");
  for (const auto& d : listed.body["documents"]) EXPECT_EQ(d["status"], "indexed");
}

TEST(ServerRag, UploadErrorsAreClearAndTheServerStaysUp) {
  TestServer srv;
  ASSERT_EQ(post_json(srv, "/api/v1/collections", {{"name", "c"}}).status, 201);
  EXPECT_EQ(upload(srv, "nope", {file_part("a.txt", "hello world")}).status, 404);
  auto none = upload(srv, "c", {{"tags", "x", "", ""}});
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(none.body["error"]["code"], "no_files");
  auto bad_only = upload(srv, "c", {file_part("e.txt", "")});
  EXPECT_EQ(bad_only.status, 400);
  EXPECT_EQ(bad_only.body["refused"][0]["error"]["code"], "empty_file");
  auto c = srv.client();
  auto not_multipart = to_reply(c.Post("/api/v1/collections/c/documents", "{}", "application/json"));
  EXPECT_EQ(not_multipart.status, 400);
  EXPECT_EQ(get_json(srv, "/api/v1/ingest/jobs/job-00").status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/documents/999").status, 404);
  EXPECT_EQ(get_json(srv, "/api/v1/health").status, 200);
}

// Upload errors name the file once; a file of nothing but whitespace is
// refused at upload (no_text, 400) instead of failing in every retry; a job is
// labelled with its file's name.
TEST(ServerRag, UploadErrorsNameTheFileOnceAndBlankTextIsRefused) {
  TestServer srv;
  ASSERT_EQ(post_json(srv, "/api/v1/collections", {{"name", "c"}}).status, 201);
  std::string binary(600, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 37) & 0xff);
  auto fake = upload(srv, "c", {file_part("fake.pdf", binary)});
  ASSERT_EQ(fake.status, 400) << fake.raw;
  const std::string message = fake.body["refused"][0]["error"]["message"];
  EXPECT_EQ(fake.body["refused"][0]["error"]["code"], "unsupported_type");
  EXPECT_EQ(message.rfind("fake.pdf: ", 0), 0u) << message;
  EXPECT_EQ(message.find("fake.pdf", 1), std::string::npos) << message;  // once

  for (const std::string& blank : {std::string("   \n\t\n  "), std::string("\n\n\n"), std::string(" \r\n \r\n")}) {
    auto up = upload(srv, "c", {file_part("blank.txt", blank)});
    EXPECT_EQ(up.status, 400) << up.raw;
    ASSERT_EQ(up.body["refused"].size(), 1u) << up.raw;
    EXPECT_EQ(up.body["refused"][0]["error"]["code"], "no_text") << up.raw;
    const std::string why = up.body["refused"][0]["error"]["message"];
    EXPECT_EQ(why, "blank.txt: no text to index (only whitespace)") << up.raw;
    EXPECT_TRUE(up.body["job"].is_null()) << up.raw;
  }
  auto blank_md = upload(srv, "c", {file_part("notes.md", "\n   \n", "text/markdown"), file_part("ok.txt", "Some text.")});
  ASSERT_EQ(blank_md.status, 202) << blank_md.raw;  // the other file goes on
  EXPECT_EQ(blank_md.body["refused"][0]["error"]["code"], "no_text");
  EXPECT_EQ(blank_md.body["job"]["label"], "ok.txt") << blank_md.raw;
  EXPECT_EQ(blank_md.body["job"]["kind"], "upload");
  const nlohmann::json job = wait_for_job(srv, blank_md.body["job"]["id"]);
  EXPECT_EQ(job["status"], "done") << job.dump(2);
  EXPECT_EQ(job["label"], "ok.txt");

  auto two = upload(srv, "c", {file_part("a.txt", "Alpha text."), file_part("b.txt", "Beta text.")});
  ASSERT_EQ(two.status, 202) << two.raw;
  EXPECT_EQ(two.body["job"]["label"], "a.txt and 1 more file");
}

}  // namespace
}  // namespace pg::test
