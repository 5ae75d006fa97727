// The HNSW vector index (src/rag/vector_index*): exact search against a
// double-precision reference, HNSW recall against exact search, removal,
// growth, filters, concurrent search while adding, files saved and loaded,
// damaged/truncated/foreign files refused without a crash, and the per-
// collection set that rebuilds or catches up from SQLite.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "rag/vector_index.h"
#include "rag/vector_index_set.h"
#include "rag_store_fixture.h"

namespace pg::rag {
namespace {

namespace fs = std::filesystem;
using test::RagStoreFixture;
using test::text_chunk;
using test::unit_vector;

struct Dataset {
  int dim = 0;
  std::vector<int64_t> ids;
  std::vector<float> vectors;
};

Dataset random_dataset(int n, int dim, uint32_t seed, int64_t first_id = 1) {
  std::mt19937 rng(seed);
  Dataset d;
  d.dim = dim;
  for (int i = 0; i < n; ++i) {
    d.ids.push_back(first_id + i);
    auto v = unit_vector(rng, dim);
    d.vectors.insert(d.vectors.end(), v.begin(), v.end());
  }
  return d;
}

std::unique_ptr<VectorIndex> build(const Dataset& d, VectorIndexParams params = {}) {
  auto index = VectorIndex::create(d.dim, params);
  EXPECT_TRUE(index) << index.error();
  if (!index) return nullptr;
  Status s = (*index)->add(d.ids, d.vectors);
  EXPECT_TRUE(s) << s.message();
  return std::move(*index);
}

std::vector<int64_t> ids_of(const std::vector<VectorHit>& hits) {
  std::vector<int64_t> out;
  for (const VectorHit& h : hits) out.push_back(h.chunk_id);
  return out;
}

double recall(const std::vector<VectorHit>& got, const std::vector<VectorHit>& truth) {
  std::set<int64_t> t;
  for (const VectorHit& h : truth) t.insert(h.chunk_id);
  size_t found = 0;
  for (const VectorHit& h : got) found += t.count(h.chunk_id);
  return truth.empty() ? 1.0 : double(found) / double(truth.size());
}

class RagVectorIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pg::test::temp_dir("pg_rag_vec") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { ::pg::test::cleanup(dir_); }
  std::string path() const { return (dir_ / "index.hnsw").string(); }
  fs::path dir_;
};

TEST_F(RagVectorIndex, ExactSearchMatchesADoublePrecisionReference) {
  Dataset d = random_dataset(300, 24, 7);
  // Unnormalized copies: the index normalizes.
  for (size_t i = 0; i < d.vectors.size(); ++i) d.vectors[i] *= 1.0f + float(i % 5);
  auto index = build(d);
  ASSERT_TRUE(index);
  std::mt19937 rng(99);
  std::vector<float> q = unit_vector(rng, 24);
  auto hits = index->exact_search(q, 10);
  ASSERT_TRUE(hits) << hits.error();
  ASSERT_EQ(hits->size(), 10u);
  std::vector<std::pair<double, int64_t>> ref;
  for (size_t i = 0; i < d.ids.size(); ++i) {
    double dotp = 0, norm = 0;
    for (int j = 0; j < 24; ++j) {
      dotp += double(d.vectors[i * 24 + j]) * q[j];
      norm += double(d.vectors[i * 24 + j]) * d.vectors[i * 24 + j];
    }
    ref.push_back({-dotp / std::sqrt(norm), d.ids[i]});
  }
  std::sort(ref.begin(), ref.end());
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ((*hits)[i].chunk_id, ref[i].second) << i;
    EXPECT_NEAR((*hits)[i].similarity, -ref[i].first, 1e-5) << i;
  }
  // The HNSW answer on this small set is the exact one, with the same similarities.
  auto approx = index->search(q, 10);
  ASSERT_TRUE(approx);
  EXPECT_EQ(ids_of(*approx), ids_of(*hits));
  for (size_t i = 0; i < 10; ++i) EXPECT_NEAR((*approx)[i].similarity, (*hits)[i].similarity, 1e-5);
}

