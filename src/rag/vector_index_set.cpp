// Open vector indexes per collection, kept in step with SQLite; see vector_index_set.h.
#include "rag/vector_index_set.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>

namespace pg::rag {
namespace fs = std::filesystem;

namespace {

constexpr int kRebuildBatch = 2048;
constexpr size_t kCatchUpBatch = 1024;

struct IdDiff {
  std::vector<int64_t> to_add;     // in SQLite, not in the index
  std::vector<int64_t> to_remove;  // in the index, not in SQLite
  size_t size() const { return to_add.size() + to_remove.size(); }
};

IdDiff diff_ids(const std::vector<int64_t>& sqlite_ids, const std::vector<int64_t>& index_ids) {
  IdDiff d;
  std::set_difference(sqlite_ids.begin(), sqlite_ids.end(), index_ids.begin(), index_ids.end(),
                      std::back_inserter(d.to_add));
  std::set_difference(index_ids.begin(), index_ids.end(), sqlite_ids.begin(), sqlite_ids.end(),
                      std::back_inserter(d.to_remove));
  return d;
}

Status apply_diff(CollectionStore& store, VectorIndex& index, const IdDiff& d) {
  if (Status s = index.remove(d.to_remove); !s) return s;
  for (size_t at = 0; at < d.to_add.size(); at += kCatchUpBatch) {
    const size_t n = std::min(kCatchUpBatch, d.to_add.size() - at);
    auto batch = store.embeddings_of(std::span<const int64_t>(d.to_add).subspan(at, n));
    if (!batch) return batch.status();
    if (Status s = index.add(batch->ids, batch->vectors); !s) return s;
  }
  return Status::ok();
}

Error no_model(const Collection& c) {
  return Error{"collection '" + c.name + "' has no embedding model: only bm25 retrieval"};
}

}  // namespace

VectorIndexSet::VectorIndexSet(CollectionStore& store, std::string directory, VectorIndexParams params)
    : store_(store), directory_(std::move(directory)), params_(params) {}

VectorIndexSet::~VectorIndexSet() { (void)save_all(); }

std::string VectorIndexSet::index_path(int64_t collection_id) const {
  return (fs::path(directory_) / ("collection-" + std::to_string(collection_id) + ".hnsw")).string();
}

std::optional<IndexOpenInfo> VectorIndexSet::open_info(int64_t collection_id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(collection_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second->info;
}

Result<std::shared_ptr<VectorIndexSet::Entry>> VectorIndexSet::open(const Collection& c) {
  const auto started = std::chrono::steady_clock::now();
  auto sqlite_ids = store_.embedded_chunk_ids(c.id);
  if (!sqlite_ids) return Error{sqlite_ids.error()};
  const std::string path = index_path(c.id);
  auto e = std::make_shared<Entry>();
  std::unique_ptr<VectorIndex> index;
  std::error_code ec;
  if (fs::exists(path, ec) || fs::exists(path + ".meta", ec)) {
    auto loaded = VectorIndex::load(path, c.embedding_dim, params_);
    if (!loaded) {
      e->info.reason = "unusable file: " + loaded.error();
    } else {
      const IdDiff d = diff_ids(*sqlite_ids, (*loaded)->ids());
      if (d.size() == 0) {
        index = std::move(*loaded);
      } else if (d.size() * 2 <= sqlite_ids->size() && (*loaded)->deleted_count() <= sqlite_ids->size()) {
        if (Status s = apply_diff(store_, **loaded, d); !s) return Error{s.message()};
        index = std::move(*loaded);
        e->info.kind = IndexOpenInfo::Kind::CaughtUp;
        e->info.reason = "stale file: " + std::to_string(d.to_add.size()) + " vectors added and " +
                         std::to_string(d.to_remove.size()) + " removed to match the database";
      } else {
        e->info.reason = "stale file: " + std::to_string(d.size()) + " chunk ids differ from the database";
      }
    }
  } else {
    e->info.reason = "no index file";
  }
  if (!index) {
    e->info.kind = IndexOpenInfo::Kind::Rebuilt;
    auto created = VectorIndex::create(c.embedding_dim, params_, sqlite_ids->size());
    if (!created) return Error{created.error()};
    index = std::move(*created);
    Status s = store_.for_each_embedding_batch(
        c.id, kRebuildBatch, [&](const EmbeddingBatch& b) { return index->add(b.ids, b.vectors); });
    if (!s) return Error{"cannot rebuild the vector index of collection '" + c.name + "': " + s.message()};
  }
  // Writes that went to SQLite meanwhile (outside this class) are caught here.
  auto now_ids = store_.embedded_chunk_ids(c.id);
  if (!now_ids) return Error{now_ids.error()};
  if (Status s = apply_diff(store_, *index, diff_ids(*now_ids, index->ids())); !s) return Error{s.message()};

  e->index = std::shared_ptr<VectorIndex>(std::move(index));
  e->info.entries = e->index->size();
  e->saved_version = e->info.kind == IndexOpenInfo::Kind::Loaded && e->index->version() == 0 ? 0 : UINT64_MAX;
  if (e->saved_version == UINT64_MAX) {
    // Worth keeping at once: a rebuild is the expensive part.
    if (Status s = e->index->save(path); s) e->saved_version = e->index->version();
  }
  e->info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return e;
}

Result<std::shared_ptr<VectorIndexSet::Entry>> VectorIndexSet::entry(int64_t collection_id) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(collection_id); it != entries_.end()) return it->second;
  auto c = store_.get_collection(collection_id);
  if (!c) return Error{c.error()};
  if (!c->has_embeddings()) return no_model(*c);
  auto e = open(*c);
  if (!e) return e;
  entries_[collection_id] = *e;
  return *e;
}

