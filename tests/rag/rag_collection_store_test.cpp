// The collection store (src/rag/collection_store*): collections, documents,
// tags/metadata, chunks and the FTS5 index kept in step, on a real SQLite file.
// Deletions cascade to chunks and FTS rows; chunk ids are never reused;
// embeddings round-trip bit for bit; bad input is refused with clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "rag/fts_query.h"
#include "rag/fts_terms.h"
#include "rag_store_fixture.h"
#include "store/migrations.h"

namespace pg::rag {
namespace {

using test::RagStoreFixture;
using test::text_chunk;

class RagStore : public RagStoreFixture, public ::testing::WithParamInterface<store::Dialect> {
 protected:
  store::Dialect engine() const override { return GetParam(); }
  bool sqlite() const { return GetParam() == store::Dialect::Sqlite; }
  // The full-text index is consistent with the chunks (FTS5's own check; in
  // PostgreSQL every chunk has its terms, and as many as its text has).
  void check_full_text_index() {
    if (sqlite()) {
      ASSERT_TRUE(db_->exec("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)"));
      return;
    }
    EXPECT_EQ(count("SELECT count(*) FROM chunks WHERE search_terms IS NULL OR search_length IS NULL"), 0);
    auto st = db_->prepare("SELECT text, search_length FROM chunks");
    ASSERT_TRUE(st) << st.error();
    for (;;) {
      auto row = st->step();
      ASSERT_TRUE(row) << row.error();
      if (!*row) break;
      EXPECT_EQ(st->int64(1), static_cast<int64_t>(fts_terms(st->text(0)).size())) << st->text(0);
    }
  }
  std::vector<int64_t> bm25_ids(int64_t collection_id, const std::string& text, const DocumentFilter& filter = {}) {
    auto r = store_->bm25_search(collection_id, text, filter, 100);
    EXPECT_TRUE(r) << r.error();
    std::vector<int64_t> ids;
    if (r)
      for (const Bm25Match& m : *r) ids.push_back(m.chunk_id);
    return ids;
  }
  int64_t fts_rows() {
    return count(sqlite() ? "SELECT count(*) FROM chunks_fts_docsize"
                          : "SELECT count(*) FROM chunks WHERE search_terms IS NOT NULL");
  }
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST_P(RagStore, MigrationCreatesTheTablesAndTriggers) {
  auto version = store::schema_version(*db_);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, store::migrations().back().version);
  EXPECT_GE(*version, 2);
  if (!sqlite()) {
    for (const char* table : {"collections", "documents", "document_tags", "document_metadata", "chunks"})
      EXPECT_EQ(count(std::string("SELECT count(*) FROM information_schema.tables WHERE table_name = '") + table + "'"), 1)
          << table;
    EXPECT_EQ(count("SELECT count(*) FROM pg_indexes WHERE indexname = 'chunks_search_terms'"), 1);
    return;
  }
  for (const char* table : {"collections", "documents", "document_tags", "document_metadata", "chunks", "chunks_fts"})
    EXPECT_EQ(count(std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table + "'"), 1) << table;
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'chunks'"), 3);
}

TEST_P(RagStore, CollectionCrudWithConflictsAndNotFound) {
  Collection a = make_collection("manuals", "minilm", 384);
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.embedding_dim, 384);
  EXPECT_EQ(a.chunking.unit, "tokens");
  EXPECT_EQ(a.chunking.size, 256);
  EXPECT_EQ(a.document_count, 0);
  Collection b = make_collection("articles");

  auto dup = store_->create_collection(NewCollection{"manuals", "", "", 0, {}});
  ASSERT_FALSE(dup);
  EXPECT_TRUE(starts_with(dup.error(), "conflict:")) << dup.error();
  EXPECT_NE(dup.error().find("manuals"), std::string::npos);

  auto list = store_->list_collections();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "articles");  // by name
  EXPECT_EQ((*list)[1].name, "manuals");