TEST_F(RagVectorIndex, HnswRecallAt10AgainstExactSearchOnRandomVectors) {
  Dataset d = random_dataset(6000, 64, 11);
  auto index = build(d);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 6000u);
  std::mt19937 rng(5);
  double total = 0;
  const int queries = 100;
  for (int i = 0; i < queries; ++i) {
    std::vector<float> q = unit_vector(rng, 64);
    auto got = index->search(q, 10);
    auto truth = index->exact_search(q, 10);
    ASSERT_TRUE(got && truth);
    ASSERT_EQ(got->size(), 10u);
    for (size_t j = 1; j < got->size(); ++j) EXPECT_GE((*got)[j - 1].similarity, (*got)[j].similarity);
    total += recall(*got, *truth);
  }
  const double r = total / queries;
  std::printf("recall@10 (6000 random vectors, dim 64, default parameters): %.4f\n", r);
  EXPECT_GE(r, 0.95);
}

TEST_F(RagVectorIndex, RemovedIdsAreNeverReturnedAndTheIndexGrows) {
  Dataset d = random_dataset(3000, 16, 3);  // more than the initial capacity of 1024
  auto index = build(d);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->size(), 3000u);
  std::vector<int64_t> removed;
  for (int64_t id = 1; id <= 3000; id += 2) removed.push_back(id);
  const uint64_t before = index->version();
  ASSERT_TRUE(index->remove(removed));
  EXPECT_GT(index->version(), before);
  ASSERT_TRUE(index->remove(std::vector<int64_t>{1, 3, 999999}));  // already gone / unknown: ignored
  EXPECT_EQ(index->size(), 1500u);
  EXPECT_EQ(index->deleted_count(), 1500u);
  auto ids = index->ids();
  ASSERT_EQ(ids.size(), 1500u);
  EXPECT_EQ(ids.front(), 2);
  EXPECT_EQ(ids.back(), 3000);
  std::mt19937 rng(8);
  for (int i = 0; i < 50; ++i) {
    auto q = unit_vector(rng, 16);
    auto hits = index->search(q, 20);
    ASSERT_TRUE(hits);
    EXPECT_EQ(hits->size(), 20u);
    for (const VectorHit& h : *hits) EXPECT_EQ(h.chunk_id % 2, 0) << h.chunk_id;
  }
  // Adding an id that is live is skipped; the vector of id 2 stays.
  auto q2 = std::vector<float>(d.vectors.begin() + 16, d.vectors.begin() + 32);
  std::vector<float> other(16, 0.0f);
  other[0] = 1;
  ASSERT_TRUE(index->add(std::vector<int64_t>{2}, other));
  auto top = index->search(q2, 1);
  ASSERT_TRUE(top);
  EXPECT_EQ((*top)[0].chunk_id, 2);
  EXPECT_NEAR((*top)[0].similarity, 1.0, 1e-5);
}

TEST_F(RagVectorIndex, BadVectorsAndQueriesAreErrors) {
  auto index = VectorIndex::create(4, {});
  ASSERT_TRUE(index);
  Status zero = (*index)->add(std::vector<int64_t>{5, 6}, std::vector<float>{1, 0, 0, 0, 0, 0, 0, 0});
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.message().find("chunk 6"), std::string::npos) << zero.message();
  EXPECT_EQ((*index)->size(), 0u);  // nothing added
  EXPECT_FALSE((*index)->add(std::vector<int64_t>{1}, std::vector<float>{1, 2}));
  EXPECT_FALSE((*index)->add(std::vector<int64_t>{0}, std::vector<float>{1, 2, 3, 4}));
  auto wrong_dim = (*index)->search(std::vector<float>{1, 2}, 3);
  ASSERT_FALSE(wrong_dim);
  EXPECT_NE(wrong_dim.error().find("dimension 2"), std::string::npos);
  auto empty = (*index)->search(std::vector<float>{1, 2, 3, 4}, 3);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(VectorIndex::create(0, {}));
}

