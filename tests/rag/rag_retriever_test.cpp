// Retrieval (src/rag/retriever*, fts_query*, rank_fusion*): user text never
// reaches FTS5 as syntax (hostile queries give hits or nothing, never an
// error), BM25 scores are positive and ordered, reciprocal rank fusion on a
// hand-computed example, hybrid hits carry both ranks and scores, tag and
// metadata filters, min_score, top_k, and the BM25-only collection's error.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "rag/fts_query.h"
#include "rag/rank_fusion.h"
#include "rag/retriever.h"
#include "rag/vector_index_set.h"
#include "rag_store_fixture.h"

namespace pg::rag {
namespace {

using test::RagStoreFixture;
using test::text_chunk;
using test::unit_vector;

TEST(RagRetrieverFtsQuery, WordsBecomeQuotedTermsJoinedByOr) {
  EXPECT_EQ(build_fts_query("hello world"), "\"hello\" OR \"world\"");
  EXPECT_EQ(build_fts_query("  Hello, HELLO hello!  "), "\"hello\"");  // deduplicated
  EXPECT_EQ(build_fts_query("text:secret NEAR(a b) \"quoted\" -minus star* ^caret (x OR y) AND NOT z"),
            "\"text\" OR \"secret\" OR \"near\" OR \"a\" OR \"b\" OR \"quoted\" OR \"minus\" OR \"star\" OR "
            "\"caret\" OR \"x\" OR \"or\" OR \"y\" OR \"and\" OR \"not\" OR \"z\"");
  // Words as FTS5's tokenizer finds them: accents of Latin letters removed,
  // punctuation inside a run of letters (’ « ») a separator.
  EXPECT_EQ(build_fts_query("Café NAÏVE"), "\"cafe\" OR \"naive\"");
  EXPECT_EQ(build_fts_query("aardvark\xe2\x80\x99s \xc2\xabx\xc2\xbb"), "\"aardvark\" OR \"s\" OR \"x\"");
  EXPECT_EQ(build_fts_query(""), "");
  EXPECT_EQ(build_fts_query("\"\"\" *** --- ::: ()"), "");
  EXPECT_EQ(build_fts_query(std::string("a\0b", 3)), "\"a\" OR \"b\"");
  EXPECT_EQ(build_fts_query("\xff\xfe ok \xed\xa0\x80"), "\"ok\"");  // bytes that are not UTF-8 separate
  std::string many;
  for (int i = 0; i < 100; ++i) {
    many += 'w';  // (not "w" + to_string(i): GCC 12 warns -Wrestrict on it)
    many += std::to_string(i);
    many += ' ';
  }
  const std::string q = build_fts_query(many, 10);
  EXPECT_EQ(std::count(q.begin(), q.end(), '"'), 20);
  // A run of letters over 256 bytes is no word.
  std::string long_word;
  for (int i = 0; i < 300; ++i) long_word += "é";
  EXPECT_EQ(build_fts_query(long_word + " short"), "\"short\"");
}

TEST(RagRetrieverFusion, ReciprocalRankFusionMatchesAHandComputedExample) {
  // BM25: A B C; dense: C A D (ids 1=A 2=B 3=C 4=D), k = 60, weights 1 and 1:
  //   A = 1/61 + 1/62 = 0.0325224...   C = 1/63 + 1/61 = 0.0322655...
  //   B = 1/62        = 0.0161290...   D = 1/63        = 0.0158730...
  auto fused = fuse_reciprocal_rank({1, 2, 3}, {3, 1, 4}, 1.0, 1.0, 60);
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(fused[0].id, 1);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 61 + 1.0 / 62);
  EXPECT_EQ(fused[0].bm25_rank, 1);
  EXPECT_EQ(fused[0].dense_rank, 2);
  EXPECT_EQ(fused[1].id, 3);
  EXPECT_DOUBLE_EQ(fused[1].score, 1.0 / 63 + 1.0 / 61);
  EXPECT_EQ(fused[2].id, 2);
  EXPECT_DOUBLE_EQ(fused[2].score, 1.0 / 62);
  EXPECT_FALSE(fused[2].dense_rank);
  EXPECT_EQ(fused[3].id, 4);
  EXPECT_DOUBLE_EQ(fused[3].score, 1.0 / 63);
  EXPECT_FALSE(fused[3].bm25_rank);
  // Weights 0.5 (BM25) and 2 (dense), k = 0: C = 0.5/3 + 2/1 wins over A = 0.5/1 + 2/2.
  auto weighted = fuse_reciprocal_rank({1, 2, 3}, {3, 1, 4}, 0.5, 2.0, 0);
  ASSERT_EQ(weighted.size(), 4u);
  EXPECT_EQ(weighted[0].id, 3);
  EXPECT_DOUBLE_EQ(weighted[0].score, 0.5 / 3 + 2.0);
  EXPECT_EQ(weighted[1].id, 1);
  EXPECT_DOUBLE_EQ(weighted[1].score, 1.5);
  EXPECT_EQ(weighted[2].id, 4);  // 2/3
  EXPECT_EQ(weighted[3].id, 2);  // 0.5/2
  // Equal scores: the better single rank first, then the smaller id.
  auto ties = fuse_reciprocal_rank({7}, {5}, 1.0, 1.0, 60);
  ASSERT_EQ(ties.size(), 2u);
  EXPECT_EQ(ties[0].id, 5);
  EXPECT_TRUE(fuse_reciprocal_rank({}, {}, 1, 1, 60).empty());
}

class RagRetriever : public RagStoreFixture, public ::testing::WithParamInterface<store::Dialect> {
 protected:
  store::Dialect engine() const override { return GetParam(); }
  static constexpr int kDim = 8;
  void SetUp() override {
    RagStoreFixture::SetUp();
    set_ = std::make_unique<VectorIndexSet>(*store_, vectors_dir());
    retriever_ = std::make_unique<Retriever>(*store_, set_.get());
    plain_ = make_collection("plain");
    vec_ = make_collection("vec", "test-model", kDim);
    // Plain collection: a small zoo.
    add(plain_, "mammals.txt", {"animals", "land"}, {{"lang", "en"}},
        {"The aardvark eats ants and termites at night.", "Elephants are the largest land animals.",
         "Giraffes eat leaves from tall trees."});
    add(plain_, "sea.txt", {"animals"}, {{"lang", "en"}},
        {"Whales are mammals that live in the sea.", "Octopuses have eight arms and eat crabs."});
    add(plain_, "tiere.txt", {"animals", "land"}, {{"lang", "de"}}, {"Der Erdferkel frisst Ameisen und Termiten."});
  }
  void TearDown() override {
    retriever_.reset();
    set_.reset();
    RagStoreFixture::TearDown();
  }
  DocumentRecord add(const Collection& c, const std::string& name, std::vector<std::string> tags,
                     std::map<std::string, std::string> meta, const std::vector<std::string>& texts,
                     const std::vector<std::vector<float>>& vectors = {}) {
    DocumentRecord d = make_document(c.id, name, std::move(tags), std::move(meta));
    std::vector<NewChunk> chunks;
    for (size_t i = 0; i < texts.size(); ++i) {
      chunks.push_back(text_chunk(static_cast<int>(i), texts[i]));
      if (!vectors.empty()) chunks.back().embedding = vectors[i];
    }
    auto r = set_->replace_chunks(d.id, chunks);
    EXPECT_TRUE(r) << r.error();
    return d;
  }
  std::vector<std::string> texts(const std::vector<RetrievalHit>& hits) {
    std::vector<std::string> out;
    for (const RetrievalHit& h : hits) out.push_back(h.chunk.text);
    return out;
  }
  std::unique_ptr<VectorIndexSet> set_;
  std::unique_ptr<Retriever> retriever_;
  Collection plain_, vec_;
};

TEST_P(RagRetriever, Bm25RanksWithPositiveScoresAndDocumentReferences) {
  RetrievalQuery q;
  q.text = "What do aardvarks eat?";
  q.top_k = 3;
  auto hits = retriever_->retrieve(plain_.id, q);
  ASSERT_TRUE(hits) << hits.error();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].chunk.text, "The aardvark eats ants and termites at night.");
  EXPECT_EQ((*hits)[0].document.file_name, "mammals.txt");
  EXPECT_EQ((*hits)[0].chunk.document_id, (*hits)[0].document.id);
  for (size_t i = 0; i < hits->size(); ++i) {
    const RetrievalHit& h = (*hits)[i];
    EXPECT_GT(h.score, 0);
    EXPECT_EQ(h.bm25_rank, static_cast<int>(i + 1));
    ASSERT_TRUE(h.bm25_score);
    EXPECT_DOUBLE_EQ(*h.bm25_score, h.score);
    EXPECT_FALSE(h.dense_rank);
    EXPECT_FALSE(h.dense_score);
    if (i > 0) {
      EXPECT_GE((*hits)[i - 1].score, h.score);
    }
  }
  EXPECT_LE(hits->size(), 3u);
}

