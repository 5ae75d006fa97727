// Conversations and messages; see conversation_store.h.
#include "store/conversation_store.h"

#include "store/query.h"
#include "util/unix_time.h"

namespace pg::store {
namespace {

// Appended to a WHERE clause; binds parameters ?1 to ?3 (see prepare_visible).
constexpr const char* kVisible = "(?1 <> 0 OR c.user_id = ?2 OR (?3 <> 0 AND c.user_id IS NULL))";

// `sql` (which uses kVisible) prepared, with the access rule bound to ?1..?3.
Result<Statement> prepare_visible(Database& db, const std::string& sql, const Access& a) {
  auto st = db.prepare(sql);
  if (st) bind_values(*st, a.all ? 1 : 0, a.user_id, a.include_unowned ? 1 : 0);
  return st;
}

constexpr const char* kColumns =
    "c.id, c.user_id, c.title, c.model, c.system_prompt, c.params, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id), c.retrieval, c.own_collection_id";

Conversation read_conversation(const Statement& st) {
  Conversation c;
  read_columns(st, c.id, c.user_id, c.title, c.model, c.system_prompt, c.params, c.created_at, c.updated_at,
               c.message_count, c.retrieval, c.own_collection_id);
  return c;
}

constexpr const char* kMessageColumns =
    "id, conversation_id, role, content, created_at, model, model_sha256, chat_template_sha256, "
    "generation, tool_calls, tool_call_id, reasoning, sources";

Message read_message(const Statement& st) {
  Message m;
  read_columns(st, m.id, m.conversation_id, m.role, m.content, m.created_at, m.model, m.model_sha256,
               m.chat_template_sha256, m.generation, m.tool_calls, m.tool_call_id, m.reasoning, m.sources);
  return m;
}

// Replaces a conversation's collection links with `ids`, in order. Inside the caller's lock and transaction.
Status write_collections(Database& db, const std::string& conversation_id, const std::vector<int64_t>& ids) {
  if (Status s = execute(db, "DELETE FROM conversation_collections WHERE conversation_id = ?", conversation_id); !s)
    return s;
  for (size_t i = 0; i < ids.size(); ++i)
    if (Status s = execute(db,
                           "INSERT INTO conversation_collections (conversation_id, collection_id, position) "
                           "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           conversation_id, ids[i], static_cast<int64_t>(i));
        !s)
      return s;
  return Status::ok();
}

Result<std::vector<int64_t>> read_collections(Database& db, const std::string& conversation_id) {
  return query_rows(
      db, "SELECT collection_id FROM conversation_collections WHERE conversation_id = ? ORDER BY position",
      [](const Statement& row) { return row.int64(0); }, conversation_id);
}

}  // namespace

Result<Conversation> ConversationStore::create(Conversation c) {
  auto lock = db_.lock();
  c.created_at = c.updated_at = unix_time_now();
  Status s = db_.transaction([&]() -> Status {
    if (Status r = execute(db_,
                           "INSERT INTO conversations (id, user_id, title, model, system_prompt, params, created_at, "
                           "updated_at, retrieval, own_collection_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           c.id, c.user_id, c.title, c.model, c.system_prompt, c.params, c.created_at, c.updated_at,
                           c.retrieval, c.own_collection_id);
        !r)
      return r;
    return write_collections(db_, c.id, c.collection_ids);
  });
  if (!s) return Error{s.message()};
  return c;
}

Result<std::vector<Conversation>> ConversationStore::list(const Access& access, int64_t limit, int64_t offset,
                                                          int64_t& total) {
  auto lock = db_.lock();
  auto count = prepare_visible(db_, std::string("SELECT count(*) FROM conversations c WHERE ") + kVisible, access);
  if (!count) return Error{count.error()};
  auto counted = read_first_row(*count, [](const Statement& row) { return row.int64(0); });
  if (!counted) return Error{counted.error()};
  total = counted->value_or(0);
  auto st = prepare_visible(db_,
                            std::string("SELECT ") + kColumns + " FROM conversations c WHERE " + kVisible +
                                " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?4 OFFSET ?5",
                            access);
  if (!st) return Error{st.error()};
  auto page = read_rows(bind_values_at(*st, 4, limit, offset), read_conversation);
  if (!page) return page;
  for (Conversation& c : *page) {
    auto ids = read_collections(db_, c.id);
    if (!ids) return Error{ids.error()};
    c.collection_ids = std::move(*ids);
  }
  return page;
}

Result<std::optional<Conversation>> ConversationStore::get(const std::string& id, const Access& access) {
  auto lock = db_.lock();
  auto st = prepare_visible(
      db_, std::string("SELECT ") + kColumns + " FROM conversations c WHERE " + kVisible + " AND c.id = ?4", access);
  if (!st) return Error{st.error()};
  auto found = read_first_row(st->bind(4, id), read_conversation);
  if (!found || !*found) return found;
  auto ids = read_collections(db_, id);
  if (!ids) return Error{ids.error()};
  (*found)->collection_ids = std::move(*ids);
  return found;
}

Result<bool> ConversationStore::update(const std::string& id, const Access& access, const ConversationUpdate& u) {
  auto lock = db_.lock();
  auto found = get(id, access);
  if (!found) return Error{found.error()};
  if (!*found) return false;
  Conversation c = std::move(**found);
  if (u.title) c.title = *u.title;
  if (u.model) c.model = *u.model;
  if (u.system_prompt) c.system_prompt = *u.system_prompt;
  if (u.params) c.params = *u.params;
  if (u.retrieval) c.retrieval = *u.retrieval;
  if (u.own_collection_id) c.own_collection_id = *u.own_collection_id;
  Status s = db_.transaction([&]() -> Status {
    if (Status r = execute(db_,
                           "UPDATE conversations SET title = ?, model = ?, system_prompt = ?, params = ?, retrieval = ?, "
                           "own_collection_id = ?, updated_at = ? WHERE id = ?",
                           c.title, c.model, c.system_prompt, c.params, c.retrieval, c.own_collection_id,
                           unix_time_now(), id);
        !r)
      return r;
    return u.collection_ids ? write_collections(db_, id, *u.collection_ids) : Status::ok();
  });
  if (!s) return Error{s.message()};
  return true;
}

Result<bool> ConversationStore::remove(const std::string& id, const Access& access) {
  auto lock = db_.lock();
  auto st = prepare_visible(db_, std::string("DELETE FROM conversations AS c WHERE ") + kVisible + " AND c.id = ?4", access);
  if (!st) return Error{st.error()};
  if (Status s = st->bind(4, id).run(); !s) return Error{s.message()};
  return db_.changes() > 0;
}

Result<Message> ConversationStore::add_message(Message m) {
  auto lock = db_.lock();
  m.created_at = unix_time_now();
  Status s = db_.transaction([&]() -> Status {
    if (Status r = execute(db_,
                           "INSERT INTO messages (conversation_id, role, content, created_at, model, model_sha256, "
                           "chat_template_sha256, generation, tool_calls, tool_call_id, reasoning, sources) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           m.conversation_id, m.role, m.content, m.created_at, m.model, m.model_sha256,
                           m.chat_template_sha256, m.generation, m.tool_calls, m.tool_call_id, m.reasoning, m.sources);
        !r)
      return r;
    m.id = db_.last_insert_id();
    return execute(db_, "UPDATE conversations SET updated_at = ? WHERE id = ?", m.created_at, m.conversation_id);
  });
  if (!s) return Error{s.message()};
  return m;
}

Result<std::vector<Message>> ConversationStore::messages(const std::string& conversation_id) {
  auto lock = db_.lock();
  return query_rows(db_, std::string("SELECT ") + kMessageColumns + " FROM messages WHERE conversation_id = ? ORDER BY id",
                    read_message, conversation_id);
}

Status ConversationStore::put_template(const std::string& sha256, const std::string& source) {
  auto lock = db_.lock();
  return execute(db_, "INSERT INTO chat_templates (sha256, source) VALUES (?, ?) ON CONFLICT DO NOTHING", sha256, source);
}

Result<std::optional<std::string>> ConversationStore::template_source(const std::string& sha256) {
  auto lock = db_.lock();
  return query_first(
      db_, "SELECT source FROM chat_templates WHERE sha256 = ?", [](const Statement& row) { return row.text(0); }, sha256);
}

}  // namespace pg::store
