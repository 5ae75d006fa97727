// Reciprocal rank fusion; see rank_fusion.h.
#include "rag/rank_fusion.h"

#include <algorithm>
#include <unordered_map>

namespace pg::rag {

std::vector<FusedRank> fuse_reciprocal_rank(const std::vector<int64_t>& bm25_ids,
                                            const std::vector<int64_t>& dense_ids, double bm25_weight,
                                            double dense_weight, int k) {
  std::vector<FusedRank> out;
  std::unordered_map<int64_t, size_t> slot;
  auto entry = [&](int64_t id) -> FusedRank& {
    auto [it, inserted] = slot.emplace(id, out.size());
    if (inserted) out.push_back(FusedRank{id, 0, std::nullopt, std::nullopt});
    return out[it->second];
  };
  for (size_t i = 0; i < bm25_ids.size(); ++i) {
    FusedRank& f = entry(bm25_ids[i]);
    if (f.bm25_rank) continue;  // a repeated id keeps its first (best) rank
    f.bm25_rank = static_cast<int>(i + 1);
    f.score += bm25_weight / (k + static_cast<double>(i + 1));
  }
  for (size_t i = 0; i < dense_ids.size(); ++i) {
    FusedRank& f = entry(dense_ids[i]);
    if (f.dense_rank) continue;
    f.dense_rank = static_cast<int>(i + 1);
    f.score += dense_weight / (k + static_cast<double>(i + 1));
  }
  auto best_rank = [](const FusedRank& f) {
    return std::min(f.bm25_rank.value_or(INT32_MAX), f.dense_rank.value_or(INT32_MAX));
  };
  std::sort(out.begin(), out.end(), [&](const FusedRank& a, const FusedRank& b) {
    if (a.score != b.score) return a.score > b.score;
    if (best_rank(a) != best_rank(b)) return best_rank(a) < best_rank(b);
    return a.id < b.id;
  });
  return out;
}

}  // namespace pg::rag
