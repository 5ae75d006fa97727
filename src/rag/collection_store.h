// Collections, their documents (tags, key/value metadata, status) and the
// documents' chunks (text, page range, heading path, offsets, embedding) in
// the server's SQLite database, with the FTS5 index over chunk text kept in
// step by triggers (schema: migration 2 in src/store/migrations.cpp).
// Every operation takes the database lock for its whole duration; a chunk
// replacement is one transaction. Chunk ids are never reused (AUTOINCREMENT),
// which is what lets the vector index tell a stale file by its label set.
// Errors: "not found: ..." for a missing collection/document/chunk,
// "conflict: ..." for a duplicate name or a forbidden settings change,
// "invalid: ..." for a bad argument. Never throws, never holds vectors of a
// whole collection in memory at once (embeddings are streamed in batches).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace pg::rag {

// Chunking as stored with a collection; unit is "tokens" or "characters".
// The chunker's ChunkingOptions are mapped from these by the caller.
struct ChunkingSettings {
  std::string unit = "tokens";
  int size = 256;
  int overlap = 32;
};

struct NewCollection {
  std::string name;
  std::string description;
  std::string embedding_model;  // "" = BM25 only
  int embedding_dim = 0;        // 0 exactly when embedding_model is ""
  ChunkingSettings chunking;
};

// A stored collection: the settings it was created with (as changed since),
// its id, times and counts.
struct Collection : NewCollection {
  int64_t id = 0;
  int64_t created_unix = 0;
  int64_t updated_unix = 0;
  int64_t document_count = 0;
  int64_t chunk_count = 0;
  bool has_embeddings() const { return !embedding_model.empty(); }
};

// Fields left empty are kept. Changing the embedding model/dimension or the
// chunking of a collection that has documents is refused ("conflict:")
// unless reindex is set: then every document goes back to status 'pending'
// and, when the embedding changed, every chunk's embedding is cleared (BM25
// keeps working until the documents are re-indexed).
struct CollectionUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> embedding_model;
  std::optional<int> embedding_dim;
  std::optional<ChunkingSettings> chunking;
  bool reindex = false;
};

struct NewDocument {
  std::string file_name;
  std::string format;  // "pdf", "text", "markdown"
  int64_t size_bytes = 0;
  std::string sha256;
  std::vector<std::string> tags;
  std::map<std::string, std::string> metadata;
};

struct DocumentRecord {
  int64_t id = 0;
  int64_t collection_id = 0;
  std::string file_name;
  std::string format;
  std::string sha256;
  std::string title;
  std::string status;  // pending | indexing | indexed | failed
  std::string error;
  int64_t size_bytes = 0;
  int page_count = 0;
  std::vector<std::string> tags;                // sorted
  std::map<std::string, std::string> metadata;
  int64_t created_unix = 0;
  int64_t updated_unix = 0;
  int64_t chunk_count = 0;
};

// Which documents of a collection: all listed tags, and every key=value pair.
struct DocumentFilter {
  std::vector<std::string> tags;
  std::map<std::string, std::string> metadata;
  bool empty() const { return tags.empty() && metadata.empty(); }
};

// What a chunk is, both as written (NewChunk) and as read back (ChunkRecord):
// its place in the document and its text.
struct ChunkFields {
  int index = 0;
  std::string text;
  int page_start = 1;
  int page_end = 1;
  std::string heading_path;
  int64_t char_start = 0;
  int64_t char_end = 0;
  int token_count = 0;
};

struct NewChunk : ChunkFields {
  std::vector<float> embedding;  // empty = none; else exactly the collection's dimension
};

struct ChunkRecord : ChunkFields {
  int64_t id = 0;
  int64_t document_id = 0;
};

// What replace_chunks changed, for the vector index: the ids that went away,
// and the new chunks that carry an embedding (ids in `added_ids`, vectors
// concatenated in `added_vectors`, dim floats each).
struct ChunkReplacement {
  int64_t collection_id = 0;
  std::vector<int64_t> removed_ids;
  std::vector<int64_t> added_ids;
  std::vector<float> added_vectors;
};

// A BM25 match: the chunk id and SQLite's bm25() negated (higher is better).
struct Bm25Match {
  int64_t chunk_id = 0;
  double score = 0;
};

