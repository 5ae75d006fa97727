// Shared setup of the RAG storage/retrieval tests: a real database migrated
// like the server's — an SQLite file in a fresh temp folder, or (for suites
// that run on both engines, engine() overridden) a fresh database on the
// tests' PostgreSQL server — a CollectionStore over it, and helpers for
// chunks and deterministic random unit vectors. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rag/collection_store.h"
#include "store/data_dir.h"
#include "../store/pg_test_server.h"
#include "test_process.h"

namespace pg::rag::test {

class RagStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pg::test::temp_dir("pg_rag") / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    if (engine() == store::Dialect::Postgres) {
      PG_REQUIRE_POSTGRES(url);
      database_url_ = url;
    }
    open_database();
  }
  // The engine of this test's database; suites on both engines override it.
  virtual store::Dialect engine() const { return store::Dialect::Sqlite; }
  void TearDown() override {
    store_.reset();
    db_.reset();
    ::pg::test::cleanup(dir_);
  }
  void open_database() {
    store_.reset();
    db_.reset();
    auto db = store::open_store((dir_ / "data").string(), database_url_);
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(*db);
    store_ = std::make_unique<CollectionStore>(*db_);
  }
  std::string vectors_dir() const { return (dir_ / "data" / "vectors").string(); }

  Collection make_collection(const std::string& name, const std::string& model = "", int dim = 0) {
    NewCollection c;
    c.name = name;
    c.embedding_model = model;
    c.embedding_dim = dim;
    auto r = store_->create_collection(c);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : Collection{};
  }
  DocumentRecord make_document(int64_t collection_id, const std::string& file_name,
                               std::vector<std::string> tags = {}, std::map<std::string, std::string> metadata = {}) {
    NewDocument d;
    d.file_name = file_name;
    d.format = "text";
    d.size_bytes = 100;
    d.sha256 = "sha-" + file_name;
    d.tags = std::move(tags);
    d.metadata = std::move(metadata);
    auto r = store_->add_document(collection_id, d);
    EXPECT_TRUE(r) << r.error();
    return r ? *r : DocumentRecord{};
  }
  int64_t count(const std::string& sql) {
    auto st = db_->prepare(sql);
    EXPECT_TRUE(st) << st.error();
    if (!st) return -1;
    auto row = st->step();
    EXPECT_TRUE(row && *row);
    return st->int64(0);
  }

  std::filesystem::path dir_;
  std::string database_url_;  // PostgreSQL only
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<CollectionStore> store_;
};

inline NewChunk text_chunk(int index, std::string text, int page = 1) {
  NewChunk c;
  c.index = index;
  c.page_start = c.page_end = page;
  c.char_start = index * 1000;
  c.char_end = c.char_start + static_cast<int64_t>(text.size());
  c.token_count = static_cast<int>(text.size() / 4) + 1;
  c.text = std::move(text);
  return c;
}

// A deterministic random unit vector.
inline std::vector<float> unit_vector(std::mt19937& rng, int dim) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(dim));
  double sum = 0;
  for (float& x : v) {
    x = normal(rng);
    sum += double(x) * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(sum));
  return v;
}

// Names the engines in parameterized test names: ".../sqlite", ".../postgres".
inline std::string engine_name(const ::testing::TestParamInfo<store::Dialect>& info) {
  return std::string(store::dialect_name(info.param));
}

}  // namespace pg::rag::test
