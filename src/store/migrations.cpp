// Schema migrations; see migrations.h. Times are Unix seconds (UTC).
//
// Each migration is written once for both engines (schema_dialect.h): SQLite
// gets INTEGER/REAL/BLOB and rowid tables, PostgreSQL BIGINT ids from identity
// columns, DOUBLE PRECISION, BYTEA and its full-text search in place of FTS5.
// The same tables, columns, keys and checks on both. Like the list itself, a
// form is never edited after it shipped: the text each engine gets stays what
// it was (tests pin it).
#include "store/migrations.h"

#include "store/query.h"
#include "store/schema_dialect.h"
#include "util/unix_time.h"

namespace pg::store {
namespace {

const std::vector<Migration> kMigrations = {
    // rowid on PostgreSQL (here and in ingest_jobs): SQLite's implicit
    // insertion order, which queries sort by.
    {1, "users, api keys, conversations, messages, chat templates, settings", R"sql(
CREATE TABLE users (
  id             $ID,
  username       TEXT NOT NULL UNIQUE,
  password_hash  TEXT NOT NULL,
  role           TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  token_version  $INT NOT NULL DEFAULT 0,
  created_at     $INT NOT NULL,
  updated_at     $INT NOT NULL
);
CREATE TABLE api_keys (
  id            $ID,
  user_id       $INT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  key_hash      TEXT NOT NULL UNIQUE,
  created_at    $INT NOT NULL,
  last_used_at  $INT
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);
CREATE TABLE conversations (
  id             TEXT PRIMARY KEY,
@postgres   rowid          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,  -- SQLite's implicit insertion order
  user_id        $INT REFERENCES users(id) ON DELETE CASCADE,
  title          TEXT NOT NULL,
  model          TEXT NOT NULL,
  system_prompt  TEXT NOT NULL DEFAULT '',
  params         TEXT NOT NULL DEFAULT '{}',
  created_at     $INT NOT NULL,
  updated_at     $INT NOT NULL
);
CREATE INDEX conversations_by_user ON conversations(user_id, updated_at);
CREATE TABLE chat_templates (
  sha256  TEXT PRIMARY KEY,
  source  TEXT NOT NULL
);
CREATE TABLE messages (
  id                    $SERIAL,
  conversation_id       TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role                  TEXT NOT NULL,
  content               TEXT NOT NULL,
  created_at            $INT NOT NULL,
  model                 TEXT,
  model_sha256          TEXT,
  chat_template_sha256  TEXT REFERENCES chat_templates(sha256),
  generation            TEXT
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
)sql"},
    // Issue 5 (RAG): see src/rag/collection_store.h. chunks.id is AUTOINCREMENT
    // (PostgreSQL: from a sequence) so an id is never reused: the vector index
    // files rely on it (a label set identifies their content). On SQLite,
    // chunks_fts is an external-content FTS5 index over chunks.text kept in step
    // by the triggers (cascaded deletes fire them). PostgreSQL's counterpart:
    // text_search, English stemming like FTS5's porter tokenizer, ranked with
    // ts_rank_cd (replaced by migration 5).
    {2, "collections, documents, tags, metadata, chunks, chunk full-text index", R"sql(
CREATE TABLE collections (
  id               $ID,
  name             TEXT NOT NULL UNIQUE,
  description      TEXT NOT NULL DEFAULT '',
  embedding_model  TEXT NOT NULL DEFAULT '',
  embedding_dim    $INT NOT NULL DEFAULT 0 CHECK (embedding_dim >= 0),
  chunk_unit       TEXT NOT NULL CHECK (chunk_unit IN ('tokens', 'characters')),
  chunk_size       $INT NOT NULL CHECK (chunk_size > 0),
  chunk_overlap    $INT NOT NULL CHECK (chunk_overlap >= 0 AND chunk_overlap < chunk_size),
  created_at       $INT NOT NULL,
  updated_at       $INT NOT NULL,
  CHECK ((embedding_model = '') = (embedding_dim = 0))
);
CREATE TABLE documents (
  id             $ID,
  collection_id  $INT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  file_name      TEXT NOT NULL,
  format         TEXT NOT NULL,
  size_bytes     $INT NOT NULL,
  sha256         TEXT NOT NULL,
  title          TEXT NOT NULL DEFAULT '',
  page_count     $INT NOT NULL DEFAULT 0,
  status         TEXT NOT NULL CHECK (status IN ('pending', 'indexing', 'indexed', 'failed')),
  error          TEXT NOT NULL DEFAULT '',
  created_at     $INT NOT NULL,
  updated_at     $INT NOT NULL
);
CREATE INDEX documents_by_collection ON documents(collection_id, id);
CREATE INDEX documents_by_sha256 ON documents(collection_id, sha256);
CREATE TABLE document_tags (
  document_id  $INT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  tag          TEXT NOT NULL,
  PRIMARY KEY (document_id, tag)
)$WITHOUT_ROWID;
CREATE INDEX document_tags_by_tag ON document_tags(tag, document_id);
CREATE TABLE document_metadata (
  document_id  $INT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  value        TEXT NOT NULL,
  PRIMARY KEY (document_id, key)
)$WITHOUT_ROWID;
CREATE INDEX document_metadata_by_pair ON document_metadata(key, value, document_id);
CREATE TABLE chunks (
  id            $SERIAL,
  document_id   $INT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  chunk_index   $INT NOT NULL,
  text          TEXT NOT NULL,
  page_start    $INT NOT NULL,
  page_end      $INT NOT NULL,
  heading_path  TEXT NOT NULL DEFAULT '',
  char_start    $INT NOT NULL,
  char_end      $INT NOT NULL,
  token_count   $INT NOT NULL,
  embedding     $BLOB,
@postgres   text_search   TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
  UNIQUE (document_id, chunk_index)
);
@sqlite CREATE VIRTUAL TABLE chunks_fts USING fts5(
@sqlite   text, content = 'chunks', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'
@sqlite );
@sqlite CREATE TRIGGER chunks_fts_after_insert AFTER INSERT ON chunks BEGIN
@sqlite   INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
@sqlite END;
@sqlite CREATE TRIGGER chunks_fts_after_delete AFTER DELETE ON chunks BEGIN
@sqlite   INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
@sqlite END;
@sqlite CREATE TRIGGER chunks_fts_after_update AFTER UPDATE OF text ON chunks BEGIN
@sqlite   INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
@sqlite   INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
@sqlite END;
@postgres CREATE INDEX chunks_text_search ON chunks USING GIN (text_search);
)sql"},
    {3, "ingestion jobs and their files", R"sql(
CREATE TABLE ingest_jobs (
  id             TEXT PRIMARY KEY,
@postgres   rowid          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  collection_id  $INT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('upload', 'reindex')),
  status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  created_at     $INT NOT NULL,
  updated_at     $INT NOT NULL,
  started_at     $INT,
  finished_at    $INT
);
CREATE INDEX ingest_jobs_by_collection ON ingest_jobs(collection_id, created_at);
CREATE TABLE ingest_job_files (
  id           $ID,
  job_id       TEXT NOT NULL REFERENCES ingest_jobs(id) ON DELETE CASCADE,
  position     $INT NOT NULL,
  document_id  $INT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  file_name    TEXT NOT NULL,
  size_bytes   $INT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  error        TEXT NOT NULL DEFAULT '',
  warnings     TEXT NOT NULL DEFAULT '',
  pages        $INT NOT NULL DEFAULT 0,
  chunks       $INT NOT NULL DEFAULT 0,
  seconds      $REAL NOT NULL DEFAULT 0
);
CREATE INDEX ingest_job_files_by_job ON ingest_job_files(job_id, position);
CREATE INDEX ingest_job_files_by_status ON ingest_job_files(status);
CREATE INDEX ingest_job_files_by_document ON ingest_job_files(document_id);
)sql"},
    // Several instances on one PostgreSQL database: a file is claimed by one
    // worker for a lease it renews; a file whose lease ran out (its instance
    // died) can be claimed by another.
    {4, "ingestion file claims and leases", R"sql(
ALTER TABLE ingest_job_files ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE ingest_job_files ADD COLUMN lease_until $INT NOT NULL DEFAULT 0;
)sql"},
    // PostgreSQL's full text changes to FTS5's terms and BM25; SQLite keeps
    // chunks_fts as it is. PostgreSQL: the application writes each chunk's FTS5
    // terms (one position per occurrence) and their number, and queries compute
    // BM25 from them (rag/postgres_fts.h). Chunks written before have no terms
    // yet; the application fills them in (chunks_without_search_terms finds
    // them). chunks_search_length lets the BM25 averages come from the index alone.
    {5, "full-text terms as FTS5 makes them", R"sql(
@sqlite SELECT 1;
@postgres ALTER TABLE chunks DROP COLUMN text_search;
@postgres ALTER TABLE chunks ADD COLUMN search_terms TSVECTOR;
@postgres ALTER TABLE chunks ADD COLUMN search_length BIGINT CHECK (search_length >= 0);
@postgres CREATE INDEX chunks_search_terms ON chunks USING GIN (search_terms);
@postgres CREATE INDEX chunks_search_length ON chunks (search_length) WHERE search_length IS NOT NULL;
@postgres CREATE INDEX chunks_without_search_terms ON chunks (id) WHERE search_terms IS NULL;
)sql"},
    // Model pulls (downloads) with their progress, so every instance on one
    // database lists them. The instance running a pull holds a lease it
    // renews; a live row whose lease ran out belonged to an instance that
    // stopped, and is shown as failed. At most one live pull per reference.
    {6, "model pulls", R"sql(
CREATE TABLE model_pulls (
  id                TEXT PRIMARY KEY,
  reference         TEXT NOT NULL,
  model             TEXT NOT NULL DEFAULT '',
  state             TEXT NOT NULL CHECK (state IN ('queued', 'running', 'success', 'failed', 'cancelled')),
  error             TEXT NOT NULL DEFAULT '',
  progress_status   TEXT NOT NULL DEFAULT '',
  progress_file     TEXT NOT NULL DEFAULT '',
  file_index        $INT NOT NULL DEFAULT 0,
  file_count        $INT NOT NULL DEFAULT 0,
  completed_bytes   $INT NOT NULL DEFAULT 0,
  total_bytes       $INT NOT NULL DEFAULT 0,
  bytes_per_second  $REAL NOT NULL DEFAULT 0,
  eta_seconds       $REAL NOT NULL DEFAULT -1,
  notices           TEXT NOT NULL DEFAULT '[]',
  instance          TEXT NOT NULL,
  lease_until       $INT NOT NULL DEFAULT 0,
  cancel_requested  $INT NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  revision          $INT NOT NULL DEFAULT 1,
  created_at        $INT NOT NULL,
  created_ms        $INT NOT NULL,
  updated_at        $INT NOT NULL,
  finished_at       $INT
);
CREATE UNIQUE INDEX model_pulls_live_reference ON model_pulls(reference) WHERE state IN ('queued', 'running');
CREATE INDEX model_pulls_by_state ON model_pulls(state, lease_until);
CREATE INDEX model_pulls_by_created ON model_pulls(created_ms);
)sql"},
    // Tool calling in conversations: an assistant message's calls (a JSON
    // array in OpenAI's shape, NULL when none), the call a tool message
    // answers, and a reply's reasoning. Existing rows get NULL in all three.
    {7, "message tool calls, tool call ids and reasoning", R"sql(
ALTER TABLE messages ADD COLUMN tool_calls TEXT;
ALTER TABLE messages ADD COLUMN tool_call_id TEXT;
ALTER TABLE messages ADD COLUMN reasoning TEXT;
)sql"},
    // Documents in chat: the collections a conversation answers from (in
    // order; deleting either side removes the link), its retrieval settings
    // (JSON, NULL: the defaults), the collection of files dropped into it, and
    // a reply's sources (JSON array of the passages it was given, NULL: none).
    {8, "conversation collections, retrieval settings and reply sources", R"sql(
CREATE TABLE conversation_collections (
  conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  collection_id    $INT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  position         $INT NOT NULL,
  PRIMARY KEY (conversation_id, collection_id)
);
CREATE INDEX conversation_collections_by_collection ON conversation_collections(collection_id);
ALTER TABLE conversations ADD COLUMN retrieval TEXT;
ALTER TABLE conversations ADD COLUMN own_collection_id $INT REFERENCES collections(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN sources TEXT;
)sql"},
};

}  // namespace

const std::vector<Migration>& migrations() { return kMigrations; }

std::string migration_sql(const Migration& m, Dialect dialect) { return render_schema_form(m.sql, dialect); }

Result<int> schema_version(Database& db) {
  auto lock = db.lock();
  const char* int_type = db.dialect() == Dialect::Postgres ? "BIGINT" : "INTEGER";
  if (Status s = db.exec(std::string("CREATE TABLE IF NOT EXISTS schema_version (version ") + int_type +
                         " PRIMARY KEY, name TEXT NOT NULL, applied_at " + int_type + " NOT NULL)");
      !s)
    return Error{"cannot create schema_version: " + s.message()};
  auto version = query_int64(db, "SELECT coalesce(max(version), 0) FROM schema_version");
  if (!version) return Error{version.error()};
  return static_cast<int>(*version);
}

Result<int> migrate(Database& db) {
  auto lock = db.lock();
  auto current = schema_version(db);
  if (!current) return current;
  const int known = kMigrations.empty() ? 0 : kMigrations.back().version;
  if (*current > known)
    return Error{"database " + db.path() + " has schema version " + std::to_string(*current) +
                 ", newer than this playground knows (" + std::to_string(known) + "); use a newer playground"};
  int version = *current;
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    const std::string sql = migration_sql(m, db.dialect());
    Status s = db.transaction([&]() -> Status {
      if (Status e = db.exec(sql); !e) return e;
      return execute(db, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name,
                     unix_time_now());
    });
    if (!s) return Error{"migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + s.message()};
    version = m.version;
  }
  return version;
}

}  // namespace pg::store