TEST_F(RagVectorIndex, FiltersMatchExactFilteredSearch) {
  Dataset d = random_dataset(5000, 32, 21);
  auto index = build(d);
  ASSERT_TRUE(index);
  std::mt19937 rng(4);
  std::unordered_set<int64_t> small;  // exact path
  for (int64_t id = 100; id < 5000; id += 250) small.insert(id);
  std::unordered_set<int64_t> large;  // graph path with over-fetch
  for (int64_t id = 1; id <= 5000; ++id)
    if (id % 3 == 0) large.insert(id);
  double large_recall = 0;
  for (int i = 0; i < 30; ++i) {
    auto q = unit_vector(rng, 32);
    VectorFilter f;
    f.allowed = &small;
    auto got = index->search(q, 5, f);
    auto truth = index->exact_search(q, 5, f);
    ASSERT_TRUE(got && truth);
    EXPECT_EQ(ids_of(*got), ids_of(*truth));
    VectorFilter g;
    g.allowed = &large;
    auto got2 = index->search(q, 10, g);
    auto truth2 = index->exact_search(q, 10, g);
    ASSERT_TRUE(got2 && truth2);
    ASSERT_EQ(got2->size(), 10u);
    for (const VectorHit& h : *got2) EXPECT_TRUE(large.count(h.chunk_id));
    large_recall += recall(*got2, *truth2);
    VectorFilter p;
    p.predicate = [](int64_t id) { return id % 7 == 1; };
    auto got3 = index->search(q, 10, p);
    ASSERT_TRUE(got3);
    ASSERT_EQ(got3->size(), 10u);
    for (const VectorHit& h : *got3) EXPECT_EQ(h.chunk_id % 7, 1);
  }
  EXPECT_GE(large_recall / 30, 0.95);
  // A filter that allows nothing that exists gives nothing.
  std::unordered_set<int64_t> none{999999};
  VectorFilter n;
  n.allowed = &none;
  auto nothing = index->search(unit_vector(rng, 32), 5, n);
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
}

TEST_F(RagVectorIndex, SearchesRunWhileAnotherThreadAdds) {
  Dataset first = random_dataset(2000, 32, 1);
  Dataset more = random_dataset(4000, 32, 2, 10001);
  auto index = build(first);
  ASSERT_TRUE(index);
  std::atomic<bool> done{false};
  std::atomic<int> searches{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      while (!done) {
        auto hits = index->search(unit_vector(rng, 32), 10);
        if (!hits || hits->size() != 10) ++bad;
        else
          for (const VectorHit& h : *hits)
            if (!((h.chunk_id >= 1 && h.chunk_id <= 2000) || (h.chunk_id >= 10001 && h.chunk_id <= 14000))) ++bad;
        ++searches;
      }
    });
  for (size_t at = 0; at < more.ids.size(); at += 200) {
    ASSERT_TRUE(index->add(std::span<const int64_t>(more.ids).subspan(at, 200),
                           std::span<const float>(more.vectors).subspan(at * 32, 200 * 32)));
    if (at % 1000 == 0) {
      ASSERT_TRUE(index->remove(std::vector<int64_t>{static_cast<int64_t>(at / 100 + 1)}));
    }
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(searches.load(), 0);
  EXPECT_EQ(index->size(), 6000u - 4u);
}

TEST_F(RagVectorIndex, SavedIndexLoadsWithTheSameAnswers) {
  Dataset d = random_dataset(2500, 32, 31);
  VectorIndexParams params;
  params.build_threads = 2;
  auto index = build(d, params);
  ASSERT_TRUE(index);
  ASSERT_TRUE(index->remove(std::vector<int64_t>{5, 6, 7}));
  ASSERT_TRUE(index->save(path()));
  EXPECT_TRUE(fs::exists(path() + ".meta"));
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
  auto loaded = VectorIndex::load(path(), 32, {});
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ((*loaded)->size(), 2497u);
  EXPECT_EQ((*loaded)->deleted_count(), 3u);
  EXPECT_EQ((*loaded)->ids(), index->ids());
  std::mt19937 rng(12);
  for (int i = 0; i < 20; ++i) {
    auto q = unit_vector(rng, 32);
    auto a = index->search(q, 10);
    auto b = (*loaded)->search(q, 10);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(ids_of(*a), ids_of(*b));
  }
  // The loaded index keeps taking vectors.
  Dataset more = random_dataset(10, 32, 32, 90001);
  ASSERT_TRUE((*loaded)->add(more.ids, more.vectors));
  EXPECT_EQ((*loaded)->size(), 2507u);
  // An empty index saves and loads too.
  auto empty = VectorIndex::create(8, {});
  ASSERT_TRUE(empty);
  const std::string empty_path = (dir_ / "empty.hnsw").string();
  ASSERT_TRUE((*empty)->save(empty_path));
  auto empty_loaded = VectorIndex::load(empty_path, 8, {});
  ASSERT_TRUE(empty_loaded) << empty_loaded.error();
  EXPECT_EQ((*empty_loaded)->size(), 0u);
}