// One batch of stored embeddings: ids ascending, vectors dim floats each.
struct EmbeddingBatch {
  std::vector<int64_t> ids;
  std::vector<float> vectors;
};

class CollectionStore {
 public:
  explicit CollectionStore(store::Database& db) : db_(db) {}

  store::Database& database() { return db_; }

  // --- collections
  Result<Collection> create_collection(const NewCollection& c);
  Result<std::vector<Collection>> list_collections();
  Result<Collection> get_collection(int64_t id);
  Result<Collection> find_collection(std::string_view name);
  Result<Collection> update_collection(int64_t id, const CollectionUpdate& update);
  // Cascades to documents, tags, metadata, chunks and their FTS rows. The
  // caller drops the collection's vector index (VectorIndexSet does).
  Status delete_collection(int64_t id);

  // --- documents
  // Status 'pending'; tags and metadata validated (non-empty, ≤ 256 bytes).
  Result<DocumentRecord> add_document(int64_t collection_id, const NewDocument& d);
  // title/page_count are kept when not given.
  Status set_document_status(int64_t id, std::string_view status, std::string_view error = "",
                             std::optional<std::string> title = std::nullopt,
                             std::optional<int> page_count = std::nullopt);
  Result<DocumentRecord> get_document(int64_t id);
  // Oldest first.
  Result<std::vector<DocumentRecord>> list_documents(int64_t collection_id, const DocumentFilter& filter = {});
  // The documents of a collection with this content hash (for duplicate checks).
  Result<std::vector<DocumentRecord>> find_documents_by_sha256(int64_t collection_id, std::string_view sha256);
  Status set_tags(int64_t document_id, const std::vector<std::string>& tags);
  Status set_metadata(int64_t document_id, const std::map<std::string, std::string>& metadata);
  // Removes the document with its chunks (and their FTS rows); returns the
  // removed chunk ids that had embeddings, for the vector index.
  Result<std::vector<int64_t>> delete_document(int64_t id);

  // --- chunks
  // One transaction: the document's old chunks (and FTS rows) out, the new in.
  // Embeddings must match the collection (none without a model, else exactly
  // its dimension, finite values).
  Result<ChunkReplacement> replace_chunks(int64_t document_id, const std::vector<NewChunk>& chunks);
  Result<std::vector<ChunkRecord>> document_chunks(int64_t document_id);
  Result<ChunkRecord> get_chunk(int64_t id);
  // The chunks with these ids (missing ids are skipped), in the order given.
  Result<std::vector<ChunkRecord>> get_chunks(std::span<const int64_t> ids);

  // --- retrieval support
  // Chunks of a collection matching any word of `query` (what a user typed:
  // it is reduced to words, never used as query syntax), best first by BM25,
  // at most `limit`. SQLite: FTS5's bm25(). PostgreSQL: the same BM25 over the
  // same terms, computed in SQL (rag/postgres_fts.h).
  Result<std::vector<Bm25Match>> bm25_search(int64_t collection_id, std::string_view query,
                                             const DocumentFilter& filter, int limit);
  // PostgreSQL: writes the full-text terms of chunks that have none (chunks
  // copied by `playground migrate` or written before schema 5); returns how
  // many. SQLite: 0 (FTS5's triggers keep its index).
  Result<int64_t> index_search_terms();
  // Ids (ascending) of the collection's chunks of documents passing `filter`.
  Result<std::vector<int64_t>> chunk_ids(int64_t collection_id, const DocumentFilter& filter);
  // Ids (ascending) of the collection's chunks that have an embedding.
  Result<std::vector<int64_t>> embedded_chunk_ids(int64_t collection_id);
  // Embeddings of the given chunk ids (missing or embedding-less ids skipped).
  Result<EmbeddingBatch> embeddings_of(std::span<const int64_t> ids);
  // Streams every embedding of a collection in id order, `batch_size` rows
  // at a time; the database lock is taken per batch, not across the callback.
  Status for_each_embedding_batch(int64_t collection_id, int batch_size,
                                  const std::function<Status(const EmbeddingBatch&)>& consume);

 private:
  store::Database& db_;
};

// Float32 little-endian bytes, the BLOB format of chunks.embedding.
std::string encode_embedding(std::span<const float> v);
// False when the byte count is not dim * 4.
bool decode_embedding(std::string_view bytes, int dim, float* out);

}  // namespace pg::rag