  auto found = store_->find_collection("manuals");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.id);
  auto missing = store_->find_collection("nope");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(starts_with(missing.error(), "not found:")) << missing.error();

  CollectionUpdate rename;
  rename.name = "articles";
  auto clash = store_->update_collection(a.id, rename);
  ASSERT_FALSE(clash);
  EXPECT_TRUE(starts_with(clash.error(), "conflict:")) << clash.error();

  CollectionUpdate u;
  u.name = "handbooks";
  u.description = "the R manuals";
  u.chunking = ChunkingSettings{"characters", 1000, 100};
  auto updated = store_->update_collection(a.id, u);
  ASSERT_TRUE(updated) << updated.error();
  EXPECT_EQ(updated->name, "handbooks");
  EXPECT_EQ(updated->description, "the R manuals");
  EXPECT_EQ(updated->chunking.unit, "characters");
  EXPECT_EQ(updated->chunking.size, 1000);
  EXPECT_EQ(updated->embedding_model, "minilm");  // kept

  ASSERT_TRUE(store_->delete_collection(b.id));
  auto gone = store_->get_collection(b.id);
  ASSERT_FALSE(gone);
  EXPECT_TRUE(starts_with(gone.error(), "not found:")) << gone.error();
  Status again = store_->delete_collection(b.id);
  ASSERT_FALSE(again);
  EXPECT_TRUE(starts_with(again.message(), "not found:")) << again.message();
}