TEST_P(RagRetriever, HostileQueriesGiveHitsOrNothingNeverAnError) {
  for (const std::string& text :
       {std::string("\""), std::string("text: aardvark"), std::string("NEAR(aardvark ants, 2)"),
        std::string("aardvark*"), std::string("-aardvark"), std::string("^aardvark"), std::string("AND OR NOT"),
        std::string("'; DROP TABLE chunks; --"), std::string("((("), std::string("\xff\xfe\x80 aardvark"),
        std::string("rowid:1"), std::string("chunks_fts MATCH 'x'"), std::string("{text} : aardvark"),
        std::string(100000, 'a'), std::string("......"), std::string(""),
        // Non-ASCII punctuation, quotes and backslashes inside a word run (tsquery/tsvector syntax on PostgreSQL).
        std::string("aardvark\xe2\x80\x99s \xc2\xab'\\x\xc2\xbb \xe2\x80\x9c|&!:*\xe2\x80\x9d"),
        std::string("\xc3\xa9t\xc3\xa9'\\ aardvark\xcc\x81")}) {
    RetrievalQuery q;
    q.text = text;
    auto hits = retriever_->retrieve(plain_.id, q);
    ASSERT_TRUE(hits) << text.substr(0, 40) << ": " << hits.error();
    if (text.find("aardvark") != std::string::npos) {
      EXPECT_FALSE(hits->empty()) << text;
    }
  }
  RetrievalQuery punct;
  punct.text = "?!... --- \"\"";
  auto none = retriever_->retrieve(plain_.id, punct);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(count("SELECT count(*) FROM chunks"), 6);  // nothing dropped
}

