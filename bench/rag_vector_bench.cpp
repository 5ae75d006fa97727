// Benchmark of the RAG vector index (src/rag/vector_index.h) at 100k chunks:
// dim 384 (all-MiniLM-L6-v2's size), random unit vectors (the hard case for
// HNSW) and a clustered set (points around 1000 centres, like real sentence
// embeddings of many documents). Reports build time, query latency p50/p99
// (one search at a time, k = 10) and recall@10 against exact search, for
// several HNSW settings. Goal: p50 <= 5 ms, p99 <= 20 ms, recall >= 0.95.
//   nice -n 19 ./build/playground_kernel_bench --benchmark_filter=RagVector
// (environment PG_RAG_BENCH_N=20000 for a quicker, smaller run).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "rag/vector_index.h"

namespace pg::rag {
namespace {

constexpr int kDim = 384;
constexpr int kQueries = 500;
constexpr int kK = 10;

size_t dataset_size() {
  const char* n = std::getenv("PG_RAG_BENCH_N");
  return n ? std::max<size_t>(1000, std::strtoull(n, nullptr, 10)) : 100000;
}

void normalize(float* v) {
  double s = 0;
  for (int i = 0; i < kDim; ++i) s += double(v[i]) * v[i];
  const double inv = 1.0 / std::sqrt(s);
  for (int i = 0; i < kDim; ++i) v[i] = static_cast<float>(v[i] * inv);
}

// Variant 0: uniform random unit vectors. Variant 1: clustered (a centre plus
// noise of norm ~0.8, so a point's cosine with its centre is ~0.78).
// Returns n data vectors followed by kQueries query vectors of the same law.
std::vector<float> make_vectors(int variant, size_t n) {
  std::mt19937 rng(variant == 0 ? 1234 : 5678);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t total = n + kQueries;
  std::vector<float> v(total * kDim);
  if (variant == 0) {
    for (size_t i = 0; i < total; ++i) {
      for (int j = 0; j < kDim; ++j) v[i * kDim + j] = normal(rng);
      normalize(&v[i * kDim]);
    }
    return v;
  }
  const int centres = 1000;
  std::vector<float> c(static_cast<size_t>(centres) * kDim);
  for (int i = 0; i < centres; ++i) {
    for (int j = 0; j < kDim; ++j) c[i * kDim + j] = normal(rng);
    normalize(&c[i * kDim]);
  }
  const float noise = 0.8f / std::sqrt(static_cast<float>(kDim));
  std::uniform_int_distribution<int> pick(0, centres - 1);
  for (size_t i = 0; i < total; ++i) {
    const int k = pick(rng);
    for (int j = 0; j < kDim; ++j) v[i * kDim + j] = c[k * kDim + j] + noise * normal(rng);
    normalize(&v[i * kDim]);
  }
  return v;
}

struct Built {
  std::unique_ptr<VectorIndex> index;
  std::vector<float> vectors;
  std::vector<std::vector<int64_t>> truth;  // exact top-k per query
  double build_seconds = 0;
};

// Built once per (variant, M, ef_construction) and kept for the run.
Built& built(int variant, int m, int ef_construction) {
  static std::map<std::tuple<int, int, int>, std::unique_ptr<Built>> cache;
  auto& slot = cache[{variant, m, ef_construction}];
  if (slot) return *slot;
  slot = std::make_unique<Built>();
  const size_t n = dataset_size();
  slot->vectors = make_vectors(variant, n);
  VectorIndexParams p;
  p.m = m;
  p.ef_construction = ef_construction;
  p.build_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto index = VectorIndex::create(kDim, p, n);
  if (!index) std::abort();
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i + 1);
  const auto t0 = std::chrono::steady_clock::now();
  if (!(*index)->add(ids, std::span<const float>(slot->vectors.data(), n * kDim))) std::abort();
  slot->build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  slot->index = std::move(*index);
  for (int q = 0; q < kQueries; ++q) {
    auto hits = slot->index->exact_search(std::span<const float>(&slot->vectors[(n + q) * kDim], kDim), kK);
    std::vector<int64_t> t;
    for (const VectorHit& h : *hits) t.push_back(h.chunk_id);
    slot->truth.push_back(std::move(t));
  }
  return *slot;
}

// Args: variant (0 random, 1 clustered), M, ef_construction, ef_search (0 = exact scan).
void BM_RagVectorQuery(benchmark::State& state) {
  const int variant = static_cast<int>(state.range(0));
  Built& b = built(variant, static_cast<int>(state.range(1)), static_cast<int>(state.range(2)));
  const bool exact = state.range(3) == 0;  // ef_search 0: the exact scan, for comparison
  if (!exact) b.index->set_ef_search(static_cast<int>(state.range(3)));
  const size_t n = b.index->size();
  std::vector<double> ms;
  double recall = 0;
  for (auto _ : state) {
    ms.clear();
    recall = 0;
    for (int q = 0; q < kQueries; ++q) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::span<const float> query(&b.vectors[(n + q) * kDim], kDim);
      auto hits = exact ? b.index->exact_search(query, kK) : b.index->search(query, kK);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      std::set<int64_t> truth(b.truth[q].begin(), b.truth[q].end());
      size_t found = 0;
      for (const VectorHit& h : *hits) found += truth.count(h.chunk_id);
      recall += double(found) / kK;
    }
  }
  std::sort(ms.begin(), ms.end());
  state.counters["n"] = static_cast<double>(n);
  state.counters["build_s"] = b.build_seconds;
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[ms.size() * 99 / 100];
  state.counters["recall10"] = recall / kQueries;
  state.SetLabel(variant == 0 ? "random" : "clustered");
}

void settings(benchmark::internal::Benchmark* b) {
  for (int ef : {32, 64, 128, 256}) b->Args({1, 16, 200, ef});  // clustered
  for (int ef : {256, 512, 1024, 2048}) b->Args({0, 16, 200, ef});  // random
  for (int ef : {256, 512, 1024, 2048}) b->Args({0, 32, 400, ef});
  b->Args({0, 16, 200, 0});  // exact scan
  b->Iterations(1)->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_RagVectorQuery)->Apply(settings);

}  // namespace
}  // namespace pg::rag
