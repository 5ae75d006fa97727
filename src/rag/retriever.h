// Retrieval of a collection's chunks for a query: BM25 (SQLite FTS5), dense
// (the collection's HNSW index, cosine similarity) or hybrid (reciprocal rank
// fusion of both candidate lists), with tag and metadata filters, top_k and a
// minimum score on the mode's own score. Each hit carries its BM25 and dense
// rank and score where that list held it (for the retrieval debugger).
// The query text never reaches FTS5 as syntax (see fts_query.h). Embedding
// the query is the caller's job (it knows the model); a collection without an
// embedding model only answers BM25 requests. Holds no state between calls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rag/collection_store.h"
#include "rag/vector_index_set.h"

namespace pg::rag {

enum class RetrievalMode { Bm25, Dense, Hybrid };

std::string_view retrieval_mode_name(RetrievalMode mode);  // "bm25", "dense", "hybrid"
Result<RetrievalMode> parse_retrieval_mode(std::string_view name);

struct RetrievalQuery {
  std::string text;              // for BM25 (bm25, hybrid)
  std::vector<float> embedding;  // for dense (dense, hybrid): the query embedded by the collection's model
  RetrievalMode mode = RetrievalMode::Bm25;
  int top_k = 5;                     // 1..1000
  std::optional<double> min_score;   // on the mode's score: BM25 score, cosine similarity, or fused score
  std::vector<std::string> tags;     // documents with all of these tags
  std::map<std::string, std::string> metadata;  // documents with every key=value
  double bm25_weight = 1;
  double dense_weight = 1;
  int rrf_k = 60;
  int candidates = 50;  // length of each list fused in hybrid mode (at least top_k)
};

struct DocumentRef {
  int64_t id = 0;
  std::string file_name;
  std::string title;
  std::string format;
};

struct RetrievalHit {
  int64_t collection_id = 0;  // the collection searched
  ChunkRecord chunk;
  DocumentRef document;
  double score = 0;  // the mode's score: BM25 (positive, higher is better), cosine, or fused
  std::optional<int> bm25_rank;  // 1-based
  std::optional<double> bm25_score;
  std::optional<int> dense_rank;  // 1-based
  std::optional<double> dense_score;
};

class Retriever {
 public:
  // `indexes` may be null: then only BM25 requests are answered.
  Retriever(CollectionStore& store, VectorIndexSet* indexes) : store_(store), indexes_(indexes) {}

  // Best first, at most top_k. A query with no words gives no BM25 hits (not
  // an error). Errors: unknown collection ("not found: ..."), dense/hybrid on
  // a collection without an embedding model, a bad query (dimension, top_k, ...).
  Result<std::vector<RetrievalHit>> retrieve(int64_t collection_id, const RetrievalQuery& query);

 private:
  CollectionStore& store_;
  VectorIndexSet* indexes_;
};

}  // namespace pg::rag
