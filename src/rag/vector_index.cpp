// HNSW index of one collection's chunk embeddings; see vector_index.h.
// The only file that includes hnswlib (its header defines non-inline functions).
#include "rag/vector_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-function"
// hnswlib 0.6.2's SSE code prefetches the link after a node's last one, a read
// past the end of upper-layer link lists (AddressSanitizer reports it). Our
// distance function is our own (vector_dot.h), so its SIMD code is not needed.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>
#pragma GCC diagnostic pop

#include "rag/vector_dot.h"
#include "util/write_fully.h"

namespace pg::rag {
namespace fs = std::filesystem;
using Hnsw = hnswlib::HierarchicalNSW<float>;

namespace {

static_assert(sizeof(size_t) == 8 && sizeof(hnswlib::tableint) == 4 && sizeof(hnswlib::labeltype) == 8,
              "the index file checks assume hnswlib 0.6.2's layout on a 64-bit machine");
static_assert(std::endian::native == std::endian::little, "index files are little-endian");

constexpr char kMetaMagic[8] = {'P', 'G', 'H', 'N', 'S', 'W', '\0', '\1'};
constexpr uint32_t kMetaVersion = 1;
constexpr size_t kMetaBytes = 72;
constexpr size_t kHnswHeaderBytes = 96;  // 13 fields written by saveIndex before the data
constexpr size_t kMinCapacity = 1024;
constexpr int kMaxLevel = 64;
// An allow-set up to this size is scanned exactly (cheaper than a graph walk
// that would discard most of what it visits).
constexpr size_t kExactAllowLimit = 4096;

uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Checksum of a byte stream: each 8-byte word goes through a step that is a
// bijection of the state for a fixed word and injective in the word for a
// fixed state, so any single changed word changes the result.
class StreamHash {
 public:
  void update(const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      pending_ |= uint64_t(static_cast<unsigned char>(p[i])) << (8 * fill_);
      if (++fill_ == 8) {
        step(pending_);
        pending_ = 0;
        fill_ = 0;
      }
    }
    length_ += n;
  }
  uint64_t finish() {
    if (fill_) step(pending_);
    step(length_);
    return mix64(state_);
  }

 private:
  void step(uint64_t w) {
    state_ ^= w;
    state_ *= 0x9E3779B97F4A7C15ull;
    state_ ^= state_ >> 29;
  }
  uint64_t state_ = 0x6A09E667F3BCC908ull;
  uint64_t pending_ = 0;
  int fill_ = 0;
  uint64_t length_ = 0;
};

struct FileDigest {
  uint64_t size = 0;
  uint64_t hash = 0;
};

Result<FileDigest> digest_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path};
  std::vector<char> buf(1 << 20);
  StreamHash h;
  FileDigest d;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    h.update(buf.data(), n);
    d.size += n;
  }
  if (in.bad()) return Error{"cannot read " + path};
  d.hash = h.finish();
  return d;
}

struct Meta {
  uint32_t dim = 0;
  uint64_t live_count = 0;
  uint64_t element_count = 0;
  uint64_t id_hash = 0;
  uint64_t payload_size = 0;
  uint64_t payload_hash = 0;
  uint32_t m = 0;
  uint32_t ef_construction = 0;
};

template <typename T>
void put(std::string& out, size_t at, T v) {
  std::memcpy(out.data() + at, &v, sizeof v);
}
template <typename T>
T get(const std::string& in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof v);
  return v;
}

uint64_t bytes_hash(const std::string& s, size_t n) {
  StreamHash h;
  h.update(s.data(), n);
  return h.finish();
}

std::string encode_meta(const Meta& m) {
  std::string out(kMetaBytes, '\0');
  std::memcpy(out.data(), kMetaMagic, 8);
  put<uint32_t>(out, 8, kMetaVersion);
  put<uint32_t>(out, 12, m.dim);
  put<uint64_t>(out, 16, m.live_count);
  put<uint64_t>(out, 24, m.element_count);
  put<uint64_t>(out, 32, m.id_hash);
  put<uint64_t>(out, 40, m.payload_size);
  put<uint64_t>(out, 48, m.payload_hash);
  put<uint32_t>(out, 56, m.m);
  put<uint32_t>(out, 60, m.ef_construction);
  put<uint64_t>(out, 64, bytes_hash(out, 64));
  return out;
}

