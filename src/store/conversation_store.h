// Conversations and their messages in the database. A conversation has an
// owner (a user id, or none when it was made with auth off), a title, a model
// name, a system prompt and default sampling parameters (JSON text). A
// message stores its role and text and, for generated replies, the model file
// hash, the chat template (by SHA-256; each template's text is stored once in
// chat_templates) and the generation record (JSON: sampling settings, seed,
// token counts, timings). Tool calling: an assistant message's tool calls (a
// JSON array in OpenAI's shape) and reasoning, and the call id a tool message
// answers. Documents in chat: the collections a conversation answers from
// (ordered ids), its retrieval settings (JSON), the collection holding files
// dropped into it, and a reply's sources (JSON array). Deleting a
// conversation deletes its messages and collection links (the foreign keys
// cascade; its own collection is the caller's to delete). Access rules are
// applied in SQL by an Access value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace pg::store {

struct Conversation {
  std::string id;
  std::optional<int64_t> user_id;
  std::string title;
  std::string model;
  std::string system_prompt;
  std::string params = "{}";  // JSON object
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t message_count = 0;  // filled by get() and list()
  std::vector<int64_t> collection_ids;      // answers from these collections, in order
  std::optional<std::string> retrieval;     // JSON object of retrieval settings; nullopt: the defaults
  std::optional<int64_t> own_collection_id;  // the collection of files dropped into this conversation
};

struct Message {
  int64_t id = 0;
  std::string conversation_id;
  std::string role;
  std::string content;
  int64_t created_at = 0;
  std::optional<std::string> model;
  std::optional<std::string> model_sha256;
  std::optional<std::string> chat_template_sha256;
  std::optional<std::string> generation;  // JSON object
  std::optional<std::string> tool_calls;  // JSON array: [{id, type: "function", function: {name, arguments}}]
  std::optional<std::string> tool_call_id;  // role "tool": the call this result answers
  std::optional<std::string> reasoning;     // a reply's reasoning (its <think> part), apart from content
  std::optional<std::string> sources;       // JSON array: the document passages a reply was given
};

// Which conversations a caller may see: all of them, or those of one user
// (plus, for admins, those without an owner).
struct Access {
  bool all = false;
  int64_t user_id = 0;
  bool include_unowned = false;
};

struct ConversationUpdate {
  std::optional<std::string> title, model, system_prompt, params;
  std::optional<std::vector<int64_t>> collection_ids;  // replaces the list
  std::optional<std::optional<std::string>> retrieval;  // a value, or nullopt inside: back to the defaults
  std::optional<int64_t> own_collection_id;
};

class ConversationStore {
 public:
  explicit ConversationStore(Database& db) : db_(db) {}

  // Sets created_at/updated_at; stores collection_ids (which must exist).
  Result<Conversation> create(Conversation c);
  // Newest first (by last update); `total` gets the count of all visible ones.
  Result<std::vector<Conversation>> list(const Access& access, int64_t limit, int64_t offset, int64_t& total);
  Result<std::optional<Conversation>> get(const std::string& id, const Access& access);
  // False when not found (or not visible).
  Result<bool> update(const std::string& id, const Access& access, const ConversationUpdate& update);
  Result<bool> remove(const std::string& id, const Access& access);

  // Appends a message (sets id and created_at) and touches the conversation.
  Result<Message> add_message(Message m);
  Result<std::vector<Message>> messages(const std::string& conversation_id);

  // Stores a template's text under its hash once.
  Status put_template(const std::string& sha256, const std::string& source);
  Result<std::optional<std::string>> template_source(const std::string& sha256);

 private:
  Database& db_;
};

}  // namespace pg::store
