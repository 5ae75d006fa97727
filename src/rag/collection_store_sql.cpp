// Shared helpers of the collection store; see collection_store_sql.h.
#include "rag/collection_store_sql.h"

#include "store/statement_rows.h"

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
  c.id = st.int64(0);
  c.name = st.text(1);
  c.description = st.text(2);
  c.embedding_model = st.text(3);
  c.embedding_dim = static_cast<int>(st.int64(4));
  c.chunking.unit = st.text(5);
  c.chunking.size = static_cast<int>(st.int64(6));
  c.chunking.overlap = static_cast<int>(st.int64(7));
  c.created_unix = st.int64(8);
  c.updated_unix = st.int64(9);
  c.document_count = st.int64(10);
  c.chunk_count = st.int64(11);
  return c;
}

const char* const kDocumentSelect =
    "SELECT d.id, d.collection_id, d.file_name, d.format, d.size_bytes, d.sha256, d.title, d.page_count, d.status, "
    "d.error, d.created_at, d.updated_at, (SELECT count(*) FROM chunks k WHERE k.document_id = d.id) "
    "FROM documents d";

DocumentRecord read_document(const store::Statement& st) {
  DocumentRecord d;
  d.id = st.int64(0);
  d.collection_id = st.int64(1);
  d.file_name = st.text(2);
  d.format = st.text(3);
  d.size_bytes = st.int64(4);
  d.sha256 = st.text(5);
  d.title = st.text(6);
  d.page_count = static_cast<int>(st.int64(7));
  d.status = st.text(8);
  d.error = st.text(9);
  d.created_unix = st.int64(10);
  d.updated_unix = st.int64(11);
  d.chunk_count = st.int64(12);
  return d;
}

Status load_labels(store::Database& db, DocumentRecord& d) {
  auto tags = db.prepare("SELECT tag FROM document_tags WHERE document_id = ? ORDER BY tag");
  if (!tags) return tags.status();
  tags->bind(1, d.id);
  d.tags.clear();
  if (Status s = store::for_each_row(*tags, [&](const store::Statement& row) { d.tags.push_back(row.text(0)); }); !s)
    return s;
  auto meta = db.prepare("SELECT key, value FROM document_metadata WHERE document_id = ?");
  if (!meta) return meta.status();
  meta->bind(1, d.id);
  d.metadata.clear();
  return store::for_each_row(*meta, [&](const store::Statement& row) { d.metadata[row.text(0)] = row.text(1); });
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

ChunkRecord read_chunk(const store::Statement& st) {
  ChunkRecord c;
  c.id = st.int64(0);
  c.document_id = st.int64(1);
  c.index = static_cast<int>(st.int64(2));
  c.text = st.text(3);
  c.page_start = static_cast<int>(st.int64(4));
  c.page_end = static_cast<int>(st.int64(5));
  c.heading_path = st.text(6);
  c.char_start = st.int64(7);
  c.char_end = st.int64(8);
  c.token_count = static_cast<int>(st.int64(9));
  return c;
}

}  // namespace pg::rag::detail