Result<Meta> decode_meta(const std::string& bytes, const std::string& path) {
  if (bytes.size() != kMetaBytes)
    return Error{path + " is " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(kMetaBytes)};
  if (std::memcmp(bytes.data(), kMetaMagic, 8) != 0) return Error{path + " is not a vector index header"};
  if (get<uint32_t>(bytes, 8) != kMetaVersion)
    return Error{path + " has header version " + std::to_string(get<uint32_t>(bytes, 8)) + ", expected " +
                 std::to_string(kMetaVersion)};
  if (get<uint64_t>(bytes, 64) != bytes_hash(bytes, 64)) return Error{path + " has a damaged header (checksum)"};
  Meta m;
  m.dim = get<uint32_t>(bytes, 12);
  m.live_count = get<uint64_t>(bytes, 16);
  m.element_count = get<uint64_t>(bytes, 24);
  m.id_hash = get<uint64_t>(bytes, 32);
  m.payload_size = get<uint64_t>(bytes, 40);
  m.payload_hash = get<uint64_t>(bytes, 48);
  m.m = get<uint32_t>(bytes, 56);
  m.ef_construction = get<uint32_t>(bytes, 60);
  return m;
}

Result<std::string> read_small_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path};
  std::string s(max_bytes + 1, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

// hnswlib's header fields, checked against what our parameters imply before
// hnswlib allocates anything from them.
Status check_hnsw_header(const std::string& path, const Meta& meta) {
  auto head = read_small_file(path, kHnswHeaderBytes);
  if (!head) return head.status();
  if (head->size() < kHnswHeaderBytes) return Status::error(path + " is too short for an HNSW index");
  const std::string& h = *head;
  const uint64_t offset_level0 = get<uint64_t>(h, 0);
  const uint64_t elements = get<uint64_t>(h, 16);
  const uint64_t size_per_element = get<uint64_t>(h, 24);
  const uint64_t label_offset = get<uint64_t>(h, 32);
  const uint64_t offset_data = get<uint64_t>(h, 40);
  const int32_t max_level = get<int32_t>(h, 48);
  const uint32_t enter_point = get<uint32_t>(h, 52);
  const uint64_t max_m = get<uint64_t>(h, 56);
  const uint64_t max_m0 = get<uint64_t>(h, 64);
  const uint64_t m = get<uint64_t>(h, 72);
  const double mult = get<double>(h, 80);
  const uint64_t ef_construction = get<uint64_t>(h, 88);
  const uint64_t links0 = max_m0 * 4 + 4;
  auto bad = [&](const std::string& what) { return Status::error(path + ": inconsistent HNSW header (" + what + ")"); };
  if (offset_level0 != 0) return bad("level-0 offset");
  if (elements != meta.element_count) return bad("element count");
  if (m != meta.m || max_m != m || max_m0 != 2 * m) return bad("degree");
  if (offset_data != links0 || label_offset != links0 + uint64_t(meta.dim) * 4 ||
      size_per_element != links0 + uint64_t(meta.dim) * 4 + 8)
    return bad("element layout");
  if (!(std::isfinite(mult) && mult > 0 && mult < 10)) return bad("level multiplier");
  if (ef_construction == 0 || ef_construction > 100000) return bad("ef_construction");
  if (elements == 0) {
    if (max_level != -1) return bad("levels of an empty index");
  } else if (max_level < 0 || max_level > kMaxLevel || enter_point >= elements) {
    return bad("entry point");
  }
  // Every element's data plus at least a 4-byte link size each.
  if (meta.payload_size < kHnswHeaderBytes + elements * (size_per_element + 4)) return bad("size");
  return Status::ok();
}

// After hnswlib has read a file: every link points at an element, levels fit,
// labels are distinct and positive. A graph that fails this is never searched.
Status check_graph(const Hnsw& g, const std::string& path) {
  const size_t n = g.cur_element_count;
  auto bad = [&](const std::string& what) { return Status::error(path + ": damaged HNSW graph (" + what + ")"); };
  if (g.label_lookup_.size() != n) return bad("repeated labels");
  if (n == 0) return Status::ok();
  if (g.enterpoint_node_ >= n || g.element_levels_[g.enterpoint_node_] != g.maxlevel_) return bad("entry point");
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<hnswlib::tableint>(i);
    const int levels = g.element_levels_[i];
    if (levels < 0 || levels > g.maxlevel_) return bad("level of element " + std::to_string(i));
    if (levels > 0 && g.linkLists_[i] == nullptr) return bad("links of element " + std::to_string(i));
    const hnswlib::labeltype label = g.getExternalLabel(id);
    if (label == 0 || label > static_cast<hnswlib::labeltype>(INT64_MAX)) return bad("label of element " + std::to_string(i));
    for (int level = 0; level <= levels; ++level) {
      const hnswlib::linklistsizeint* list = g.get_linklist_at_level(id, level);
      const size_t count = g.getListCount(const_cast<hnswlib::linklistsizeint*>(list));
      if (count > (level == 0 ? g.maxM0_ : g.maxM_)) return bad("link count of element " + std::to_string(i));
      const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
      for (size_t j = 0; j < count; ++j)
        if (links[j] >= n) return bad("link of element " + std::to_string(i));
    }
  }
  return Status::ok();
}