TEST_P(RagRetriever, TagAndMetadataFiltersAndMinScore) {
  RetrievalQuery q;
  q.text = "eat eats termites ants Ameisen Termiten";
  q.top_k = 10;
  auto all = retriever_->retrieve(plain_.id, q);
  ASSERT_TRUE(all);
  std::set<std::string> files;
  for (const RetrievalHit& h : *all) files.insert(h.document.file_name);
  EXPECT_EQ(files, (std::set<std::string>{"mammals.txt", "sea.txt", "tiere.txt"}));

  q.tags = {"animals", "land"};
  auto land = retriever_->retrieve(plain_.id, q);
  ASSERT_TRUE(land);
  files.clear();
  for (const RetrievalHit& h : *land) files.insert(h.document.file_name);
  EXPECT_EQ(files, (std::set<std::string>{"mammals.txt", "tiere.txt"}));

  q.metadata = {{"lang", "de"}};
  auto german = retriever_->retrieve(plain_.id, q);
  ASSERT_TRUE(german);
  ASSERT_EQ(german->size(), 1u);
  EXPECT_EQ((*german)[0].document.file_name, "tiere.txt");

  q.tags = {"nonexistent"};
  auto empty = retriever_->retrieve(plain_.id, q);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  // min_score keeps exactly the hits at or above it.
  RetrievalQuery m;
  m.text = "eat eats termites ants";
  m.top_k = 10;
  auto scored = retriever_->retrieve(plain_.id, m);
  ASSERT_TRUE(scored);
  ASSERT_GE(scored->size(), 3u);
  // Between the best and the worst score (the engines' scores differ; both rank
  // these chunks unequally).
  ASSERT_GT(scored->front().score, scored->back().score);
  m.min_score = (scored->front().score + scored->back().score) / 2;
  auto above = retriever_->retrieve(plain_.id, m);
  ASSERT_TRUE(above);
  size_t expected = 0;
  for (const RetrievalHit& h : *scored) expected += h.score >= *m.min_score;
  EXPECT_EQ(above->size(), expected);
  EXPECT_LT(above->size(), scored->size());
  for (const RetrievalHit& h : *above) EXPECT_GE(h.score, *m.min_score);
}