TEST_P(RagStore, BadCollectionSettingsAreRefused) {
  auto bad = [&](NewCollection c, const std::string& fragment) {
    auto r = store_->create_collection(c);
    ASSERT_FALSE(r) << c.name;
    EXPECT_TRUE(starts_with(r.error(), "invalid:")) << r.error();
    EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  };
  bad(NewCollection{"", "", "", 0, {}}, "collection name is empty");
  bad(NewCollection{"a\nb", "", "", 0, {}}, "control character");
  bad(NewCollection{"m", "", "minilm", 0, {}}, "dimension");
  bad(NewCollection{"m", "", "", 384, {}}, "dimension");
  bad(NewCollection{"m", "", "", 0, {"words", 100, 10}}, "chunk unit 'words'");
  bad(NewCollection{"m", "", "", 0, {"tokens", 100, 100}}, "chunk overlap 100");
  bad(NewCollection{"m", "", "", 0, {"tokens", 0, 0}}, "chunk size 0");
  auto list = store_->list_collections();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST_P(RagStore, DocumentsWithTagsMetadataStatusAndFilters) {
  Collection c = make_collection("docs");
  DocumentRecord a = make_document(c.id, "a.txt", {"r", "manual"}, {{"lang", "en"}, {"year", "2023"}});
  DocumentRecord b = make_document(c.id, "b.txt", {"r"}, {{"lang", "de"}});
  DocumentRecord d = make_document(c.id, "d.txt", {}, {});
  EXPECT_EQ(a.status, "pending");
  EXPECT_EQ(a.tags, (std::vector<std::string>{"manual", "r"}));
  EXPECT_EQ(a.metadata.at("year"), "2023");
  EXPECT_EQ(a.sha256, "sha-a.txt");

  ASSERT_TRUE(store_->set_document_status(a.id, "indexed", "", std::string("An Introduction to R"), 105));
  auto got = store_->get_document(a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "indexed");
  EXPECT_EQ(got->title, "An Introduction to R");
  EXPECT_EQ(got->page_count, 105);
  ASSERT_TRUE(store_->set_document_status(a.id, "failed", "a.txt: page 3: broken"));
  got = store_->get_document(a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "failed");
  EXPECT_EQ(got->error, "a.txt: page 3: broken");
  EXPECT_EQ(got->title, "An Introduction to R");  // kept when not given
  Status bad_status = store_->set_document_status(a.id, "done");
  EXPECT_FALSE(bad_status);
  EXPECT_NE(bad_status.message().find("'done'"), std::string::npos);
  EXPECT_TRUE(starts_with(store_->set_document_status(999, "indexed").message(), "not found:"));

  auto names = [&](const DocumentFilter& f) {
    auto r = store_->list_documents(c.id, f);
    EXPECT_TRUE(r) << r.error();
    std::vector<std::string> out;
    if (r)
      for (const DocumentRecord& x : *r) out.push_back(x.file_name);
    return out;
  };
  EXPECT_EQ(names({}), (std::vector<std::string>{"a.txt", "b.txt", "d.txt"}));
  EXPECT_EQ(names({{"r"}, {}}), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(names({{"r", "manual"}, {}}), (std::vector<std::string>{"a.txt"}));  // all tags
  EXPECT_EQ(names({{}, {{"lang", "de"}}}), (std::vector<std::string>{"b.txt"}));
  EXPECT_EQ(names({{"manual"}, {{"lang", "de"}}}), (std::vector<std::string>{}));

  ASSERT_TRUE(store_->set_tags(d.id, {"new"}));
  ASSERT_TRUE(store_->set_metadata(d.id, {{"lang", "de"}}));
  EXPECT_EQ(names({{"new"}, {}}), (std::vector<std::string>{"d.txt"}));
  EXPECT_EQ(names({{}, {{"lang", "de"}}}), (std::vector<std::string>{"b.txt", "d.txt"}));
  ASSERT_TRUE(store_->set_tags(d.id, {}));
  EXPECT_EQ(names({{"new"}, {}}), (std::vector<std::string>{}));

  auto same = store_->find_documents_by_sha256(c.id, "sha-b.txt");
  ASSERT_TRUE(same);
  ASSERT_EQ(same->size(), 1u);
  EXPECT_EQ((*same)[0].id, b.id);

  auto bad_tag = store_->add_document(c.id, NewDocument{"x.txt", "text", 1, "s", {""}, {}});
  ASSERT_FALSE(bad_tag);
  EXPECT_NE(bad_tag.error().find("tag is empty"), std::string::npos) << bad_tag.error();
  auto no_collection = store_->add_document(12345, NewDocument{"x.txt", "text", 1, "s", {}, {}});
  ASSERT_FALSE(no_collection);
  EXPECT_TRUE(starts_with(no_collection.error(), "not found:")) << no_collection.error();
}

TEST_P(RagStore, ReplaceChunksKeepsFullTextIndexInStepAndNeverReusesIds) {
  Collection c = make_collection("docs");
  DocumentRecord d = make_document(c.id, "zoo.md");
  auto first = store_->replace_chunks(d.id, {text_chunk(0, "The aardvark digs burrows at night."),
                                             text_chunk(1, "Penguins swim in cold water.", 2)});
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE(first->added_ids.empty());  // no embeddings in a BM25-only collection
  auto chunks = store_->document_chunks(d.id);
  ASSERT_TRUE(chunks);
  ASSERT_EQ(chunks->size(), 2u);
  EXPECT_EQ((*chunks)[1].page_start, 2);
  EXPECT_EQ((*chunks)[1].text, "Penguins swim in cold water.");
  const int64_t old_max = (*chunks)[1].id;
  EXPECT_EQ(bm25_ids(c.id, "aardvark"), (std::vector<int64_t>{(*chunks)[0].id}));
  EXPECT_EQ(bm25_ids(c.id, "swimming penguin"), (std::vector<int64_t>{(*chunks)[1].id}));  // porter stemming
  EXPECT_EQ(fts_rows(), 2);

  auto second = store_->replace_chunks(d.id, {text_chunk(0, "Zebras graze on the savanna.")});
  ASSERT_TRUE(second) << second.error();
  EXPECT_TRUE(bm25_ids(c.id, "aardvark").empty());
  EXPECT_TRUE(bm25_ids(c.id, "penguins").empty());
  auto zebra = bm25_ids(c.id, "zebra");
  ASSERT_EQ(zebra.size(), 1u);
  EXPECT_GT(zebra[0], old_max);  // AUTOINCREMENT: no id comes back
  EXPECT_EQ(fts_rows(), 1);
  auto doc = store_->get_document(d.id);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->chunk_count, 1);
  auto coll = store_->get_collection(c.id);
  ASSERT_TRUE(coll);
  EXPECT_EQ(coll->chunk_count, 1);
  EXPECT_EQ(coll->document_count, 1);
  check_full_text_index();
}

// Chunks without full-text terms (written before schema 5 on PostgreSQL, or
// copied by `playground migrate`) get them before the next search, which then
// ranks as with terms written at insert. SQLite's FTS5 needs nothing of this.
TEST_P(RagStore, ChunksWithoutTermsAreIndexedBeforeTheNextSearch) {
  Collection c = make_collection("docs");
  DocumentRecord d = make_document(c.id, "zoo.md");
  ASSERT_TRUE(store_->replace_chunks(d.id, {text_chunk(0, "The aardvark digs burrows at night."),
                                            text_chunk(1, "Aardvarks and penguins: penguins swim.", 2),
                                            text_chunk(2, "Nothing of interest here.", 3)}));
  auto before = store_->bm25_search(c.id, "aardvark penguin", {}, 10);
  ASSERT_TRUE(before) << before.error();
  ASSERT_EQ(before->size(), 2u);
  auto none = store_->index_search_terms();
  ASSERT_TRUE(none) << none.error();
  EXPECT_EQ(*none, 0);  // every chunk got its terms when written
  if (sqlite()) return;
  ASSERT_TRUE(db_->exec("UPDATE chunks SET search_terms = NULL, search_length = NULL"));
  auto after = store_->bm25_search(c.id, "aardvark penguin", {}, 10);
  ASSERT_TRUE(after) << after.error();
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].chunk_id, (*before)[i].chunk_id);
    EXPECT_DOUBLE_EQ((*after)[i].score, (*before)[i].score);
  }
  check_full_text_index();
}