// Damages a copy of a good index file and expects load() to refuse it.
class RagVectorIndexDamage : public RagVectorIndex {
 protected:
  void SetUp() override {
    RagVectorIndex::SetUp();
    auto index = build(random_dataset(500, 16, 41));
    ASSERT_TRUE(index);
    ASSERT_TRUE(index->save(path()));
  }
  void flip_byte(const std::string& file, uint64_t at) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(&c, 1);
  }
  void expect_refused(const std::string& fragment) {
    auto loaded = VectorIndex::load(path(), 16, {});
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().find(fragment), std::string::npos) << loaded.error();
  }
};

TEST_F(RagVectorIndexDamage, TruncatedPayload) {
  fs::resize_file(path(), fs::file_size(path()) / 2);
  expect_refused("truncated");
}

TEST_F(RagVectorIndexDamage, FlippedBytesAnywhereInThePayload) {
  const uint64_t size = fs::file_size(path());
  for (uint64_t at : {uint64_t(0), uint64_t(20), uint64_t(100), size / 2, size - 1}) {
    flip_byte(path(), at);
    expect_refused("checksum");
    flip_byte(path(), at);  // restore
  }
  EXPECT_TRUE(VectorIndex::load(path(), 16, {}));
}

TEST_F(RagVectorIndexDamage, DamagedOrMissingHeader) {
  flip_byte(path() + ".meta", 20);
  expect_refused("damaged header");
  fs::resize_file(path() + ".meta", 10);
  expect_refused("10 bytes");
  fs::remove(path() + ".meta");
  expect_refused("cannot open");
}

TEST_F(RagVectorIndexDamage, WrongDimensionOrForeignFile) {
  auto other = VectorIndex::load(path(), 32, {});
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("dimension 16"), std::string::npos) << other.error();
  {
    std::ofstream f(path(), std::ios::binary | std::ios::trunc);
    f << "this is not an index at all";
  }
  expect_refused("bytes");
  {
    std::ofstream f(path() + ".meta", std::ios::binary | std::ios::trunc);
    f << std::string(72, 'x');
  }
  expect_refused("not a vector index header");
}

// --- the per-collection set over SQLite

class RagVectorIndexSet : public RagStoreFixture {
 protected:
  static constexpr int kDim = 16;
  // A collection with `docs` documents of `per_doc` embedded chunks, written through a set.
  void fill(VectorIndexSet& set, int docs, int per_doc) {
    collection_ = make_collection("vec", "test-model", kDim);
    std::mt19937 rng(77);
    for (int d = 0; d < docs; ++d) {
      DocumentRecord doc = make_document(collection_.id, "doc" + std::to_string(d) + ".txt");
      documents_.push_back(doc.id);
      std::vector<NewChunk> chunks;
      for (int i = 0; i < per_doc; ++i) {
        NewChunk c = text_chunk(i, "document " + std::to_string(d) + " chunk " + std::to_string(i));
        c.embedding = unit_vector(rng, kDim);
        chunks.push_back(c);
      }
      auto r = set.replace_chunks(doc.id, chunks);
      ASSERT_TRUE(r) << r.error();
      ASSERT_EQ(r->added_ids.size(), static_cast<size_t>(per_doc));
    }
  }
  std::vector<std::vector<int64_t>> answers(VectorIndexSet& set, int queries = 10) {
    auto index = set.index(collection_.id);
    EXPECT_TRUE(index) << index.error();
    std::vector<std::vector<int64_t>> out;
    if (!index) return out;
    std::mt19937 rng(5);
    for (int i = 0; i < queries; ++i) {
      auto hits = (*index)->exact_search(unit_vector(rng, kDim), 8);
      EXPECT_TRUE(hits);
      if (hits) out.push_back(ids_of(*hits));
    }
    return out;
  }
  void expect_matches_sqlite(VectorIndexSet& set) {
    auto index = set.index(collection_.id);
    ASSERT_TRUE(index) << index.error();
    auto ids = store_->embedded_chunk_ids(collection_.id);
    ASSERT_TRUE(ids);
    EXPECT_EQ((*index)->ids(), *ids);
  }
  Collection collection_;
  std::vector<int64_t> documents_;
};

