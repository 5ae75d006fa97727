// BM25, dense and hybrid retrieval; see retriever.h.
#include "rag/retriever.h"

#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "rag/rank_fusion.h"

namespace pg::rag {
namespace {

constexpr int kMaxTopK = 1000;
constexpr int kMaxCandidates = 10000;

struct Scored {
  int64_t id = 0;
  double score = 0;
};

std::string check_query(const RetrievalQuery& q) {
  if (q.top_k < 1 || q.top_k > kMaxTopK)
    return "top_k " + std::to_string(q.top_k) + " (expected 1.." + std::to_string(kMaxTopK) + ")";
  if (q.candidates < 1 || q.candidates > kMaxCandidates)
    return "candidates " + std::to_string(q.candidates) + " (expected 1.." + std::to_string(kMaxCandidates) + ")";
  if (q.rrf_k < 0 || q.rrf_k > 100000) return "rrf_k " + std::to_string(q.rrf_k) + " (expected 0..100000)";
  if (!std::isfinite(q.bm25_weight) || q.bm25_weight < 0 || !std::isfinite(q.dense_weight) || q.dense_weight < 0)
    return "weights must be finite and not negative";
  if (q.min_score && !std::isfinite(*q.min_score)) return "min_score must be finite";
  return {};
}

}  // namespace

std::string_view retrieval_mode_name(RetrievalMode mode) {
  switch (mode) {
    case RetrievalMode::Bm25: return "bm25";
    case RetrievalMode::Dense: return "dense";
    case RetrievalMode::Hybrid: return "hybrid";
  }
  return "bm25";
}

Result<RetrievalMode> parse_retrieval_mode(std::string_view name) {
  if (name == "bm25") return RetrievalMode::Bm25;
  if (name == "dense") return RetrievalMode::Dense;
  if (name == "hybrid") return RetrievalMode::Hybrid;
  return Error{"invalid: retrieval mode '" + std::string(name) + "' (expected bm25, dense or hybrid)"};
}

Result<std::vector<RetrievalHit>> Retriever::retrieve(int64_t collection_id, const RetrievalQuery& q) {
  if (std::string e = check_query(q); !e.empty()) return Error{"invalid: " + e};
  auto collection = store_.get_collection(collection_id);
  if (!collection) return Error{collection.error()};
  const bool want_bm25 = q.mode != RetrievalMode::Dense;
  const bool want_dense = q.mode != RetrievalMode::Bm25;
  const int list_length = q.mode == RetrievalMode::Hybrid ? std::max(q.candidates, q.top_k) : q.top_k;
  const DocumentFilter filter{q.tags, q.metadata};

  std::vector<Scored> bm25;
  if (want_bm25) {
    auto found = store_.bm25_search(collection_id, q.text, filter, list_length);
    if (!found) return Error{found.error()};
    for (const Bm25Match& m : *found) bm25.push_back({m.chunk_id, m.score});
  }

  std::vector<Scored> dense;
  if (want_dense) {
    if (!collection->has_embeddings())
      return Error{"collection '" + collection->name + "' has no embedding model: only bm25 retrieval"};
    if (!indexes_) return Error{"dense retrieval is not available here (no vector indexes): only bm25 retrieval"};
    if (q.embedding.size() != static_cast<size_t>(collection->embedding_dim))
      return Error{"invalid: query embedding of dimension " + std::to_string(q.embedding.size()) + ", collection '" +
                   collection->name + "' has " + std::to_string(collection->embedding_dim)};
    auto index = indexes_->index(collection_id);
    if (!index) return Error{index.error()};
    std::unordered_set<int64_t> allowed;
    VectorFilter vector_filter;
    if (!filter.empty()) {
      auto ids = store_.chunk_ids(collection_id, filter);
      if (!ids) return Error{ids.error()};
      allowed.insert(ids->begin(), ids->end());
      vector_filter.allowed = &allowed;
    }
    auto hits = (*index)->search(q.embedding, list_length, vector_filter);
    if (!hits) return Error{hits.error()};
    for (const VectorHit& h : *hits) dense.push_back({h.chunk_id, h.similarity});
  }

  // The ranked result: ids with their scores and ranks.
  std::vector<RetrievalHit> ranked;
  auto passes = [&](double score) { return !q.min_score || score >= *q.min_score; };
  if (q.mode == RetrievalMode::Hybrid) {
    std::unordered_map<int64_t, double> bm25_score, dense_score;
    std::vector<int64_t> bm25_ids, dense_ids;
    for (const Scored& s : bm25) bm25_ids.push_back(s.id), bm25_score[s.id] = s.score;
    for (const Scored& s : dense) dense_ids.push_back(s.id), dense_score[s.id] = s.score;
    for (const FusedRank& f : fuse_reciprocal_rank(bm25_ids, dense_ids, q.bm25_weight, q.dense_weight, q.rrf_k)) {
      if (!passes(f.score)) continue;
      RetrievalHit h;
      h.chunk.id = f.id;
      h.score = f.score;
      h.bm25_rank = f.bm25_rank;
      h.dense_rank = f.dense_rank;
      if (f.bm25_rank) h.bm25_score = bm25_score[f.id];
      if (f.dense_rank) h.dense_score = dense_score[f.id];
      ranked.push_back(std::move(h));
    }
  } else {
    const std::vector<Scored>& list = want_bm25 ? bm25 : dense;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!passes(list[i].score)) continue;
      RetrievalHit h;
      h.chunk.id = list[i].id;
      h.score = list[i].score;
      if (want_bm25) {
        h.bm25_rank = static_cast<int>(i + 1);
        h.bm25_score = list[i].score;
      } else {
        h.dense_rank = static_cast<int>(i + 1);
        h.dense_score = list[i].score;
      }
      ranked.push_back(std::move(h));
    }
  }
  if (ranked.size() > static_cast<size_t>(q.top_k)) ranked.resize(static_cast<size_t>(q.top_k));

  // Chunk text and document of each hit (a chunk deleted meanwhile drops out).
  std::vector<int64_t> ids;
  for (const RetrievalHit& h : ranked) ids.push_back(h.chunk.id);
  auto chunks = store_.get_chunks(ids);
  if (!chunks) return Error{chunks.error()};
  std::unordered_map<int64_t, ChunkRecord> by_id;
  for (ChunkRecord& c : *chunks) by_id.emplace(c.id, std::move(c));
  std::unordered_map<int64_t, DocumentRef> documents;
  std::vector<RetrievalHit> out;
  for (RetrievalHit& h : ranked) {
    auto it = by_id.find(h.chunk.id);
    if (it == by_id.end()) continue;
    h.chunk = it->second;
    auto doc = documents.find(h.chunk.document_id);
    if (doc == documents.end()) {
      auto d = store_.get_document(h.chunk.document_id);
      if (!d) continue;
      doc = documents.emplace(d->id, DocumentRef{d->id, d->file_name, d->title, d->format}).first;
    }
    h.document = doc->second;
    h.collection_id = collection_id;
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace pg::rag