TEST_P(RagStore, DeletingADocumentOrCollectionRemovesChunksAndFullTextRows) {
  Collection c = make_collection("docs");
  DocumentRecord keep = make_document(c.id, "keep.txt", {"t"}, {{"k", "v"}});
  DocumentRecord drop = make_document(c.id, "drop.txt", {"t"}, {{"k", "v"}});
  ASSERT_TRUE(store_->replace_chunks(keep.id, {text_chunk(0, "walrus tusks"), text_chunk(1, "walrus whiskers")}));
  ASSERT_TRUE(store_->replace_chunks(drop.id, {text_chunk(0, "narwhal tusks"), text_chunk(1, "narwhal songs")}));
  EXPECT_EQ(fts_rows(), 4);
  EXPECT_EQ(bm25_ids(c.id, "tusks").size(), 2u);

  auto removed = store_->delete_document(drop.id);
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_TRUE(removed->empty());  // none had embeddings
  EXPECT_EQ(fts_rows(), 2);
  EXPECT_TRUE(bm25_ids(c.id, "narwhal").empty());
  EXPECT_EQ(bm25_ids(c.id, "tusks").size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM document_tags WHERE document_id = " + std::to_string(drop.id)), 0);
  EXPECT_EQ(count("SELECT count(*) FROM document_metadata WHERE document_id = " + std::to_string(drop.id)), 0);
  auto again = store_->delete_document(drop.id);
  ASSERT_FALSE(again);
  EXPECT_TRUE(starts_with(again.error(), "not found:")) << again.error();

  ASSERT_TRUE(store_->delete_collection(c.id));
  EXPECT_EQ(fts_rows(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM chunks"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM documents"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM document_tags"), 0);
  if (sqlite()) {
    EXPECT_EQ(count("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'walrus'"), 0);
  }
  check_full_text_index();
}

TEST_P(RagStore, EmbeddingsRoundTripBitForBitAndStreamInBatches) {
  Collection c = make_collection("vec", "test-model", 3);
  DocumentRecord d = make_document(c.id, "v.txt");
  std::vector<NewChunk> chunks;
  for (int i = 0; i < 10; ++i) {
    NewChunk k = text_chunk(i, "chunk number " + std::to_string(i));
    k.embedding = {1.0f + i, -0.1f * i, 3.4028235e38f};
    chunks.push_back(k);
  }
  chunks[3].embedding = {1e-38f, -0.0f, 7.5f};
  auto r = store_->replace_chunks(d.id, chunks);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->added_ids.size(), 10u);
  ASSERT_EQ(r->added_vectors.size(), 30u);
  EXPECT_EQ(r->collection_id, c.id);

  auto batch = store_->embeddings_of(r->added_ids);
  ASSERT_TRUE(batch) << batch.error();
  ASSERT_EQ(batch->ids, r->added_ids);
  for (size_t i = 0; i < 10; ++i)
    for (size_t j = 0; j < 3; ++j)
      EXPECT_EQ(std::memcmp(&batch->vectors[i * 3 + j], &chunks[i].embedding[j], 4), 0) << i << "," << j;

  std::vector<size_t> sizes;
  std::vector<int64_t> streamed;
  ASSERT_TRUE(store_->for_each_embedding_batch(c.id, 4, [&](const EmbeddingBatch& b) {
    sizes.push_back(b.ids.size());
    streamed.insert(streamed.end(), b.ids.begin(), b.ids.end());
    EXPECT_EQ(b.vectors.size(), b.ids.size() * 3);
    return Status::ok();
  }));
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 2}));
  EXPECT_EQ(streamed, r->added_ids);
  auto ids = store_->embedded_chunk_ids(c.id);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, r->added_ids);

  // Replacing reports the old ids as removed.
  auto again = store_->replace_chunks(d.id, {chunks[0]});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->removed_ids, r->added_ids);
  ASSERT_EQ(again->added_ids.size(), 1u);
}