TEST_F(RagVectorIndexSet, BuildsPersistsAndLoadsTheIndexOfACollection) {
  std::vector<std::vector<int64_t>> before;
  {
    VectorIndexSet set(*store_, vectors_dir());
    fill(set, 6, 50);
    auto info = set.open_info(collection_.id);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->kind, IndexOpenInfo::Kind::Rebuilt);  // no file at first use
    EXPECT_EQ(info->reason, "no index file");
    expect_matches_sqlite(set);
    before = answers(set);
    ASSERT_TRUE(set.save_all());
  }
  EXPECT_TRUE(fs::exists(vectors_dir() + "/collection-" + std::to_string(collection_.id) + ".hnsw"));
  open_database();  // a restart
  VectorIndexSet set(*store_, vectors_dir());
  EXPECT_EQ(answers(set), before);
  auto info = set.open_info(collection_.id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->kind, IndexOpenInfo::Kind::Loaded) << info->reason;
  EXPECT_EQ(info->entries, 300u);
}

TEST_F(RagVectorIndexSet, MissingOrDamagedFilesAreRebuiltWithTheSameAnswers) {
  std::vector<std::vector<int64_t>> before;
  std::string path;
  {
    VectorIndexSet set(*store_, vectors_dir());
    fill(set, 4, 40);
    before = answers(set);
    path = set.index_path(collection_.id);
  }
  auto reopen_and_check = [&](const std::string& expected_reason) {
    VectorIndexSet set(*store_, vectors_dir());
    EXPECT_EQ(answers(set), before);
    auto info = set.open_info(collection_.id);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->kind, IndexOpenInfo::Kind::Rebuilt);
    EXPECT_NE(info->reason.find(expected_reason), std::string::npos) << info->reason;
    expect_matches_sqlite(set);
  };
  fs::resize_file(path, fs::file_size(path) - 7);
  reopen_and_check("truncated");
  {  // flip a byte in the middle of the (rebuilt and saved) file
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    f.put('\x7f');
  }
  reopen_and_check("checksum");
  fs::remove(path);
  reopen_and_check("cannot open");
  fs::remove(path);
  fs::remove(path + ".meta");
  reopen_and_check("no index file");
  auto info_loaded = [&] {
    VectorIndexSet set(*store_, vectors_dir());
    (void)set.index(collection_.id);
    return set.open_info(collection_.id)->kind;
  };
  EXPECT_EQ(info_loaded(), IndexOpenInfo::Kind::Loaded);
}

TEST_F(RagVectorIndexSet, AFileStaleAgainstSqliteIsCaughtUpOrRebuilt) {
  {
    VectorIndexSet set(*store_, vectors_dir());
    fill(set, 10, 20);
  }  // saved
  // SQLite changes behind the saved file: one document re-chunked, one deleted.
  std::mt19937 rng(1234);
  std::vector<NewChunk> chunks;
  for (int i = 0; i < 5; ++i) {
    NewChunk c = text_chunk(i, "replacement " + std::to_string(i));
    c.embedding = unit_vector(rng, kDim);
    chunks.push_back(c);
  }
  ASSERT_TRUE(store_->replace_chunks(documents_[0], chunks));
  ASSERT_TRUE(store_->delete_document(documents_[1]));
  {
    VectorIndexSet set(*store_, vectors_dir());
    expect_matches_sqlite(set);
    auto info = set.open_info(collection_.id);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->kind, IndexOpenInfo::Kind::CaughtUp) << info->reason;
    EXPECT_NE(info->reason.find("5 vectors added and 40 removed"), std::string::npos) << info->reason;
    // Its answers are those of an index built from scratch.
    auto fresh = VectorIndex::create(kDim, {});
    ASSERT_TRUE(fresh);
    ASSERT_TRUE(store_->for_each_embedding_batch(collection_.id, 100, [&](const EmbeddingBatch& b) {
      return (*fresh)->add(b.ids, b.vectors);
    }));
    auto index = set.index(collection_.id);
    ASSERT_TRUE(index);
    for (int i = 0; i < 10; ++i) {
      auto q = unit_vector(rng, kDim);
      EXPECT_EQ(ids_of(*(*index)->exact_search(q, 5)), ids_of(*(*fresh)->exact_search(q, 5)));
    }
  }
  // Most of it changed behind the file: rebuilt.
  for (size_t d = 2; d < documents_.size(); ++d) ASSERT_TRUE(store_->delete_document(documents_[d]));
  VectorIndexSet set(*store_, vectors_dir());
  expect_matches_sqlite(set);
  auto info = set.open_info(collection_.id);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->kind, IndexOpenInfo::Kind::Rebuilt) << info->reason;
  EXPECT_NE(info->reason.find("stale file"), std::string::npos) << info->reason;
}