// Bytes saveIndex writes for this graph (to tell a short write).
uint64_t expected_payload_size(const Hnsw& g) {
  uint64_t size = kHnswHeaderBytes + g.cur_element_count * g.size_data_per_element_;
  for (size_t i = 0; i < g.cur_element_count; ++i)
    size += 4 + (g.element_levels_[i] > 0 ? g.size_links_per_element_ * g.element_levels_[i] : 0);
  return size;
}

Status write_file_synced(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot create " + path + ": " + std::strerror(errno));
  if (Status s = write_fully(fd, bytes.data(), bytes.size()); !s) {
    ::close(fd);
    return Status::error("cannot write " + path + ": " + s.message());
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Status::error("cannot sync " + path);
  return Status::ok();
}

Status sync_existing_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error("cannot open " + path + ": " + std::strerror(errno));
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::ok() : Status::error("cannot sync " + path);
}

// A copy of v scaled to unit length; false for a zero or non-finite vector.
bool normalized(const float* v, int dim, float* out) {
  double sum = 0;
  for (int i = 0; i < dim; ++i) {
    if (!std::isfinite(v[i])) return false;
    sum += double(v[i]) * v[i];
  }
  if (!(sum > 0) || !std::isfinite(sum)) return false;
  const double inv = 1.0 / std::sqrt(sum);
  for (int i = 0; i < dim; ++i) out[i] = static_cast<float>(v[i] * inv);
  return true;
}

// The checks every search makes: the query normalized to unit length, empty
// when k asks for no hits, or why the query cannot be searched with.
Result<std::vector<float>> search_query(std::span<const float> query, int dim, int k) {
  if (query.size() != static_cast<size_t>(dim))
    return Error{"invalid: query vector of dimension " + std::to_string(query.size()) + ", the index has " +
                 std::to_string(dim)};
  if (k <= 0) return std::vector<float>{};
  std::vector<float> q(static_cast<size_t>(dim));
  if (!normalized(query.data(), dim, q.data())) return Error{"invalid: the query vector is zero or not finite"};
  return q;
}

// hnswlib's distance on unit vectors: 1 - dot, with our dot product for this
// CPU (hnswlib's own is SSE-only in a build without -mavx).
struct DotParam {
  size_t dim;
  DotFn dot;
};

float unit_distance(const void* a, const void* b, const void* param) {
  const auto* p = static_cast<const DotParam*>(param);
  return 1.0f - p->dot(static_cast<const float*>(a), static_cast<const float*>(b), p->dim);
}

class UnitVectorSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit UnitVectorSpace(size_t dim) : param_{dim, best_dot()} {}
  size_t get_data_size() override { return param_.dim * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return unit_distance; }
  void* get_dist_func_param() override { return &param_; }
  float dot(const float* a, const float* b) const { return param_.dot(a, b, param_.dim); }

 private:
  DotParam param_;
};

bool better(const VectorHit& a, const VectorHit& b) {
  return a.similarity != b.similarity ? a.similarity > b.similarity : a.chunk_id < b.chunk_id;
}

// A shared mutex that does not starve writers: glibc's rwlock lets a steady
// stream of readers (searches) hold off a writer (ingestion) indefinitely.
// Both sides pass a turnstile, which a waiting writer holds.
class WriterFairSharedMutex {
 public:
  void lock() {
    std::lock_guard gate(turnstile_);
    mu_.lock();
  }
  void unlock() { mu_.unlock(); }
  void lock_shared() {
    std::lock_guard gate(turnstile_);
    mu_.lock_shared();
  }
  void unlock_shared() { mu_.unlock_shared(); }

 private:
  std::mutex turnstile_;
  std::shared_mutex mu_;
};

}  // namespace

uint64_t id_set_hash(std::span<const int64_t> ids) {
  uint64_t sum = 0;
  for (int64_t id : ids) sum += mix64(static_cast<uint64_t>(id));
  return mix64(sum ^ mix64(ids.size() + 0x5bd1e995ull));
}

struct VectorIndex::Impl {
  int dim = 0;
  VectorIndexParams params;
  std::unique_ptr<UnitVectorSpace> space;
  // Owned; a graph whose load failed half-way is leaked, not destroyed
  // (hnswlib's destructor would free pointers it never set).
  Hnsw* graph = nullptr;
  mutable WriterFairSharedMutex mu;
  uint64_t version = 0;

  ~Impl() { delete graph; }

  size_t live() const { return graph->cur_element_count - graph->num_deleted_; }

  bool is_live(int64_t id) const {
    auto it = graph->label_lookup_.find(static_cast<hnswlib::labeltype>(id));
    return it != graph->label_lookup_.end() && !graph->isMarkedDeleted(it->second);
  }

  // Caller holds mu (any mode).
  std::vector<VectorHit> exact(const float* q, int k, const VectorFilter& filter) const {
    std::vector<VectorHit> hits;
    const size_t n = graph->cur_element_count;
    for (size_t i = 0; i < n; ++i) {
      const auto id = static_cast<hnswlib::tableint>(i);
      if (graph->isMarkedDeleted(id)) continue;
      const auto label = static_cast<int64_t>(graph->getExternalLabel(id));
      if (filter.active() && !filter.allows(label)) continue;
      hits.push_back({label, space->dot(q, reinterpret_cast<const float*>(graph->getDataByInternalId(id)))});
    }
    return top(std::move(hits), k);
  }

  std::vector<VectorHit> exact_over(const float* q, int k, const VectorFilter& filter) const {
    std::vector<VectorHit> hits;
    for (int64_t label : *filter.allowed) {
      auto it = graph->label_lookup_.find(static_cast<hnswlib::labeltype>(label));
      if (it == graph->label_lookup_.end() || graph->isMarkedDeleted(it->second)) continue;
      if (filter.predicate && !filter.predicate(label)) continue;
      hits.push_back({label, space->dot(q, reinterpret_cast<const float*>(graph->getDataByInternalId(it->second)))});
    }
    return top(std::move(hits), k);
  }

  static std::vector<VectorHit> top(std::vector<VectorHit> hits, int k) {
    const size_t keep = std::min(hits.size(), static_cast<size_t>(k));
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(), better);
    hits.resize(keep);
    return hits;
  }

  // HNSW search for `fetch` candidates, best first. Throws hnswlib's errors.
  std::vector<VectorHit> knn(const float* q, size_t fetch) const {
    auto queue = graph->searchKnn(q, fetch);
    std::vector<VectorHit> hits(queue.size());
    for (size_t i = hits.size(); i-- > 0;) {
      hits[i] = {static_cast<int64_t>(queue.top().second), 1.0f - queue.top().first};
      queue.pop();
    }
    std::stable_sort(hits.begin(), hits.end(), better);
    return hits;
  }
};

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorIndex::~VectorIndex() = default;