TEST_P(RagStore, BadChunksAreRefusedAndLeaveTheOldChunks) {
  Collection vec = make_collection("vec", "m", 2);
  Collection plain = make_collection("plain");
  DocumentRecord dv = make_document(vec.id, "v.txt");
  DocumentRecord dp = make_document(plain.id, "p.txt");
  NewChunk good = text_chunk(0, "good text");
  good.embedding = {0.6f, 0.8f};
  ASSERT_TRUE(store_->replace_chunks(dv.id, {good}));

  auto refused = [&](int64_t doc, NewChunk c, const std::string& fragment) {
    auto r = store_->replace_chunks(doc, {c});
    ASSERT_FALSE(r);
    EXPECT_TRUE(starts_with(r.error(), "invalid:")) << r.error();
    EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  };
  NewChunk c = good;
  c.embedding = {1.0f};
  refused(dv.id, c, "dimension 1");
  c.embedding = {NAN, 1.0f};
  refused(dv.id, c, "non-finite");
  c.embedding = {0.0f, 0.0f};
  refused(dv.id, c, "all zeros");
  c = good;
  c.text = "";
  refused(dv.id, c, "no text");
  c = good;
  c.page_start = 3;
  c.page_end = 2;
  refused(dv.id, c, "page range 3..2");
  refused(dp.id, good, "no embedding model");

  // A constraint failure inside the transaction (repeated index) rolls back.
  auto dup = store_->replace_chunks(dv.id, {text_chunk(0, "x"), text_chunk(0, "y")});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().find("v.txt"), std::string::npos) << dup.error();
  auto chunks = store_->document_chunks(dv.id);
  ASSERT_TRUE(chunks);
  ASSERT_EQ(chunks->size(), 1u);
  EXPECT_EQ((*chunks)[0].text, "good text");

  auto no_doc = store_->replace_chunks(4242, {good});
  ASSERT_FALSE(no_doc);
  EXPECT_TRUE(starts_with(no_doc.error(), "not found:"));
  auto no_chunk = store_->get_chunk(999999);
  ASSERT_FALSE(no_chunk);
  EXPECT_TRUE(starts_with(no_chunk.error(), "not found:"));
}

TEST_P(RagStore, ADamagedEmbeddingBlobIsAnErrorNamingTheChunk) {
  Collection c = make_collection("vec", "m", 4);
  DocumentRecord d = make_document(c.id, "v.txt");
  NewChunk k = text_chunk(0, "text");
  k.embedding = {1, 2, 3, 4};
  auto r = store_->replace_chunks(d.id, {k});
  ASSERT_TRUE(r);
  const int64_t id = r->added_ids.at(0);
  ASSERT_TRUE(db_->exec(std::string("UPDATE chunks SET embedding = ") + (sqlite() ? "x'0102'" : "'\\x0102'::bytea") +
                        " WHERE id = " + std::to_string(id)));
  Status s = store_->for_each_embedding_batch(c.id, 10, [](const EmbeddingBatch&) { return Status::ok(); });
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("chunk " + std::to_string(id)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("2 bytes"), std::string::npos) << s.message();
}

TEST_P(RagStore, ChangingTheEmbeddingOfACollectionWithDocumentsNeedsAReindex) {
  Collection c = make_collection("vec", "m", 2);
  DocumentRecord d = make_document(c.id, "v.txt");
  NewChunk k = text_chunk(0, "text");
  k.embedding = {1, 0};
  ASSERT_TRUE(store_->replace_chunks(d.id, {k}));
  ASSERT_TRUE(store_->set_document_status(d.id, "indexed"));

  CollectionUpdate u;
  u.embedding_model = "bigger";
  u.embedding_dim = 8;
  auto refused = store_->update_collection(c.id, u);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(starts_with(refused.error(), "conflict:")) << refused.error();
  EXPECT_NE(refused.error().find("re-index"), std::string::npos);

  u.reindex = true;
  auto done = store_->update_collection(c.id, u);
  ASSERT_TRUE(done) << done.error();
  EXPECT_EQ(done->embedding_dim, 8);
  auto doc = store_->get_document(d.id);
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->status, "pending");
  auto ids = store_->embedded_chunk_ids(c.id);
  ASSERT_TRUE(ids);
  EXPECT_TRUE(ids->empty());                       // old vectors cleared
  EXPECT_EQ(count("SELECT count(*) FROM chunks"), 1);  // text kept for BM25
}

TEST_P(RagStore, DataSurvivesReopeningTheDatabase) {
  Collection c = make_collection("persist", "m", 2);
  DocumentRecord d = make_document(c.id, "p.txt", {"x"});
  NewChunk k = text_chunk(0, "persistent capybara");
  k.embedding = {0.5f, 0.25f};
  ASSERT_TRUE(store_->replace_chunks(d.id, {k}));
  open_database();
  auto found = store_->find_collection("persist");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->chunk_count, 1);
  EXPECT_EQ(bm25_ids(c.id, "capybara").size(), 1u);
  auto docs = store_->list_documents(c.id, {{"x"}, {}});
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, RagStore, ::testing::Values(store::Dialect::Sqlite, store::Dialect::Postgres),
                         test::engine_name);

}  // namespace
}  // namespace pg::rag