Result<std::shared_ptr<VectorIndex>> VectorIndexSet::index(int64_t collection_id) {
  auto e = entry(collection_id);
  if (!e) return Error{e.error()};
  return (*e)->index;
}

Result<ChunkReplacement> VectorIndexSet::replace_chunks(int64_t document_id, const std::vector<NewChunk>& chunks) {
  auto doc = store_.get_document(document_id);
  if (!doc) return Error{doc.error()};
  auto c = store_.get_collection(doc->collection_id);
  if (!c) return Error{c.error()};
  if (!c->has_embeddings()) return store_.replace_chunks(document_id, chunks);
  auto e = entry(c->id);
  if (!e) return Error{e.error()};
  Status s = Status::ok();
  Result<ChunkReplacement> change = Error{"not run"};
  {
    std::lock_guard write(e->get()->write_mu);
    change = store_.replace_chunks(document_id, chunks);
    if (!change) return change;
    s = (*e)->index->remove(change->removed_ids);
    if (s) s = (*e)->index->add(change->added_ids, change->added_vectors);
  }
  if (notifier_) notifier_(c->id);
  if (!s) {
    close(c->id);  // SQLite has the change; the next open catches up from it
    return Error{"the chunks of document " + std::to_string(document_id) +
                 " are stored but the vector index could not take them: " + s.message()};
  }
  return change;
}

Status VectorIndexSet::delete_document(int64_t document_id) {
  auto doc = store_.get_document(document_id);
  if (!doc) return doc.status();
  auto c = store_.get_collection(doc->collection_id);
  if (!c) return c.status();
  if (!c->has_embeddings()) return store_.delete_document(document_id).status();
  auto e = entry(c->id);
  if (!e) return e.status();
  Status s = Status::ok();
  {
    std::lock_guard write(e->get()->write_mu);
    auto removed = store_.delete_document(document_id);
    if (!removed) return removed.status();
    s = (*e)->index->remove(*removed);
  }
  if (notifier_) notifier_(c->id);
  return s;
}

Result<Collection> VectorIndexSet::update_collection(int64_t collection_id, const CollectionUpdate& update) {
  auto updated = store_.update_collection(collection_id, update);
  if (updated) {
    close(collection_id);
    if (notifier_) notifier_(collection_id);
  }
  return updated;
}

Status VectorIndexSet::delete_collection(int64_t collection_id) {
  {
    std::lock_guard lock(mu_);
    if (Status s = store_.delete_collection(collection_id); !s) return s;
    entries_.erase(collection_id);
    const std::string path = index_path(collection_id);
    std::error_code ec;
    for (const std::string& p : {path, path + ".meta", path + ".tmp", path + ".meta.tmp"}) fs::remove(p, ec);
  }
  if (notifier_) notifier_(collection_id);
  return Status::ok();
}

Status VectorIndexSet::save_entry(int64_t collection_id, Entry& e) {
  const uint64_t version = e.index->version();
  if (version == e.saved_version) return Status::ok();
  if (Status s = e.index->save(index_path(collection_id)); !s) return s;
  e.saved_version = version;
  return Status::ok();
}

Status VectorIndexSet::save(int64_t collection_id) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(collection_id);
    if (it == entries_.end()) return Status::ok();
    e = it->second;
  }
  std::lock_guard write(e->write_mu);
  return save_entry(collection_id, *e);
}

Status VectorIndexSet::save_all() {
  std::map<int64_t, std::shared_ptr<Entry>> open;
  {
    std::lock_guard lock(mu_);
    open = entries_;
  }
  Status first = Status::ok();
  for (auto& [id, e] : open) {
    std::lock_guard write(e->write_mu);
    if (Status s = save_entry(id, *e); !s && first) first = s;
  }
  return first;
}

void VectorIndexSet::close(int64_t collection_id) {
  std::lock_guard lock(mu_);
  entries_.erase(collection_id);
}

void VectorIndexSet::close_all() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace pg::rag