TEST_P(RagRetriever, DenseAndHybridNeedAnEmbeddingModel) {
  RetrievalQuery q;
  q.text = "aardvark";
  q.embedding.assign(kDim, 0.5f);
  for (RetrievalMode mode : {RetrievalMode::Dense, RetrievalMode::Hybrid}) {
    q.mode = mode;
    auto r = retriever_->retrieve(plain_.id, q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "collection 'plain' has no embedding model: only bm25 retrieval");
  }
  auto unknown = retriever_->retrieve(99999, q);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().rfind("not found:", 0), 0u);
  q.mode = RetrievalMode::Bm25;
  q.top_k = 0;
  auto bad = retriever_->retrieve(plain_.id, q);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("top_k 0"), std::string::npos);
  EXPECT_EQ(parse_retrieval_mode("hybrid").value(), RetrievalMode::Hybrid);
  EXPECT_FALSE(parse_retrieval_mode("fuzzy"));
  EXPECT_EQ(retrieval_mode_name(RetrievalMode::Dense), "dense");
}

TEST_P(RagRetriever, DenseEqualsExactSearchAndHybridFusesBothLists) {
  std::mt19937 rng(3);
  std::vector<std::string> words = {"apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "honeydew"};
  std::vector<std::string> chunk_texts;
  std::vector<std::vector<float>> vectors;
  for (int i = 0; i < 40; ++i) {
    chunk_texts.push_back("fruit " + words[i % 8] + " number " + std::to_string(i));
    vectors.push_back(unit_vector(rng, kDim));
  }
  add(vec_, "fruit-a.txt", {"a"}, {}, std::vector<std::string>(chunk_texts.begin(), chunk_texts.begin() + 20),
      std::vector<std::vector<float>>(vectors.begin(), vectors.begin() + 20));
  add(vec_, "fruit-b.txt", {"b"}, {}, std::vector<std::string>(chunk_texts.begin() + 20, chunk_texts.end()),
      std::vector<std::vector<float>>(vectors.begin() + 20, vectors.end()));

  RetrievalQuery q;
  q.mode = RetrievalMode::Dense;
  q.embedding = vectors[7];  // the chunk "fruit honeydew number 7" is its own nearest neighbour
  q.top_k = 6;
  auto dense = retriever_->retrieve(vec_.id, q);
  ASSERT_TRUE(dense) << dense.error();
  ASSERT_EQ(dense->size(), 6u);
  EXPECT_EQ((*dense)[0].chunk.text, "fruit honeydew number 7");
  EXPECT_NEAR((*dense)[0].score, 1.0, 1e-5);
  auto index = set_->index(vec_.id);
  ASSERT_TRUE(index);
  auto exact = (*index)->exact_search(q.embedding, 6);
  ASSERT_TRUE(exact);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ((*dense)[i].chunk.id, (*exact)[i].chunk_id);
    EXPECT_EQ((*dense)[i].dense_rank, static_cast<int>(i + 1));
    EXPECT_FALSE((*dense)[i].bm25_rank);
  }
  // Filter by tag: only document b's chunks.
  q.tags = {"b"};
  auto only_b = retriever_->retrieve(vec_.id, q);
  ASSERT_TRUE(only_b);
  ASSERT_EQ(only_b->size(), 6u);
  for (const RetrievalHit& h : *only_b) EXPECT_EQ(h.document.file_name, "fruit-b.txt");
  // min_score on cosine similarity.
  q.tags.clear();
  q.min_score = 0.999;
  auto itself = retriever_->retrieve(vec_.id, q);
  ASSERT_TRUE(itself);
  ASSERT_EQ(itself->size(), 1u);
  EXPECT_EQ((*itself)[0].chunk.text, "fruit honeydew number 7");
  q.min_score.reset();

  // Hybrid: the text names "cherry" (chunks 2, 10, 18, 26, 34), the vector is chunk 7's.
  q.mode = RetrievalMode::Hybrid;
  q.text = "cherry";
  q.top_k = 10;
  q.candidates = 10;
  auto hybrid = retriever_->retrieve(vec_.id, q);
  ASSERT_TRUE(hybrid) << hybrid.error();
  ASSERT_EQ(hybrid->size(), 10u);
  bool saw_both = false, saw_bm25_only = false, saw_dense_only = false;
  for (size_t i = 0; i < hybrid->size(); ++i) {
    const RetrievalHit& h = (*hybrid)[i];
    double expected = 0;
    if (h.bm25_rank) expected += 1.0 / (60 + *h.bm25_rank);
    if (h.dense_rank) expected += 1.0 / (60 + *h.dense_rank);
    EXPECT_DOUBLE_EQ(h.score, expected) << i;
    EXPECT_EQ(h.bm25_rank.has_value(), h.bm25_score.has_value());
    EXPECT_EQ(h.dense_rank.has_value(), h.dense_score.has_value());
    if (h.bm25_rank) {
      EXPECT_NE(h.chunk.text.find("cherry"), std::string::npos);
      EXPECT_GT(*h.bm25_score, 0);
    }
    saw_both |= h.bm25_rank && h.dense_rank;
    saw_bm25_only |= h.bm25_rank && !h.dense_rank;
    saw_dense_only |= !h.bm25_rank && h.dense_rank;
    if (i > 0) {
      EXPECT_GE((*hybrid)[i - 1].score, h.score);
    }
  }
  EXPECT_TRUE(saw_bm25_only);
  EXPECT_TRUE(saw_dense_only);
  (void)saw_both;
  // The dense winner (no "cherry" in it) is there with dense rank 1 and only that list's share.
  auto seven = std::find_if(hybrid->begin(), hybrid->end(),
                            [](const RetrievalHit& h) { return h.chunk.text == "fruit honeydew number 7"; });
  ASSERT_NE(seven, hybrid->end());
  EXPECT_EQ(seven->dense_rank, 1);
  EXPECT_FALSE(seven->bm25_rank);
  EXPECT_DOUBLE_EQ(seven->score, 1.0 / 61);
  EXPECT_NEAR(*seven->dense_score, 1.0, 1e-5);

  // Dense needs a vector of the collection's dimension.
  q.embedding = {1, 2, 3};
  auto wrong = retriever_->retrieve(vec_.id, q);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("dimension 3"), std::string::npos) << wrong.error();
}

