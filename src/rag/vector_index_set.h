// The open vector indexes of the collections that have an embedding model,
// one per collection, opened on first use and kept in step with SQLite, which
// is the truth: at open, the file DIR/collection-<id>.hnsw (+ .meta) is
// loaded and checked; when it is missing, damaged or of another dimension the
// index is rebuilt from the chunks' embeddings in SQLite; when it is valid
// but its chunk ids differ from SQLite's (a crash before the last save) the
// differences are applied (or it is rebuilt when most of it differs).
// Chunk writes and deletions of such collections go through this class so
// that SQLite and the index change together (one writer per collection at a
// time); searches run concurrently with them. Saving is explicit (save /
// save_all, e.g. after each ingested document or on a timer) and done by the
// destructor; an unsaved change is recovered from SQLite at the next open.
// Owned by the server (no globals). Never call it while holding db.lock().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rag/collection_store.h"
#include "rag/vector_index.h"

namespace pg::rag {

struct IndexOpenInfo {
  enum class Kind { Loaded, CaughtUp, Rebuilt };
  Kind kind = Kind::Loaded;
  std::string reason;   // why it was not simply loaded ("" when it was)
  size_t entries = 0;   // live vectors after opening
  double seconds = 0;   // time the open took
};

class VectorIndexSet {
 public:
  VectorIndexSet(CollectionStore& store, std::string directory, VectorIndexParams params = {});
  ~VectorIndexSet();  // saves what changed; errors are dropped (the next open recovers from SQLite)
  VectorIndexSet(const VectorIndexSet&) = delete;
  VectorIndexSet& operator=(const VectorIndexSet&) = delete;

  // The collection's open index. Error when the collection does not exist
  // ("not found: ...") or has no embedding model.
  Result<std::shared_ptr<VectorIndex>> index(int64_t collection_id);
  // How the index was opened (absent when it is not open).
  std::optional<IndexOpenInfo> open_info(int64_t collection_id) const;

  // CollectionStore::replace_chunks, with the index updated to match.
  Result<ChunkReplacement> replace_chunks(int64_t document_id, const std::vector<NewChunk>& chunks);
  // CollectionStore::delete_document, with its vectors removed.
  Status delete_document(int64_t document_id);
  // CollectionStore::update_collection; the index is closed and reopened on
  // next use (an embedding change empties or re-dimensions it).
  Result<Collection> update_collection(int64_t collection_id, const CollectionUpdate& update);
  // CollectionStore::delete_collection, and the index files are removed.
  Status delete_collection(int64_t collection_id);

  // Writes the collection's index when it changed since it was last written.
  Status save(int64_t collection_id);
  Status save_all();
  // Forgets the open index without saving (tests; after outside changes).
  void close(int64_t collection_id);
  // Forgets every open index (after notifications may have been missed).
  void close_all();
  // Called after each change this set made to a collection's chunks or
  // settings (never while a lock is held): with several instances on one
  // PostgreSQL database, the server announces it so that the others close
  // their copy of that index and catch up from the database at next use.
  void set_change_notifier(std::function<void(int64_t collection_id)> notifier) { notifier_ = std::move(notifier); }

  std::string index_path(int64_t collection_id) const;

 private:
  struct Entry {
    std::shared_ptr<VectorIndex> index;
    IndexOpenInfo info;
    uint64_t saved_version = 0;
    std::mutex write_mu;  // one writer (chunk change or save) at a time
  };
  Result<std::shared_ptr<Entry>> entry(int64_t collection_id);
  Result<std::shared_ptr<Entry>> open(const Collection& c);
  Status save_entry(int64_t collection_id, Entry& e);

  CollectionStore& store_;
  std::string directory_;
  VectorIndexParams params_;
  std::function<void(int64_t)> notifier_;
  mutable std::mutex mu_;  // guards entries_; held while an index opens
  std::map<int64_t, std::shared_ptr<Entry>> entries_;
};

}  // namespace pg::rag
