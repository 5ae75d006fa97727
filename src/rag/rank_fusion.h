// Reciprocal rank fusion of a BM25 and a dense ranking:
//   score(d) = w_bm25 / (k + rank_bm25(d)) + w_dense / (k + rank_dense(d))
// with 1-based ranks; a list that does not contain d contributes nothing.
// Pure function; no I/O, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace pg::rag {

struct FusedRank {
  int64_t id = 0;
  double score = 0;
  std::optional<int> bm25_rank;   // 1-based, absent when not in the BM25 list
  std::optional<int> dense_rank;  // 1-based, absent when not in the dense list
};

// Lists are best first and hold each id once. Result: best first, ties by
// the better of the two ranks, then by id (deterministic).
std::vector<FusedRank> fuse_reciprocal_rank(const std::vector<int64_t>& bm25_ids,
                                            const std::vector<int64_t>& dense_ids, double bm25_weight,
                                            double dense_weight, int k);

}  // namespace pg::rag
