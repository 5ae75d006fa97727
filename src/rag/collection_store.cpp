// Collections and documents of the collection store; see collection_store.h.
// Chunks and the retrieval queries are in collection_store_chunks.cpp.
#include "rag/collection_store.h"

#include "rag/collection_store_sql.h"
#include "store/query.h"
#include "util/unix_time.h"

namespace pg::rag {

using detail::check_label;
using detail::conflict;
using detail::invalid;
using detail::not_found;

namespace {

constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxDescriptionBytes = 10000;
constexpr size_t kMaxLabelBytes = 256;
constexpr size_t kMaxMetadataValueBytes = 4096;
constexpr int kMaxEmbeddingDim = 16384;
constexpr int kMaxChunkSize = 1'000'000;

std::string check_chunking(const ChunkingSettings& c) {
  if (c.unit != "tokens" && c.unit != "characters")
    return "chunk unit '" + c.unit + "' (expected 'tokens' or 'characters')";
  if (c.size < 1 || c.size > kMaxChunkSize)
    return "chunk size " + std::to_string(c.size) + " (expected 1.." + std::to_string(kMaxChunkSize) + ")";
  if (c.overlap < 0 || c.overlap >= c.size)
    return "chunk overlap " + std::to_string(c.overlap) + " (expected 0.." + std::to_string(c.size - 1) + ")";
  return {};
}

std::string check_embedding(const std::string& model, int dim) {
  if (model.empty() != (dim == 0))
    return "embedding model '" + model + "' with dimension " + std::to_string(dim) +
           " (a model needs a dimension > 0, no model needs 0)";
  if (dim < 0 || dim > kMaxEmbeddingDim)
    return "embedding dimension " + std::to_string(dim) + " (expected 0.." + std::to_string(kMaxEmbeddingDim) + ")";
  if (!model.empty()) {
    if (std::string e = check_label("embedding model name", model, kMaxNameBytes); !e.empty()) return e;
  }
  return {};
}

std::string check_tags(const std::vector<std::string>& tags) {
  for (const std::string& t : tags)
    if (std::string e = check_label("tag", t, kMaxLabelBytes); !e.empty()) return e;
  return {};
}

std::string check_metadata(const std::map<std::string, std::string>& metadata) {
  for (const auto& [key, value] : metadata) {
    if (std::string e = check_label("metadata key", key, kMaxLabelBytes); !e.empty()) return e;
    if (value.size() > kMaxMetadataValueBytes)
      return "metadata value of '" + key + "' is " + std::to_string(value.size()) + " bytes (at most " +
             std::to_string(kMaxMetadataValueBytes) + ")";
  }
  return {};
}

bool is_document_status(std::string_view s) {
  return s == "pending" || s == "indexing" || s == "indexed" || s == "failed";
}

Result<Collection> one_collection(store::Database& db, const std::string& where, const auto& key,
                                  const std::string& described) {
  return detail::one_row(db, std::string(detail::kCollectionSelect) + " WHERE " + where, detail::read_collection, key,
                         described);
}

// The documents `st` selects (kDocumentSelect), each with its tags and metadata.
Result<std::vector<DocumentRecord>> labelled_documents(store::Database& db, store::Statement& st) {
  auto out = store::read_rows(st, detail::read_document);
  if (!out) return out;
  for (DocumentRecord& d : *out)
    if (Status s = detail::load_labels(db, d); !s) return Error{s.message()};
  return out;
}

// Replaces the rows of `table` of one document: deletes them, then inserts
// one per element of `rows` with `bind_row(statement, element)` binding ?2 on.
template <typename Rows, typename BindRow>
Status replace_rows(store::Database& db, const std::string& table, const std::string& insert_sql, int64_t document_id,
                    const Rows& rows, BindRow bind_row) {
  if (Status s = store::execute(db, "DELETE FROM " + table + " WHERE document_id = ?", document_id); !s) return s;
  auto ins = db.prepare(insert_sql);
  if (!ins) return ins.status();
  for (const auto& row : rows) {
    ins->reset();
    bind_row(ins->bind(1, document_id), row);
    if (Status s = ins->run(); !s) return s;
  }
  return Status::ok();
}

Status write_tags(store::Database& db, int64_t document_id, const std::vector<std::string>& tags) {
  return replace_rows(db, "document_tags",
                      "INSERT INTO document_tags (document_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", document_id,
                      tags, [](store::Statement& st, const std::string& tag) { st.bind(2, tag); });
}

Status write_metadata(store::Database& db, int64_t document_id, const std::map<std::string, std::string>& metadata) {
  return replace_rows(db, "document_metadata", "INSERT INTO document_metadata (document_id, key, value) VALUES (?, ?, ?)",
                      document_id, metadata, [](store::Statement& st, const auto& pair) {
                        store::bind_values_at(st, 2, pair.first, pair.second);
                      });
}

// Changes one document's labels with `write` and touches it, in one transaction.
template <typename Write>
Status relabel_document(store::Database& db, int64_t document_id, Write write) {
  return db.transaction([&]() -> Status {
    if (Status s = write(db, document_id); !s) return s;
    return detail::touch_document(db, document_id);
  });
}

}  // namespace

// --- collections

Result<Collection> CollectionStore::create_collection(const NewCollection& c) {
  if (std::string e = check_label("collection name", c.name, kMaxNameBytes); !e.empty()) return invalid(e);
  if (c.description.size() > kMaxDescriptionBytes)
    return invalid("description of collection '" + c.name + "' is " + std::to_string(c.description.size()) +
                   " bytes (at most " + std::to_string(kMaxDescriptionBytes) + ")");
  if (std::string e = check_embedding(c.embedding_model, c.embedding_dim); !e.empty())
    return invalid("collection '" + c.name + "': " + e);
  if (std::string e = check_chunking(c.chunking); !e.empty()) return invalid("collection '" + c.name + "': " + e);
  auto lock = db_.lock();
  if (auto existing = find_collection(c.name); existing)
    return conflict("a collection named '" + c.name + "' already exists");
  const int64_t now = unix_time_now();
  auto st = db_.prepare(
      "INSERT INTO collections (name, description, embedding_model, embedding_dim, chunk_unit, chunk_size, "
      "chunk_overlap, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return Error{st.error()};
  if (Status s = store::bind_values_at(detail::bind_collection(*st, c), 8, now, now).run(); !s) {
    if (store::is_unique_violation(s.message()))
      return conflict("a collection named '" + c.name + "' already exists");
    return Error{"cannot create collection '" + c.name + "': " + s.message()};
  }
  return get_collection(db_.last_insert_id());
}

Result<std::vector<Collection>> CollectionStore::list_collections() {
  auto lock = db_.lock();
  return store::query_rows(db_, std::string(detail::kCollectionSelect) + " ORDER BY c.name", detail::read_collection);
}

Result<Collection> CollectionStore::get_collection(int64_t id) {
  auto lock = db_.lock();
  return one_collection(db_, "c.id = ?", id, "collection " + std::to_string(id));
}

Result<Collection> CollectionStore::find_collection(std::string_view name) {
  auto lock = db_.lock();
  return one_collection(db_, "c.name = ?", name, "collection '" + std::string(name) + "'");
}

Result<Collection> CollectionStore::update_collection(int64_t id, const CollectionUpdate& u) {
  auto lock = db_.lock();
  auto current = get_collection(id);
  if (!current) return current;
  Collection c = *current;
  const std::string described = "collection '" + c.name + "'";
  if (u.name) {
    if (std::string e = check_label("collection name", *u.name, kMaxNameBytes); !e.empty()) return invalid(e);
    if (*u.name != c.name) {
      if (auto other = find_collection(*u.name); other)
        return conflict("a collection named '" + *u.name + "' already exists");
    }
    c.name = *u.name;
  }
  if (u.description) {
    if (u.description->size() > kMaxDescriptionBytes)
      return invalid("description of " + described + " is " + std::to_string(u.description->size()) +
                     " bytes (at most " + std::to_string(kMaxDescriptionBytes) + ")");
    c.description = *u.description;
  }
  if (u.embedding_model) c.embedding_model = *u.embedding_model;
  if (u.embedding_dim) c.embedding_dim = *u.embedding_dim;
  if (u.chunking) c.chunking = *u.chunking;
  if (std::string e = check_embedding(c.embedding_model, c.embedding_dim); !e.empty())
    return invalid(described + ": " + e);
  if (std::string e = check_chunking(c.chunking); !e.empty()) return invalid(described + ": " + e);

  const bool embedding_changed =
      c.embedding_model != current->embedding_model || c.embedding_dim != current->embedding_dim;
  const bool chunking_changed = c.chunking.unit != current->chunking.unit ||
                                c.chunking.size != current->chunking.size ||
                                c.chunking.overlap != current->chunking.overlap;
  if ((embedding_changed || chunking_changed) && current->document_count > 0 && !u.reindex)
    return conflict(described + " has " + std::to_string(current->document_count) +
                    " documents: changing its embedding model or chunking needs a re-index of all of them");

  Status s = db_.transaction([&]() -> Status {
    auto st = db_.prepare(
        "UPDATE collections SET name = ?, description = ?, embedding_model = ?, embedding_dim = ?, chunk_unit = ?, "
        "chunk_size = ?, chunk_overlap = ?, updated_at = ? WHERE id = ?");
    if (!st) return st.status();
    if (Status r = store::bind_values_at(detail::bind_collection(*st, c), 8, unix_time_now(), id).run(); !r) return r;
    if (!(embedding_changed || chunking_changed) || current->document_count == 0) return Status::ok();
    if (Status r = store::execute(
            db_, "UPDATE documents SET status = 'pending', error = '', updated_at = ? WHERE collection_id = ?",
            unix_time_now(), id);
        !r)
      return r;
    if (!embedding_changed) return Status::ok();
    return store::execute(
        db_, "UPDATE chunks SET embedding = NULL WHERE document_id IN (SELECT id FROM documents WHERE collection_id = ?)",
        id);
  });
  if (!s) {
    if (store::is_unique_violation(s.message()))
      return conflict("a collection named '" + c.name + "' already exists");
    return Error{"cannot update " + described + ": " + s.message()};
  }
  return get_collection(id);
}

Status CollectionStore::delete_collection(int64_t id) {
  auto lock = db_.lock();
  auto st = db_.prepare("DELETE FROM collections WHERE id = ?");
  if (!st) return st.status();
  if (Status s = st->bind(1, id).run(); !s)
    return Status::error("cannot delete collection " + std::to_string(id) + ": " + s.message());
  if (db_.changes() == 0) return not_found("collection " + std::to_string(id));
  return Status::ok();
}

// --- documents

Result<DocumentRecord> CollectionStore::add_document(int64_t collection_id, const NewDocument& d) {
  if (std::string e = check_label("file name", d.file_name, 1024); !e.empty()) return invalid(e);
  if (std::string e = check_label("format", d.format, 32); !e.empty())
    return invalid("document '" + d.file_name + "': " + e);
  if (d.size_bytes < 0)
    return invalid("document '" + d.file_name + "': size " + std::to_string(d.size_bytes) + " is negative");
  if (std::string e = check_tags(d.tags); !e.empty()) return invalid("document '" + d.file_name + "': " + e);
  if (std::string e = check_metadata(d.metadata); !e.empty()) return invalid("document '" + d.file_name + "': " + e);
  auto lock = db_.lock();
  if (auto c = get_collection(collection_id); !c) return Error{c.error()};
  int64_t id = 0;
  Status s = db_.transaction([&]() -> Status {
    const int64_t now = unix_time_now();
    if (Status r = store::execute(db_,
                                  "INSERT INTO documents (collection_id, file_name, format, size_bytes, sha256, status, "
                                  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                                  collection_id, d.file_name, d.format, d.size_bytes, d.sha256, now, now);
        !r)
      return r;
    id = db_.last_insert_id();
    if (Status r = write_tags(db_, id, d.tags); !r) return r;
    return write_metadata(db_, id, d.metadata);
  });
  if (!s) return Error{"cannot add document '" + d.file_name + "': " + s.message()};
  return get_document(id);
}

Status CollectionStore::set_document_status(int64_t id, std::string_view status, std::string_view error,
                                            std::optional<std::string> title, std::optional<int> page_count) {
  if (!is_document_status(status))
    return Status::error("invalid: document status '" + std::string(status) +
                         "' (expected pending, indexing, indexed or failed)");
  if (page_count && *page_count < 0)
    return Status::error("invalid: page count " + std::to_string(*page_count) + " of document " + std::to_string(id));
  auto lock = db_.lock();
  auto st = db_.prepare(
      "UPDATE documents SET status = ?, error = ?, title = coalesce(?, title), page_count = coalesce(?, page_count), "
      "updated_at = ? WHERE id = ?");
  if (!st) return st.status();
  std::optional<int64_t> pages;
  if (page_count) pages = *page_count;
  if (Status s = store::bind_values(*st, status, error, title, pages, unix_time_now(), id).run(); !s)
    return Status::error("cannot set the status of document " + std::to_string(id) + ": " + s.message());
  if (db_.changes() == 0) return not_found("document " + std::to_string(id));
  return Status::ok();
}

Result<DocumentRecord> CollectionStore::get_document(int64_t id) {
  auto lock = db_.lock();
  auto d = detail::one_row(db_, std::string(detail::kDocumentSelect) + " WHERE d.id = ?", detail::read_document, id,
                           "document " + std::to_string(id));
  if (!d) return d;
  if (Status s = detail::load_labels(db_, *d); !s) return Error{s.message()};
  return d;
}

Result<std::vector<DocumentRecord>> CollectionStore::list_documents(int64_t collection_id,
                                                                    const DocumentFilter& filter) {
  auto lock = db_.lock();
  if (auto c = get_collection(collection_id); !c) return Error{c.error()};
  auto st = db_.prepare(std::string(detail::kDocumentSelect) + " WHERE d.collection_id = ?1" +
                        detail::filter_sql(filter, 2) + " ORDER BY d.id");
  if (!st) return Error{st.error()};
  st->bind(1, collection_id);
  detail::bind_filter(*st, filter, 2);
  return labelled_documents(db_, *st);
}

Result<std::vector<DocumentRecord>> CollectionStore::find_documents_by_sha256(int64_t collection_id,
                                                                              std::string_view sha256) {
  auto lock = db_.lock();
  auto st = db_.prepare(std::string(detail::kDocumentSelect) + " WHERE d.collection_id = ? AND d.sha256 = ? ORDER BY d.id");
  if (!st) return Error{st.error()};
  return labelled_documents(db_, store::bind_values(*st, collection_id, sha256));
}

Status CollectionStore::set_tags(int64_t document_id, const std::vector<std::string>& tags) {
  if (std::string e = check_tags(tags); !e.empty())
    return Status::error("invalid: document " + std::to_string(document_id) + ": " + e);
  auto lock = db_.lock();
  if (auto d = get_document(document_id); !d) return d.status();
  return relabel_document(db_, document_id, [&](store::Database& db, int64_t id) { return write_tags(db, id, tags); });
}

Status CollectionStore::set_metadata(int64_t document_id, const std::map<std::string, std::string>& metadata) {
  if (std::string e = check_metadata(metadata); !e.empty())
    return Status::error("invalid: document " + std::to_string(document_id) + ": " + e);
  auto lock = db_.lock();
  if (auto d = get_document(document_id); !d) return d.status();
  return relabel_document(db_, document_id,
                          [&](store::Database& db, int64_t id) { return write_metadata(db, id, metadata); });
}

Result<std::vector<int64_t>> CollectionStore::delete_document(int64_t id) {
  auto lock = db_.lock();
  if (auto d = get_document(id); !d) return Error{d.error()};
  std::vector<int64_t> removed;
  Status s = db_.transaction([&]() -> Status {
    auto chunk_ids = detail::embedded_chunk_ids_of_document(db_, id);
    if (!chunk_ids) return chunk_ids.status();
    removed = std::move(*chunk_ids);
    return store::execute(db_, "DELETE FROM documents WHERE id = ?", id);
  });
  if (!s) return Error{"cannot delete document " + std::to_string(id) + ": " + s.message()};
  return removed;
}

}  // namespace pg::rag