Result<std::unique_ptr<VectorIndex>> VectorIndex::create(int dim, const VectorIndexParams& params, size_t capacity) {
  if (dim < 1 || dim > 16384) return Error{"invalid: vector dimension " + std::to_string(dim)};
  if (params.m < 2 || params.m > 256) return Error{"invalid: HNSW M " + std::to_string(params.m) + " (2..256)"};
  if (params.ef_construction < 1 || params.ef_construction > 100000)
    return Error{"invalid: HNSW ef_construction " + std::to_string(params.ef_construction)};
  auto impl = std::make_unique<Impl>();
  impl->dim = dim;
  impl->params = params;
  impl->space = std::make_unique<UnitVectorSpace>(static_cast<size_t>(dim));
  try {
    impl->graph = new Hnsw(impl->space.get(), std::max(capacity, kMinCapacity), static_cast<size_t>(params.m),
                           static_cast<size_t>(params.ef_construction), 100);
    impl->graph->setEf(static_cast<size_t>(std::max(1, params.ef_search)));
  } catch (const std::exception& e) {
    return Error{std::string("cannot create an HNSW index: ") + e.what()};
  }
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(impl)));
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::load(const std::string& path, int dim,
                                                       const VectorIndexParams& params) {
  const std::string meta_path = path + ".meta";
  auto meta_bytes = read_small_file(meta_path, kMetaBytes);
  if (!meta_bytes) return Error{meta_bytes.error()};
  auto meta = decode_meta(*meta_bytes, meta_path);
  if (!meta) return Error{meta.error()};
  if (static_cast<int>(meta->dim) != dim)
    return Error{path + " holds vectors of dimension " + std::to_string(meta->dim) + ", expected " + std::to_string(dim)};
  if (meta->m < 2 || meta->m > 256) return Error{meta_path + ": HNSW M " + std::to_string(meta->m)};
  if (meta->live_count > meta->element_count) return Error{meta_path + ": more live vectors than elements"};
  auto digest = digest_file(path);
  if (!digest) return Error{digest.error()};
  if (digest->size != meta->payload_size)
    return Error{path + " is " + std::to_string(digest->size) + " bytes, its header says " +
                 std::to_string(meta->payload_size) + " (truncated or replaced)"};
  if (digest->hash != meta->payload_hash) return Error{path + " is damaged (checksum differs from its header)"};
  if (Status s = check_hnsw_header(path, *meta); !s) return Error{s.message()};

  auto impl = std::make_unique<Impl>();
  impl->dim = dim;
  impl->params = params;
  impl->params.m = static_cast<int>(meta->m);
  impl->params.ef_construction = static_cast<int>(meta->ef_construction);
  impl->space = std::make_unique<UnitVectorSpace>(static_cast<size_t>(dim));
  auto* graph = new Hnsw(impl->space.get());
  graph->num_deleted_ = 0;  // hnswlib 0.6.2's loading constructor leaves it unset
  try {
    graph->loadIndex(path, impl->space.get(),
                     std::max<size_t>(meta->element_count + meta->element_count / 4 + 16, kMinCapacity));
  } catch (const std::exception& e) {
    return Error{path + " cannot be read as an HNSW index: " + e.what()};  // graph leaked on purpose (see Impl)
  }
  impl->graph = graph;
  if (Status s = check_graph(*graph, path); !s) return Error{s.message()};
  graph->setEf(static_cast<size_t>(std::max(1, params.ef_search)));
  VectorIndex index(std::move(impl));
  if (index.size() != meta->live_count) return Error{path + ": live vector count differs from its header"};
  const std::vector<int64_t> ids = index.ids();
  if (id_set_hash(ids) != meta->id_hash) return Error{path + ": chunk ids differ from its header"};
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(index.impl_)));
}

