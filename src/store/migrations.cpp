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
};


}  // namespace

const std::vector<Migration>& migrations() { return kMigrations; }

Result<int> schema_version(Database& db) {
  auto lock = db.lock();
  if (Status s = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                         "applied_at INTEGER NOT NULL)");
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
    Status s = db.transaction([&]() -> Status {
      if (Status e = db.exec(m.sql); !e) return e;
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
