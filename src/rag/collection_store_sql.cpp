// Shared helpers of the collection store; see collection_store_sql.h.
#include "rag/collection_store_sql.h"

#include "store/query.h"
#include "util/unix_time.h"

namespace pg::rag::detail {

std::string check_label(std::string_view what, std::string_view text, size_t max_bytes) {
  if (text.empty()) return std::string(what) + " is empty";
  if (text.size() > max_bytes)
    return std::string(what) + " is " + std::to_string(text.size()) + " bytes long (at most " +
           std::to_string(max_bytes) + ")";
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return std::string(what) + " '" + std::string(text) + "' contains a control character";
  return {};
}

const char* const kCollectionSelect =
    "SELECT c.id, c.name, c.description, c.embedding_model, c.embedding_dim, c.chunk_unit, c.chunk_size, "
    "c.chunk_overlap, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM documents d WHERE d.collection_id = c.id), "
    "(SELECT count(*) FROM documents d JOIN chunks k ON k.document_id = d.id WHERE d.collection_id = c.id) "
    "FROM collections c";

Collection read_collection(const store::Statement& st) {
  Collection c;
  store::read_columns(st, c.id, c.name, c.description, c.embedding_model, c.embedding_dim, c.chunking.unit,
                      c.chunking.size, c.chunking.overlap, c.created_unix, c.updated_unix, c.document_count,
                      c.chunk_count);
  return c;
}

const char* const kDocumentSelect =
    "SELECT d.id, d.collection_id, d.file_name, d.format, d.size_bytes, d.sha256, d.title, d.page_count, d.status, "
    "d.error, d.created_at, d.updated_at, (SELECT count(*) FROM chunks k WHERE k.document_id = d.id) "
    "FROM documents d";

DocumentRecord read_document(const store::Statement& st) {
  DocumentRecord d;
  store::read_columns(st, d.id, d.collection_id, d.file_name, d.format, d.size_bytes, d.sha256, d.title, d.page_count,
                      d.status, d.error, d.created_unix, d.updated_unix, d.chunk_count);
  return d;
}

Status load_labels(store::Database& db, DocumentRecord& d) {
  auto tags = store::query_rows(db, "SELECT tag FROM document_tags WHERE document_id = ? ORDER BY tag",
                                 [](const store::Statement& row) { return row.text(0); }, d.id);
  if (!tags) return tags.status();
  d.tags = std::move(*tags);
  auto meta = store::query_rows(db, "SELECT key, value FROM document_metadata WHERE document_id = ?",
                                 [](const store::Statement& row) { return std::pair(row.text(0), row.text(1)); }, d.id);
  if (!meta) return meta.status();
  d.metadata = std::map<std::string, std::string>(meta->begin(), meta->end());
  return Status::ok();
}

std::string filter_sql(const DocumentFilter& filter, int first) {
  std::string sql;
  int p = first;
  for (size_t i = 0; i < filter.tags.size(); ++i)
    sql += " AND EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag = ?" +
           std::to_string(p++) + ")";
  for (size_t i = 0; i < filter.metadata.size(); ++i) {
    sql += " AND EXISTS (SELECT 1 FROM document_metadata m WHERE m.document_id = d.id AND m.key = ?" +
           std::to_string(p) + " AND m.value = ?" + std::to_string(p + 1) + ")";
    p += 2;
  }
  return sql;
}

void bind_filter(store::Statement& st, const DocumentFilter& filter, int first) {
  int p = first;
  for (const std::string& tag : filter.tags) st.bind(p++, tag);
  for (const auto& [key, value] : filter.metadata) {
    st.bind(p++, key);
    st.bind(p++, value);
  }
}

const char* const kChunkSelect =
    "SELECT k.id, k.document_id, k.chunk_index, k.text, k.page_start, k.page_end, k.heading_path, k.char_start, "
    "k.char_end, k.token_count FROM chunks k";

Result<std::vector<int64_t>> read_ids(store::Statement& st) {
  return store::read_rows(st, [](const store::Statement& row) { return row.int64(0); });
}

Status touch_document(store::Database& db, int64_t document_id) {
  return store::execute(db, "UPDATE documents SET updated_at = ? WHERE id = ?", unix_time_now(), document_id);
}

Result<std::vector<int64_t>> embedded_chunk_ids_of_document(store::Database& db, int64_t document_id) {
  auto st = db.prepare("SELECT id FROM chunks WHERE document_id = ? AND embedding IS NOT NULL ORDER BY id");
  if (!st) return Error{st.error()};
  return read_ids(st->bind(1, document_id));
}

ChunkRecord read_chunk(const store::Statement& st) {
  ChunkRecord c;
  store::read_columns(st, c.id, c.document_id, c.index, c.text, c.page_start, c.page_end, c.heading_path, c.char_start,
                      c.char_end, c.token_count);
  return c;
}

}  // namespace pg::rag::detail