Status VectorIndex::save(const std::string& path) const {
  std::shared_lock lock(impl_->mu);
  const Hnsw& g = *impl_->graph;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) return Status::error("cannot create " + target.parent_path().string() + ": " + ec.message());
  const std::string tmp = path + ".tmp";
  const std::string meta_tmp = path + ".meta.tmp";
  try {
    const_cast<Hnsw&>(g).saveIndex(tmp);  // only reads the graph
  } catch (const std::exception& e) {
    return Status::error("cannot write " + tmp + ": " + e.what());
  }
  auto digest = digest_file(tmp);
  if (!digest) return digest.status();
  if (digest->size != expected_payload_size(g)) {
    std::remove(tmp.c_str());
    return Status::error("cannot write " + tmp + ": " + std::to_string(digest->size) + " of " +
                         std::to_string(expected_payload_size(g)) + " bytes written (disk full?)");
  }
  if (Status s = sync_existing_file(tmp); !s) return s;
  Meta meta;
  meta.dim = static_cast<uint32_t>(impl_->dim);
  meta.element_count = g.cur_element_count;
  meta.live_count = impl_->live();
  std::vector<int64_t> live_ids;
  live_ids.reserve(meta.live_count);
  for (const auto& [label, internal] : g.label_lookup_)
    if (!g.isMarkedDeleted(internal)) live_ids.push_back(static_cast<int64_t>(label));
  meta.id_hash = id_set_hash(live_ids);
  meta.payload_size = digest->size;
  meta.payload_hash = digest->hash;
  meta.m = static_cast<uint32_t>(g.M_);
  meta.ef_construction = static_cast<uint32_t>(g.ef_construction_);
  if (Status s = write_file_synced(meta_tmp, encode_meta(meta)); !s) return s;
  fs::rename(tmp, path, ec);
  if (!ec) fs::rename(meta_tmp, path + ".meta", ec);
  if (ec) return Status::error("cannot put the vector index in place at " + path + ": " + ec.message());
  if (target.has_parent_path()) (void)sync_existing_file(target.parent_path().string());
  return Status::ok();
}

int VectorIndex::dim() const { return impl_->dim; }

void VectorIndex::set_ef_search(int ef) {
  std::unique_lock lock(impl_->mu);
  impl_->params.ef_search = std::max(1, ef);
  impl_->graph->setEf(static_cast<size_t>(impl_->params.ef_search));
}

size_t VectorIndex::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->live();
}

size_t VectorIndex::deleted_count() const {
  std::shared_lock lock(impl_->mu);
  return impl_->graph->num_deleted_;
}

uint64_t VectorIndex::version() const {
  std::shared_lock lock(impl_->mu);
  return impl_->version;
}

std::vector<int64_t> VectorIndex::ids() const {
  std::shared_lock lock(impl_->mu);
  const Hnsw& g = *impl_->graph;
  std::vector<int64_t> out;
  out.reserve(impl_->live());
  for (const auto& [label, internal] : g.label_lookup_)
    if (!g.isMarkedDeleted(internal)) out.push_back(static_cast<int64_t>(label));
  std::sort(out.begin(), out.end());
  return out;
}

