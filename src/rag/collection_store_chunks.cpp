// Chunks of the collection store and the queries retrieval needs (BM25 over
// FTS5, chunk id sets, stored embeddings); see collection_store.h.
//
// Embeddings are blobs of float32 little-endian (bind_blob / blob(): a BLOB in
// SQLite, a bytea in PostgreSQL).
#include <bit>
#include <cmath>
#include <cstring>

#include "rag/collection_store.h"
#include "rag/collection_store_sql.h"
#include "rag/fts_query.h"
#include "rag/postgres_fts.h"
#include "store/query.h"

namespace pg::rag {

using detail::invalid;

std::string encode_embedding(std::span<const float> v) {
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t bits = std::bit_cast<uint32_t>(v[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  return bytes;
}

bool decode_embedding(std::string_view bytes, int dim, float* out) {
  if (dim < 0 || bytes.size() != static_cast<size_t>(dim) * 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (int i = 0; i < dim; ++i) {
    const uint32_t bits = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
                          uint32_t(p[4 * i + 3]) << 24;
    out[i] = std::bit_cast<float>(bits);
  }
  return true;
}

namespace {

constexpr size_t kMaxChunkTextBytes = 1 << 20;

std::string check_chunk(const NewChunk& c, int dim, const std::string& where) {
  const std::string at = where + " chunk " + std::to_string(c.index);
  if (c.index < 0) return at + ": negative index";
  if (c.text.empty()) return at + ": no text";
  if (c.text.size() > kMaxChunkTextBytes)
    return at + ": text of " + std::to_string(c.text.size()) + " bytes (at most " +
           std::to_string(kMaxChunkTextBytes) + ")";
  if (c.page_start < 1 || c.page_end < c.page_start)
    return at + ": page range " + std::to_string(c.page_start) + ".." + std::to_string(c.page_end);
  if (c.char_start < 0 || c.char_end < c.char_start)
    return at + ": character range " + std::to_string(c.char_start) + ".." + std::to_string(c.char_end);
  if (c.token_count < 0) return at + ": negative token count";
  if (dim == 0 && !c.embedding.empty())
    return at + ": has an embedding but the collection has no embedding model";
  if (dim > 0 && c.embedding.size() != static_cast<size_t>(dim))
    return at + ": embedding of dimension " + std::to_string(c.embedding.size()) + ", the collection's is " +
           std::to_string(dim);
  double norm = 0;
  for (float x : c.embedding) {
    if (!std::isfinite(x)) return at + ": embedding has a non-finite value";
    norm += double(x) * x;
  }
  if (!c.embedding.empty() && !(norm > 0)) return at + ": embedding is all zeros";
  return {};
}

// Appends one row's embedding (column 1; id in column 0) to a batch.
Status append_embedding(const store::Statement& st, int dim, EmbeddingBatch& batch) {
  const int64_t id = st.int64(0);
  const std::string bytes = st.blob(1);
  const size_t at = batch.vectors.size();
  batch.vectors.resize(at + static_cast<size_t>(dim));
  if (!decode_embedding(bytes, dim, batch.vectors.data() + at))
    return Status::error("chunk " + std::to_string(id) + " has an embedding of " + std::to_string(bytes.size()) +
                         " bytes, expected " + std::to_string(dim * 4) + " (dimension " + std::to_string(dim) + ")");
  batch.ids.push_back(id);
  return Status::ok();
}

}  // namespace

Result<ChunkReplacement> CollectionStore::replace_chunks(int64_t document_id, const std::vector<NewChunk>& chunks) {
  auto lock = db_.lock();
  auto doc = get_document(document_id);
  if (!doc) return Error{doc.error()};
  auto collection = get_collection(doc->collection_id);
  if (!collection) return Error{collection.error()};
  const int dim = collection->embedding_dim;
  const std::string where = "document " + std::to_string(document_id) + " ('" + doc->file_name + "')";
  for (const NewChunk& c : chunks)
    if (std::string e = check_chunk(c, dim, where); !e.empty()) return invalid(e);

  ChunkReplacement change;
  change.collection_id = doc->collection_id;
  Status s = db_.transaction([&]() -> Status {
    auto removed = detail::embedded_chunk_ids_of_document(db_, document_id);
    if (!removed) return removed.status();
    change.removed_ids = std::move(*removed);
    if (Status r = store::execute(db_, "DELETE FROM chunks WHERE document_id = ?", document_id); !r) return r;
    // PostgreSQL: the chunk's full-text terms too (SQLite's triggers fill FTS5).
    const bool postgres = db_.dialect() == store::Dialect::Postgres;
    auto ins = db_.prepare(
        std::string("INSERT INTO chunks (document_id, chunk_index, text, page_start, page_end, heading_path, char_start, "
                    "char_end, token_count, embedding") +
        (postgres ? ", search_terms, search_length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::tsvector, ?)"
                  : ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    if (!ins) return ins.status();
    for (const NewChunk& c : chunks) {
      ins->reset();
      store::bind_values(*ins, document_id, c.index, c.text, c.page_start, c.page_end, c.heading_path, c.char_start,
                         c.char_end, c.token_count);
      if (c.embedding.empty())
        ins->bind_null(10);
      else
        ins->bind_blob(10, encode_embedding(c.embedding));
      if (postgres) {
        const SearchTerms terms = postgres_search_terms(c.text);
        ins->bind(11, terms.tsvector).bind(12, terms.length);
      }
      if (Status r = ins->run(); !r) return Status::error(where + " chunk " + std::to_string(c.index) + ": " + r.message());
      if (!c.embedding.empty()) {
        change.added_ids.push_back(db_.last_insert_id());
        change.added_vectors.insert(change.added_vectors.end(), c.embedding.begin(), c.embedding.end());
      }
    }
    return detail::touch_document(db_, document_id);
  });
  if (!s) return Error{"cannot replace the chunks of " + where + ": " + s.message()};
  return change;
}

Result<std::vector<ChunkRecord>> CollectionStore::document_chunks(int64_t document_id) {
  auto lock = db_.lock();
  if (auto d = get_document(document_id); !d) return Error{d.error()};
  return store::query_rows(db_, std::string(detail::kChunkSelect) + " WHERE k.document_id = ? ORDER BY k.chunk_index",
                           detail::read_chunk, document_id);
}

Result<ChunkRecord> CollectionStore::get_chunk(int64_t id) {
  auto lock = db_.lock();
  return detail::one_row(db_, std::string(detail::kChunkSelect) + " WHERE k.id = ?", detail::read_chunk, id,
                         "chunk " + std::to_string(id));
}

Result<std::vector<ChunkRecord>> CollectionStore::get_chunks(std::span<const int64_t> ids) {
  auto lock = db_.lock();
  auto st = db_.prepare(std::string(detail::kChunkSelect) + " WHERE k.id = ?");
  if (!st) return Error{st.error()};
  std::vector<ChunkRecord> out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    st->reset();
    auto chunk = store::read_first_row(st->bind(1, id), detail::read_chunk);
    if (!chunk) return Error{chunk.error()};
    if (*chunk) out.push_back(std::move(**chunk));
  }
  return out;
}

Result<std::vector<Bm25Match>> CollectionStore::bm25_search(int64_t collection_id, std::string_view query,
                                                            const DocumentFilter& filter, int limit) {
  if (limit <= 0) return std::vector<Bm25Match>{};
  const bool postgres = db_.dialect() == store::Dialect::Postgres;
  if (postgres) {
    if (auto filled = index_search_terms(); !filled) return Error{filled.error()};
  }
  // The question's content words (stop words out, fts_query.h) on both engines.
  const std::vector<std::string> words = content_words(query);
  const std::string fts_match = postgres ? "" : fts_query_of(words);
  const std::vector<std::string> terms = postgres ? postgres_terms_of(words) : std::vector<std::string>{};
  if (postgres ? terms.empty() : fts_match.empty()) return std::vector<Bm25Match>{};
  auto lock = db_.lock();
  // SQLite: FTS5's bm25(), lower is better (negative), reported positive.
  // PostgreSQL: FTS5's formula over the same terms. Per query term (a repeat
  // counts again, as FTS5's phrases do): idf = ln((N - n + 0.5) / (n + 0.5)),
  // at least 1e-6, with N chunks and n of them holding the term; per chunk:
  // the sum of idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average)),
  // k1 = 1.2, b = 0.75. Like FTS5's, N, n and the average length count the
  // whole chunks table. ts_filter(setweight(...)) keeps only the query's terms
  // of a chunk's vector before it is unnested.
  auto st = db_.prepare(
      postgres ? "WITH terms AS (SELECT t.term, t.q FROM unnest(?4::text[], ?5::tsquery[]) AS t(term, q)), "
                 "stats AS (SELECT count(search_length)::float8 AS n, "
                 "                 coalesce(sum(search_length), 0)::float8 / greatest(count(search_length), 1) AS avgdl "
                 "          FROM chunks WHERE search_length IS NOT NULL), "
                 "idf AS (SELECT t.term, greatest(ln((s.n - f.n + 0.5) / (f.n + 0.5)), 1e-6) AS w "
                 "        FROM terms t CROSS JOIN stats s CROSS JOIN LATERAL "
                 "          (SELECT count(*)::float8 AS n FROM chunks c WHERE c.search_terms @@ t.q) f), "
                 "hits AS (SELECT k.id, k.search_terms, k.search_length FROM chunks k "
                 "         JOIN documents d ON d.id = k.document_id "
                 "         WHERE k.search_terms @@ ?1::tsquery AND d.collection_id = ?2" +
                     detail::filter_sql(filter, 6) +
                     ") "
                     "SELECT h.id, sum(i.w * cardinality(u.positions) * 2.2 / (cardinality(u.positions) + "
                     "                 1.2 * (0.25 + 0.75 * h.search_length / nullif(s.avgdl, 0)))) AS score "
                     "FROM hits h CROSS JOIN stats s "
                     "CROSS JOIN LATERAL unnest(ts_filter(setweight(h.search_terms, 'A', ?4::text[]), '{a}')) u "
                     "JOIN idf i ON i.term = u.lexeme "
                     "GROUP BY h.id ORDER BY score DESC, h.id LIMIT ?3"
               : "SELECT chunks_fts.rowid, bm25(chunks_fts) AS s FROM chunks_fts "
                 "JOIN chunks k ON k.id = chunks_fts.rowid JOIN documents d ON d.id = k.document_id "
                 "WHERE chunks_fts MATCH ?1 AND d.collection_id = ?2" +
                     detail::filter_sql(filter, 4) + " ORDER BY s, chunks_fts.rowid LIMIT ?3");
  if (!st) return Error{st.error()};
  st->bind(1, postgres ? tsquery_any(terms) : fts_match).bind(2, collection_id).bind(3, limit);
  if (postgres) {
    std::vector<std::string> one_term_queries;
    for (const std::string& t : terms) one_term_queries.push_back(tsquery_any({t}));
    st->bind(4, text_array_literal(terms)).bind(5, text_array_literal(one_term_queries));
  }
  detail::bind_filter(*st, filter, postgres ? 6 : 4);
  auto out = store::read_rows(
      *st, [postgres](const store::Statement& r) { return Bm25Match{r.int64(0), postgres ? r.real(1) : -r.real(1)}; });
  if (!out) return Error{"full-text search in collection " + std::to_string(collection_id) + " failed: " + out.error()};
  return out;
}

Result<int64_t> CollectionStore::index_search_terms() {
  if (db_.dialect() != store::Dialect::Postgres) return int64_t{0};
  auto lock = db_.lock();
  int64_t done = 0;
  for (;;) {
    auto todo = db_.prepare("SELECT id, text FROM chunks WHERE search_terms IS NULL ORDER BY id LIMIT 512");
    if (!todo) return Error{todo.error()};
    auto rows = store::read_rows(*todo, [](const store::Statement& r) { return std::pair(r.int64(0), r.text(1)); });
    if (!rows) return Error{"cannot list chunks without full-text terms: " + rows.error()};
    if (rows->empty()) return done;
    Status s = db_.transaction([&]() -> Status {
      auto set = db_.prepare("UPDATE chunks SET search_terms = ?::tsvector, search_length = ? WHERE id = ?");
      if (!set) return set.status();
      for (const auto& [id, text] : *rows) {
        const SearchTerms terms = postgres_search_terms(text);
        set->reset();
        if (Status r = set->bind(1, terms.tsvector).bind(2, terms.length).bind(3, id).run(); !r) return r;
      }
      return Status::ok();
    });
    if (!s) return Error{"cannot write the full-text terms of chunks: " + s.message()};
    done += static_cast<int64_t>(rows->size());
  }
}

Result<std::vector<int64_t>> CollectionStore::chunk_ids(int64_t collection_id, const DocumentFilter& filter) {
  auto lock = db_.lock();
  auto st = db_.prepare("SELECT k.id FROM chunks k JOIN documents d ON d.id = k.document_id WHERE d.collection_id = ?1" +
                        detail::filter_sql(filter, 2) + " ORDER BY k.id");
  if (!st) return Error{st.error()};
  st->bind(1, collection_id);
  detail::bind_filter(*st, filter, 2);
  return detail::read_ids(*st);
}

Result<std::vector<int64_t>> CollectionStore::embedded_chunk_ids(int64_t collection_id) {
  auto lock = db_.lock();
  auto st = db_.prepare(
      "SELECT k.id FROM chunks k JOIN documents d ON d.id = k.document_id WHERE d.collection_id = ? AND "
      "k.embedding IS NOT NULL ORDER BY k.id");
  if (!st) return Error{st.error()};
  st->bind(1, collection_id);
  return detail::read_ids(*st);
}

Result<EmbeddingBatch> CollectionStore::embeddings_of(std::span<const int64_t> ids) {
  auto lock = db_.lock();
  auto st = db_.prepare(
      "SELECT k.id, k.embedding, c.embedding_dim FROM chunks k JOIN documents d ON d.id = k.document_id "
      "JOIN collections c ON c.id = d.collection_id WHERE k.id = ? AND k.embedding IS NOT NULL");
  if (!st) return Error{st.error()};
  EmbeddingBatch batch;
  for (int64_t id : ids) {
    st->reset();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return Error{row.error()};
    if (!*row) continue;
    if (Status s = append_embedding(*st, static_cast<int>(st->int64(2)), batch); !s) return Error{s.message()};
  }
  return batch;
}

Status CollectionStore::for_each_embedding_batch(int64_t collection_id, int batch_size,
                                                 const std::function<Status(const EmbeddingBatch&)>& consume) {
  if (batch_size <= 0) return Status::error("invalid: embedding batch size " + std::to_string(batch_size));
  int64_t after = 0;
  for (;;) {
    EmbeddingBatch batch;
    {
      auto lock = db_.lock();
      auto collection = get_collection(collection_id);
      if (!collection) return collection.status();
      const int dim = collection->embedding_dim;
      auto st = db_.prepare(
          "SELECT k.id, k.embedding FROM chunks k JOIN documents d ON d.id = k.document_id WHERE d.collection_id = ? "
          "AND k.embedding IS NOT NULL AND k.id > ? ORDER BY k.id LIMIT ?");
      if (!st) return st.status();
      st->bind(1, collection_id).bind(2, after).bind(3, batch_size);
      auto each = [&](const store::Statement& row) { return append_embedding(row, dim, batch); };
      if (Status s = store::for_each_row(*st, each); !s) return s;
    }
    if (batch.ids.empty()) return Status::ok();
    after = batch.ids.back();
    if (Status s = consume(batch); !s) return s;
    if (batch.ids.size() < static_cast<size_t>(batch_size)) return Status::ok();
  }
}

}  // namespace pg::rag
