// Helpers shared by the collection store's source files: error messages with
// the conventional prefixes, argument checks, reading rows into records, binding
// a collection's settings and the SQL of a document filter. Internal to
// src/rag/collection_store*.cpp; nothing here takes the database lock (the
// callers hold it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rag/collection_store.h"

namespace pg::rag::detail {

inline Status not_found(const std::string& what) { return Status::not_found("not found: " + what); }
inline Status conflict(const std::string& what) { return Status::conflict("conflict: " + what); }
inline Error invalid(const std::string& what) { return Error{"invalid: " + what}; }

// Empty when `text` is acceptable as a name/tag/key: 1..max_bytes bytes, no
// control characters; else what is wrong with it.
std::string check_label(std::string_view what, std::string_view text, size_t max_bytes);

// SELECT list and FROM clause of a collection row with its counts.
extern const char* const kCollectionSelect;
Collection read_collection(const store::Statement& st);
// Binds a collection's settings to parameters 1..7 in the column order name,
// description, embedding_model, embedding_dim, chunk_unit, chunk_size,
// chunk_overlap (as INSERT and UPDATE list them). C: Collection or NewCollection.
template <typename C>
store::Statement& bind_collection(store::Statement& st, const C& c) {
  return st.bind(1, c.name)
      .bind(2, c.description)
      .bind(3, c.embedding_model)
      .bind(4, c.embedding_dim)
      .bind(5, c.chunking.unit)
      .bind(6, c.chunking.size)
      .bind(7, c.chunking.overlap);
}

// SELECT list and FROM clause of a document row (alias d) with its chunk count.
extern const char* const kDocumentSelect;
DocumentRecord read_document(const store::Statement& st);
// Fills tags and metadata of one document.
Status load_labels(store::Database& db, DocumentRecord& d);

// " AND EXISTS (...)" conditions on documents alias d for a filter; the
// parameters they use are bound from index `first` on by bind_filter.
std::string filter_sql(const DocumentFilter& filter, int first);
void bind_filter(store::Statement& st, const DocumentFilter& filter, int first);

// SELECT list and FROM clause of a chunk row (alias k).
extern const char* const kChunkSelect;
ChunkRecord read_chunk(const store::Statement& st);

// Column 0 of every row (chunk ids).
Result<std::vector<int64_t>> read_ids(store::Statement& st);

}  // namespace pg::rag::detail