Status VectorIndex::add(std::span<const int64_t> ids, std::span<const float> vectors) {
  const int dim = impl_->dim;
  if (vectors.size() != ids.size() * static_cast<size_t>(dim))
    return Status::error("invalid: " + std::to_string(vectors.size()) + " floats for " + std::to_string(ids.size()) +
                         " vectors of dimension " + std::to_string(dim));
  std::unique_lock lock(impl_->mu);
  Hnsw& g = *impl_->graph;
  // What to insert: new ids only, each once, normalized.
  std::vector<size_t> rows;
  std::unordered_set<int64_t> taken;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] <= 0) return Status::error("invalid: chunk id " + std::to_string(ids[i]) + " for the vector index");
    if (impl_->is_live(ids[i]) || !taken.insert(ids[i]).second) continue;
    rows.push_back(i);
  }
  std::vector<float> unit(rows.size() * static_cast<size_t>(dim));
  for (size_t r = 0; r < rows.size(); ++r)
    if (!normalized(vectors.data() + rows[r] * dim, dim, unit.data() + r * dim))
      return Status::error("invalid: the embedding of chunk " + std::to_string(ids[rows[r]]) +
                           " is zero or not finite");
  if (rows.empty()) return Status::ok();
  try {
    const size_t needed = g.cur_element_count + rows.size();
    if (needed > g.max_elements_) g.resizeIndex(std::max(needed, g.max_elements_ * 2));
    std::atomic<size_t> next{0};
    std::string failure;
    std::mutex failure_mu;
    auto work = [&] {
      for (size_t r; (r = next.fetch_add(1)) < rows.size();) {
        try {
          g.addPoint(unit.data() + r * dim, static_cast<hnswlib::labeltype>(ids[rows[r]]));
        } catch (const std::exception& e) {
          std::lock_guard fl(failure_mu);
          if (failure.empty()) failure = "chunk " + std::to_string(ids[rows[r]]) + ": " + e.what();
        }
      }
    };
    const int threads = rows.size() >= 256 ? std::clamp(impl_->params.build_threads, 1, 64) : 1;
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    ++impl_->version;
    if (!failure.empty()) return Status::error("cannot add to the vector index: " + failure);
  } catch (const std::exception& e) {
    return Status::error(std::string("cannot add to the vector index: ") + e.what());
  }
  return Status::ok();
}

Status VectorIndex::remove(std::span<const int64_t> ids) {
  std::unique_lock lock(impl_->mu);
  Hnsw& g = *impl_->graph;
  bool changed = false;
  for (int64_t id : ids) {
    auto it = g.label_lookup_.find(static_cast<hnswlib::labeltype>(id));
    if (it == g.label_lookup_.end() || g.isMarkedDeleted(it->second)) continue;
    g.markDeletedInternal(it->second);
    changed = true;
  }
  if (changed) ++impl_->version;
  return Status::ok();
}

Result<std::vector<VectorHit>> VectorIndex::search(std::span<const float> query, int k,
                                                   const VectorFilter& filter) const {
  auto q = search_query(query, impl_->dim, k);
  if (!q) return Error{q.error()};
  if (q->empty()) return std::vector<VectorHit>{};
  std::shared_lock lock(impl_->mu);
  const size_t live = impl_->live();
  if (live == 0) return std::vector<VectorHit>{};
  try {
    if (!filter.active()) return impl_->knn(q->data(), std::min(static_cast<size_t>(k), live));
    if (filter.allowed && filter.allowed->size() <= kExactAllowLimit) return impl_->exact_over(q->data(), k, filter);
    // Over-fetch and filter; widen until k pass or the walk would cover a
    // large part of the index, where a plain scan is as cheap and exact.
    size_t fetch = std::max<size_t>(static_cast<size_t>(k) * 4, 64);
    for (;;) {
      if (fetch * 4 > live) return impl_->exact(q->data(), k, filter);
      std::vector<VectorHit> hits = impl_->knn(q->data(), fetch);
      std::erase_if(hits, [&](const VectorHit& h) { return !filter.allows(h.chunk_id); });
      if (hits.size() >= static_cast<size_t>(k)) {
        hits.resize(static_cast<size_t>(k));
        return hits;
      }
      fetch *= 4;
    }
  } catch (const std::exception& e) {
    return Error{std::string("vector search failed: ") + e.what()};
  }
}

Result<std::vector<VectorHit>> VectorIndex::exact_search(std::span<const float> query, int k,
                                                         const VectorFilter& filter) const {
  auto q = search_query(query, impl_->dim, k);
  if (!q) return Error{q.error()};
  if (q->empty()) return std::vector<VectorHit>{};
  std::shared_lock lock(impl_->mu);
  return impl_->exact(q->data(), k, filter);
}

}  // namespace pg::rag