TEST_F(RagVectorIndexSet, DeletingADocumentRemovesItsVectorsAndFullTextRows) {
  VectorIndexSet set(*store_, vectors_dir());
  fill(set, 3, 10);
  auto chunks = store_->document_chunks(documents_[1]);
  ASSERT_TRUE(chunks);
  ASSERT_EQ(chunks->size(), 10u);
  auto index = set.index(collection_.id);
  ASSERT_TRUE(index);
  EXPECT_EQ((*index)->size(), 30u);
  ASSERT_TRUE(set.delete_document(documents_[1]));
  EXPECT_EQ((*index)->size(), 20u);
  for (const ChunkRecord& c : *chunks) {
    auto ids = (*index)->ids();
    EXPECT_FALSE(std::binary_search(ids.begin(), ids.end(), c.id)) << c.id;
    EXPECT_EQ(count("SELECT count(*) FROM chunks_fts_docsize WHERE id = " + std::to_string(c.id)), 0);
  }
  // Search with the deleted chunks' own vectors never returns them.
  std::mt19937 rng(77);  // the same stream fill() used: document 1's vectors follow document 0's
  for (int i = 0; i < 10; ++i) (void)unit_vector(rng, kDim);
  for (int i = 0; i < 10; ++i) {
    auto hits = (*index)->search(unit_vector(rng, kDim), 5);
    ASSERT_TRUE(hits);
    for (const VectorHit& h : *hits)
      for (const ChunkRecord& c : *chunks) EXPECT_NE(h.chunk_id, c.id);
  }
  expect_matches_sqlite(set);
  // Re-chunking through the set replaces the vectors too.
  std::vector<NewChunk> one{text_chunk(0, "only chunk")};
  one[0].embedding = unit_vector(rng, kDim);
  auto r = set.replace_chunks(documents_[0], one);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->removed_ids.size(), 10u);
  EXPECT_EQ((*index)->size(), 11u);
  expect_matches_sqlite(set);
}

TEST_F(RagVectorIndexSet, CollectionsWithoutModelDeletionAndEmbeddingChange) {
  VectorIndexSet set(*store_, vectors_dir());
  Collection plain = make_collection("plain");
  auto none = set.index(plain.id);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("collection 'plain' has no embedding model: only bm25 retrieval"), std::string::npos)
      << none.error();
  auto missing = set.index(424242);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().rfind("not found:", 0), 0u);
  // BM25-only documents go through the set as well.
  DocumentRecord pd = make_document(plain.id, "p.txt");
  ASSERT_TRUE(set.replace_chunks(pd.id, {text_chunk(0, "plain text")}));
  ASSERT_TRUE(set.delete_document(pd.id));

  fill(set, 2, 5);
  const std::string path = set.index_path(collection_.id);
  ASSERT_TRUE(set.save(collection_.id));
  EXPECT_TRUE(fs::exists(path));
  CollectionUpdate u;
  u.embedding_model = "other";
  u.embedding_dim = 8;
  u.reindex = true;
  ASSERT_TRUE(set.update_collection(collection_.id, u));
  auto index = set.index(collection_.id);
  ASSERT_TRUE(index) << index.error();
  EXPECT_EQ((*index)->dim(), 8);
  EXPECT_EQ((*index)->size(), 0u);
  ASSERT_TRUE(set.delete_collection(collection_.id));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".meta"));
  EXPECT_FALSE(set.index(collection_.id));
}

}  // namespace
}  // namespace pg::rag