TEST_P(RagRetriever, DeletedDocumentsDisappearFromEveryMode) {
  std::mt19937 rng(9);
  std::vector<std::vector<float>> v{unit_vector(rng, kDim), unit_vector(rng, kDim)};
  DocumentRecord gone = add(vec_, "gone.txt", {}, {}, {"kiwi kiwi kiwi", "kiwi again"}, v);
  add(vec_, "stay.txt", {}, {}, {"mango"}, {unit_vector(rng, kDim)});
  RetrievalQuery q;
  q.text = "kiwi";
  q.embedding = v[0];
  q.mode = RetrievalMode::Hybrid;
  auto before = retriever_->retrieve(vec_.id, q);
  ASSERT_TRUE(before);
  EXPECT_EQ((*before)[0].document.file_name, "gone.txt");
  ASSERT_TRUE(set_->delete_document(gone.id));
  for (RetrievalMode mode : {RetrievalMode::Bm25, RetrievalMode::Dense, RetrievalMode::Hybrid}) {
    q.mode = mode;
    auto after = retriever_->retrieve(vec_.id, q);
    ASSERT_TRUE(after) << after.error();
    for (const RetrievalHit& h : *after) EXPECT_EQ(h.document.file_name, "stay.txt");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, RagRetriever, ::testing::Values(store::Dialect::Sqlite, store::Dialect::Postgres),
                         test::engine_name);

}  // namespace
}  // namespace pg::rag
