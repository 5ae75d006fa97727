// Conversations and messages; see conversation_store.h.
#include "store/conversation_store.h"

#include "store/statement_rows.h"
#include "util/unix_time.h"

namespace pg::store {
namespace {

// Appended to a WHERE clause; binds parameters ?1 to ?3 (see bind_access).
constexpr const char* kVisible = "(?1 <> 0 OR c.user_id = ?2 OR (?3 <> 0 AND c.user_id IS NULL))";

void bind_access(Statement& st, const Access& a) {
  st.bind(1, a.all ? 1 : 0).bind(2, a.user_id).bind(3, a.include_unowned ? 1 : 0);
}

constexpr const char* kColumns =
    "c.id, c.user_id, c.title, c.model, c.system_prompt, c.params, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)";

Conversation read_conversation(const Statement& st) {
  Conversation c;
  c.id = st.text(0);
  c.user_id = st.optional_int64(1);
  c.title = st.text(2);
  c.model = st.text(3);
  c.system_prompt = st.text(4);
  c.params = st.text(5);
  c.created_at = st.int64(6);
  c.updated_at = st.int64(7);
  c.message_count = st.int64(8);
  return c;
}

}  // namespace

Result<Conversation> ConversationStore::create(Conversation c) {
  auto lock = db_.lock();
  c.created_at = c.updated_at = unix_time_now();
  auto st = db_.prepare(
      "INSERT INTO conversations (id, user_id, title, model, system_prompt, params, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, c.id)
                     .bind(2, c.user_id)
                     .bind(3, c.title)
                     .bind(4, c.model)
                     .bind(5, c.system_prompt)
                     .bind(6, c.params)
                     .bind(7, c.created_at)
                     .bind(8, c.updated_at)
                     .run();
      !s)
    return Error{s.message()};
  return c;
}

Result<std::vector<Conversation>> ConversationStore::list(const Access& access, int64_t limit, int64_t offset,
                                                          int64_t& total) {
  auto lock = db_.lock();
  auto count = db_.prepare(std::string("SELECT count(*) FROM conversations c WHERE ") + kVisible);
  if (!count) return Error{count.error()};
  bind_access(*count, access);
  auto row = count->step();
  if (!row) return Error{row.error()};
  total = count->int64(0);
  auto st = db_.prepare(std::string("SELECT ") + kColumns + " FROM conversations c WHERE " + kVisible +
                        " ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?4 OFFSET ?5");
  if (!st) return Error{st.error()};
  bind_access(*st, access);
  st->bind(4, limit).bind(5, offset);
  return read_rows(*st, read_conversation);
}

Result<std::optional<Conversation>> ConversationStore::get(const std::string& id, const Access& access) {
  auto lock = db_.lock();
  auto st = db_.prepare(std::string("SELECT ") + kColumns + " FROM conversations c WHERE " + kVisible + " AND c.id = ?4");
  if (!st) return Error{st.error()};
  bind_access(*st, access);
  st->bind(4, id);
  auto r = st->step();
  if (!r) return Error{r.error()};
  if (!*r) return std::optional<Conversation>();
  return std::optional<Conversation>(read_conversation(*st));
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
  auto st = db_.prepare(
      "UPDATE conversations SET title = ?, model = ?, system_prompt = ?, params = ?, updated_at = ? WHERE id = ?");
  if (!st) return Error{st.error()};
  if (Status s = st->bind(1, c.title).bind(2, c.model).bind(3, c.system_prompt).bind(4, c.params).bind(5, unix_time_now())
                     .bind(6, id).run();
      !s)
    return Error{s.message()};
  return true;
}

Result<bool> ConversationStore::remove(const std::string& id, const Access& access) {
  auto lock = db_.lock();
  auto st = db_.prepare(std::string("DELETE FROM conversations AS c WHERE ") + kVisible + " AND c.id = ?4");
  if (!st) return Error{st.error()};
  bind_access(*st, access);
  st->bind(4, id);
  if (Status s = st->run(); !s) return Error{s.message()};
  return db_.changes() > 0;
}

Result<Message> ConversationStore::add_message(Message m) {
  auto lock = db_.lock();
  m.created_at = unix_time_now();
  Status s = db_.transaction([&]() -> Status {
    auto st = db_.prepare(
        "INSERT INTO messages (conversation_id, role, content, created_at, model, model_sha256, chat_template_sha256, "
        "generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.status();
    if (Status r = st->bind(1, m.conversation_id)
                       .bind(2, m.role)
                       .bind(3, m.content)
                       .bind(4, m.created_at)
                       .bind(5, m.model)
                       .bind(6, m.model_sha256)
                       .bind(7, m.chat_template_sha256)
                       .bind(8, m.generation)
                       .run();
        !r)
      return r;
    m.id = db_.last_insert_id();
    auto touch = db_.prepare("UPDATE conversations SET updated_at = ? WHERE id = ?");
    if (!touch) return touch.status();
    return touch->bind(1, m.created_at).bind(2, m.conversation_id).run();
  });
  if (!s) return Error{s.message()};
  return m;
}

Result<std::vector<Message>> ConversationStore::messages(const std::string& conversation_id) {
  auto lock = db_.lock();
  auto st = db_.prepare(
      "SELECT id, conversation_id, role, content, created_at, model, model_sha256, chat_template_sha256, generation "
      "FROM messages WHERE conversation_id = ? ORDER BY id");
  if (!st) return Error{st.error()};
  st->bind(1, conversation_id);
  std::vector<Message> out;
  for (;;) {
    auto r = st->step();
    if (!r) return Error{r.error()};
    if (!*r) break;
    Message m;
    m.id = st->int64(0);
    m.conversation_id = st->text(1);
    m.role = st->text(2);
    m.content = st->text(3);
    m.created_at = st->int64(4);
    m.model = st->optional_text(5);
    m.model_sha256 = st->optional_text(6);
    m.chat_template_sha256 = st->optional_text(7);
    m.generation = st->optional_text(8);
    out.push_back(std::move(m));
  }
  return out;
}

Status ConversationStore::put_template(const std::string& sha256, const std::string& source) {
  auto lock = db_.lock();
  auto st = db_.prepare("INSERT INTO chat_templates (sha256, source) VALUES (?, ?) ON CONFLICT DO NOTHING");
  if (!st) return st.status();
  return st->bind(1, sha256).bind(2, source).run();
}

Result<std::optional<std::string>> ConversationStore::template_source(const std::string& sha256) {
  auto lock = db_.lock();
  auto st = db_.prepare("SELECT source FROM chat_templates WHERE sha256 = ?");
  if (!st) return Error{st.error()};
  st->bind(1, sha256);
  auto r = st->step();
  if (!r) return Error{r.error()};
  if (!*r) return std::optional<std::string>();
  return std::optional<std::string>(st->text(0));
}

}  // namespace pg::store
