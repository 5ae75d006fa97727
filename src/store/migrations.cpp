// Schema migrations; see migrations.h. Times are Unix seconds (UTC).
#include "store/migrations.h"

#include "util/unix_time.h"

namespace pg::store {
namespace {

const std::vector<Migration> kMigrations = {
    {1, "users, api keys, conversations, messages, chat templates, settings", R"sql(
CREATE TABLE users (
  id             INTEGER PRIMARY KEY,
  username       TEXT NOT NULL UNIQUE,
  password_hash  TEXT NOT NULL,
  role           TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  token_version  INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  key_hash      TEXT NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);
CREATE TABLE conversations (
  id             TEXT PRIMARY KEY,
  user_id        INTEGER REFERENCES users(id) ON DELETE CASCADE,
  title          TEXT NOT NULL,
  model          TEXT NOT NULL,
  system_prompt  TEXT NOT NULL DEFAULT '',
  params         TEXT NOT NULL DEFAULT '{}',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX conversations_by_user ON conversations(user_id, updated_at);
CREATE TABLE chat_templates (
  sha256  TEXT PRIMARY KEY,
  source  TEXT NOT NULL
);
CREATE TABLE messages (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id       TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role                  TEXT NOT NULL,
  content               TEXT NOT NULL,
  created_at            INTEGER NOT NULL,
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
    // Issue 5 (RAG): see src/rag/collection_store.h. chunks.id is AUTOINCREMENT so
    // an id is never reused: the vector index files rely on it (a label set
    // identifies their content). chunks_fts is an external-content FTS5 index
    // over chunks.text kept in step by the triggers (cascaded deletes fire them).
    {2, "collections, documents, tags, metadata, chunks, chunk full-text index", R"sql(
CREATE TABLE collections (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  description      TEXT NOT NULL DEFAULT '',
  embedding_model  TEXT NOT NULL DEFAULT '',
  embedding_dim    INTEGER NOT NULL DEFAULT 0 CHECK (embedding_dim >= 0),
  chunk_unit       TEXT NOT NULL CHECK (chunk_unit IN ('tokens', 'characters')),
  chunk_size       INTEGER NOT NULL CHECK (chunk_size > 0),
  chunk_overlap    INTEGER NOT NULL CHECK (chunk_overlap >= 0 AND chunk_overlap < chunk_size),
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  CHECK ((embedding_model = '') = (embedding_dim = 0))
);
CREATE TABLE documents (
  id             INTEGER PRIMARY KEY,
  collection_id  INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  file_name      TEXT NOT NULL,
  format         TEXT NOT NULL,
  size_bytes     INTEGER NOT NULL,
  sha256         TEXT NOT NULL,
  title          TEXT NOT NULL DEFAULT '',
  page_count     INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL CHECK (status IN ('pending', 'indexing', 'indexed', 'failed')),
  error          TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX documents_by_collection ON documents(collection_id, id);
CREATE INDEX documents_by_sha256 ON documents(collection_id, sha256);
CREATE TABLE document_tags (
  document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  tag          TEXT NOT NULL,
  PRIMARY KEY (document_id, tag)
) WITHOUT ROWID;
CREATE INDEX document_tags_by_tag ON document_tags(tag, document_id);
CREATE TABLE document_metadata (
  document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  value        TEXT NOT NULL,
  PRIMARY KEY (document_id, key)
) WITHOUT ROWID;
CREATE INDEX document_metadata_by_pair ON document_metadata(key, value, document_id);
CREATE TABLE chunks (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id   INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  chunk_index   INTEGER NOT NULL,
  text          TEXT NOT NULL,
  page_start    INTEGER NOT NULL,
  page_end      INTEGER NOT NULL,
  heading_path  TEXT NOT NULL DEFAULT '',
  char_start    INTEGER NOT NULL,
  char_end      INTEGER NOT NULL,
  token_count   INTEGER NOT NULL,
  embedding     BLOB,
  UNIQUE (document_id, chunk_index)
);
CREATE VIRTUAL TABLE chunks_fts USING fts5(
  text, content = 'chunks', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_after_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER chunks_fts_after_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER chunks_fts_after_update AFTER UPDATE OF text ON chunks BEGIN
  INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
)sql"},
    {3, "ingestion jobs and their files", R"sql(
CREATE TABLE ingest_jobs (
  id             TEXT PRIMARY KEY,
  collection_id  INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('upload', 'reindex')),
  status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  started_at     INTEGER,
  finished_at    INTEGER
);
CREATE INDEX ingest_jobs_by_collection ON ingest_jobs(collection_id, created_at);
CREATE TABLE ingest_job_files (
  id           INTEGER PRIMARY KEY,
  job_id       TEXT NOT NULL REFERENCES ingest_jobs(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  file_name    TEXT NOT NULL,
  size_bytes   INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  error        TEXT NOT NULL DEFAULT '',
  warnings     TEXT NOT NULL DEFAULT '',
  pages        INTEGER NOT NULL DEFAULT 0,
  chunks       INTEGER NOT NULL DEFAULT 0,
  seconds      REAL NOT NULL DEFAULT 0
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
ALTER TABLE ingest_job_files ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
)sql"},
    // PostgreSQL's full text changes to FTS5's terms and BM25; SQLite keeps
    // chunks_fts as it is.
    {5, "full-text terms as FTS5 makes them", R"sql(
SELECT 1;
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
  file_index        INTEGER NOT NULL DEFAULT 0,
  file_count        INTEGER NOT NULL DEFAULT 0,
  completed_bytes   INTEGER NOT NULL DEFAULT 0,
  total_bytes       INTEGER NOT NULL DEFAULT 0,
  bytes_per_second  REAL NOT NULL DEFAULT 0,
  eta_seconds       REAL NOT NULL DEFAULT -1,
  notices           TEXT NOT NULL DEFAULT '[]',
  instance          TEXT NOT NULL,
  lease_until       INTEGER NOT NULL DEFAULT 0,
  cancel_requested  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  revision          INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL,
  created_ms        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  finished_at       INTEGER
);
CREATE UNIQUE INDEX model_pulls_live_reference ON model_pulls(reference) WHERE state IN ('queued', 'running');
CREATE INDEX model_pulls_by_state ON model_pulls(state, lease_until);
CREATE INDEX model_pulls_by_created ON model_pulls(created_ms);
)sql"},
};


}  // namespace

const std::vector<Migration>& migrations() { return kMigrations; }

Result<int> schema_version(Database& db) {
  auto lock = db.lock();
  const char* int_type = db.dialect() == Dialect::Postgres ? "BIGINT" : "INTEGER";
  if (Status s = db.exec(std::string("CREATE TABLE IF NOT EXISTS schema_version (version ") + int_type +
                         " PRIMARY KEY, name TEXT NOT NULL, applied_at " + int_type + " NOT NULL)");
      !s)
    return Error{"cannot create schema_version: " + s.message()};
  auto st = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!st) return Error{st.error()};
  auto row = st->step();
  if (!row) return Error{row.error()};
  return static_cast<int>(st->int64(0));
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
    const char* sql = db.dialect() == Dialect::Postgres ? postgres_migration_sql(m.version) : m.sql;
    if (!sql)
      return Error{"migration " + std::to_string(m.version) + " (" + m.name +
                   ") has no PostgreSQL form in this playground; use SQLite for this version"};
    Status s = db.transaction([&]() -> Status {
      if (Status e = db.exec(sql); !e) return e;
      auto ins = db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)");
      if (!ins) return ins.status();
      return ins->bind(1, m.version).bind(2, m.name).bind(3, unix_time_now()).run();
    });
    if (!s) return Error{"migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + s.message()};
    version = m.version;
  }
  return version;
}

}  // namespace pg::store
