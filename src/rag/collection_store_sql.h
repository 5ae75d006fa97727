// Helpers shared by the collection store's source files: error messages with
// the conventional prefixes, argument checks, reading rows into records, binding
// a collection's settings, the SQL of a document filter and the small queries
// more than one of them runs. Internal to
// src/rag/collection_store*.cpp; nothing here takes the database lock (the
// callers hold it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rag/collection_store.h"
#include "store/query.h"

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
// chunk_overlap (as INSERT and UPDATE list them).
inline store::Statement& bind_collection(store::Statement& st, const NewCollection& c) {
  return store::bind_values(st, c.name, c.description, c.embedding_model, c.embedding_dim, c.chunking.unit,
                            c.chunking.size, c.chunking.overlap);
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

// What `read` makes of the first row of `sql` with `key` bound to ?1, or
// "not found: <described>" when there is none.
template <typename Read>
auto one_row(store::Database& db, const std::string& sql, Read read, const auto& key, const std::string& described)
    -> Result<std::invoke_result_t<Read&, const store::Statement&>> {
  auto row = store::query_first(db, sql, read, key);
  if (!row) return Error{row.error()};
  if (!*row) return not_found(described);
  return std::move(**row);
}

// Sets a document's updated_at to now.
Status touch_document(store::Database& db, int64_t document_id);

// Column 0 of every row (chunk ids).
Result<std::vector<int64_t>> read_ids(store::Statement& st);
// The ids of one document's chunks that have an embedding, ascending.
Result<std::vector<int64_t>> embedded_chunk_ids_of_document(store::Database& db, int64_t document_id);

}  // namespace pg::rag::detail
