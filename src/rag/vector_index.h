// One collection's approximate nearest-neighbour index over chunk embeddings:
// hnswlib's HNSW graph (Debian libhnswlib-dev 0.6.2) in inner-product space
// over L2-normalized vectors, so 1 - distance is the cosine similarity; the
// label of a vector is its chunk id. Removal marks a label deleted; the
// capacity grows when full. Searches run concurrently (shared lock) and wait
// for additions/removals (exclusive lock).
//
// Files: hnswlib's own format at PATH plus our header at PATH.meta (dimension,
// counts, parameters, an order-independent hash of the live chunk ids, the
// payload's size and a checksum). load() checks the header, the payload's size
// and checksum and hnswlib's header fields before hnswlib reads a byte, and
// every graph link after, so a truncated, damaged or foreign file is an error
// (the caller rebuilds), never a crash. hnswlib's exceptions never leave here.
//
// hnswlib's headers define non-inline functions: include them in exactly one
// source file (vector_index.cpp), never in a header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "util/result.h"

namespace pg::rag {

struct VectorIndexParams {
  int m = 16;                 // graph degree (level 0 gets 2*m)
  int ef_construction = 200;  // candidate list while inserting
  int ef_search = 128;        // candidate list while searching (raised to k when k is larger)
  int build_threads = 1;      // threads for large additions
};

struct VectorHit {
  int64_t chunk_id = 0;
  float similarity = 0;  // cosine similarity, in [-1, 1]
};

// Which chunk ids a search may return; both empty = all.
struct VectorFilter {
  const std::unordered_set<int64_t>* allowed = nullptr;
  std::function<bool(int64_t)> predicate;
  bool active() const { return allowed != nullptr || static_cast<bool>(predicate); }
  bool allows(int64_t id) const { return (!allowed || allowed->count(id)) && (!predicate || predicate(id)); }
};

// Order-independent hash of a set of ids (each id once), equal for equal sets.
uint64_t id_set_hash(std::span<const int64_t> ids);

class VectorIndex {
 public:
  static Result<std::unique_ptr<VectorIndex>> create(int dim, const VectorIndexParams& params, size_t capacity = 0);
  // Checks PATH.meta and PATH (see above); `dim` is what the caller expects.
  static Result<std::unique_ptr<VectorIndex>> load(const std::string& path, int dim, const VectorIndexParams& params);
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Writes PATH and PATH.meta through temporary files renamed into place
  // (payload first: a crash in between leaves a header that does not match,
  // which load() reports). Concurrent searches go on meanwhile.
  Status save(const std::string& path) const;

  int dim() const;
  // The candidate list of later searches (the recall/latency trade-off).
  void set_ef_search(int ef);
  size_t size() const;           // live vectors
  size_t deleted_count() const;  // marked deleted, still in the graph
  std::vector<int64_t> ids() const;  // live ids, ascending
  // Changes with every add/remove that changed something (for "save if changed").
  uint64_t version() const;

  // `vectors` holds ids.size() * dim() floats; each is L2-normalized here.
  // Ids already live are skipped. Ids must be > 0; a zero or non-finite
  // vector is an error naming its chunk id (nothing is added then).
  Status add(std::span<const int64_t> ids, std::span<const float> vectors);
  // Ids not live are ignored.
  Status remove(std::span<const int64_t> ids);

  // Up to k hits, best first. With a filter: an exact scan when the allow-set
  // is small, else HNSW with a growing candidate count, else an exact scan.
  Result<std::vector<VectorHit>> search(std::span<const float> query, int k, const VectorFilter& filter = {}) const;
  // The reference: every live vector compared, plain loops. Ties by id.
  Result<std::vector<VectorHit>> exact_search(std::span<const float> query, int k,
                                              const VectorFilter& filter = {}) const;

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pg::rag
