// Documents in chat on the wire; see conversation_documents.h.
#include "server/conversation_documents.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "app/rag_answer.h"
#include "server/api_error.h"
#include "server/rag_answerer.h"
#include "server/rag_json.h"
#include "server/request_fields.h"

namespace pg::server {
namespace {

// The keys a conversation's retrieval settings may hold: the retrieval fields of a RAG query.
constexpr std::array<std::string_view, 9> kRetrievalKeys = {"mode",        "top_k",        "min_score",
                                                            "tags",        "metadata",     "bm25_weight",
                                                            "dense_weight", "rrf_k",       "context_share"};

}  // namespace

std::vector<int64_t> checked_collections(ServerContext& ctx, const nlohmann::json* field) {
  std::vector<int64_t> ids;
  if (!field || field->is_null()) return ids;
  if (!field->is_array())
    throw invalid_field("collections", "must be an array of collection ids or names, got " + describe_json(*field));
  if (field->size() > kMaxConversationCollections)
    throw invalid_field("collections", "has " + std::to_string(field->size()) + " entries, at most " +
                                           std::to_string(kMaxConversationCollections) + " are allowed");
  for (size_t i = 0; i < field->size(); ++i) {
    const nlohmann::json& v = (*field)[i];
    std::string id_or_name;
    if (v.is_number_integer() && v.get<int64_t>() > 0) id_or_name = std::to_string(v.get<int64_t>());
    else if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() <= 1024) id_or_name = v.get<std::string>();
    else
      throw invalid_field("collections[" + std::to_string(i) + "]",
                          "must be a collection id (a positive integer) or name, got " + describe_json(v));
    const rag::Collection c = collection_or_404(ctx, id_or_name);
    if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) ids.push_back(c.id);
  }
  return ids;
}

std::optional<std::string> checked_retrieval(const nlohmann::json* field) {
  if (!field || field->is_null()) return std::nullopt;
  if (!field->is_object()) throw invalid_field("retrieval", "must be an object of retrieval settings or null, got " + describe_json(*field));
  for (const auto& [key, value] : field->items())
    if (std::find(kRetrievalKeys.begin(), kRetrievalKeys.end(), key) == kRetrievalKeys.end())
      throw invalid_field("retrieval." + key,
                          "is not a retrieval setting (mode, top_k, min_score, tags, metadata, bm25_weight, dense_weight, rrf_k, "
                          "context_share)");
  (void)read_rag_query(FieldReader(*field, "retrieval."), "");  // throws on a bad value, naming it
  return field->dump();
}

OwnCollection own_collection(ServerContext& ctx, const store::Conversation& c) {
  rag::CollectionStore& store = *ctx.rag().collections;
  if (c.own_collection_id)
    if (auto existing = store.get_collection(*c.own_collection_id)) return {*existing, false};
  const std::string name = c.id + " files";
  if (auto earlier = store.find_collection(name)) return {*earlier, false};
  rag::NewCollection fields;
  fields.name = name;
  fields.description = "Files dropped into conversation " + c.id;
  if (auto made = store.create_collection(fields)) return {*made, true};
  auto concurrent = store.find_collection(name);  // a concurrent upload made it first
  if (!concurrent) throw store_error(concurrent.status(), "collection '" + name + "'");
  return {*concurrent, false};
}

void attach_own_collection(ServerContext& ctx, const store::Conversation& c, const store::Access& access,
                           const rag::Collection& own) {
  if (c.own_collection_id == own.id && !c.collection_ids.empty() && c.collection_ids.front() == own.id) return;
  store::ConversationUpdate u;
  u.own_collection_id = own.id;
  std::vector<int64_t> ids = {own.id};
  for (int64_t id : c.collection_ids)
    if (id != own.id) ids.push_back(id);
  if (ids.size() > kMaxConversationCollections) ids.resize(kMaxConversationCollections);
  u.collection_ids = std::move(ids);
  auto updated = ctx.conversations().update(c.id, access, u);
  if (!updated) throw ApiError(500, "database_error", "the database failed: " + updated.error());
}

GroundedReply ground_reply(ServerContext& ctx, const store::Conversation& c, const std::string& question,
                           const nlohmann::ordered_json& earlier_turns, const app::GenerationRequest& request,
                           const LoadedModel* local, int64_t remote_context) {
  std::vector<rag::Collection> collections;
  std::string names;
  for (int64_t id : c.collection_ids)
    if (auto found = app::find_collection(ctx.core(), std::to_string(id))) {
      names += (names.empty() ? "" : ", ") + found->name;
      collections.push_back(std::move(*found));
    }
  if (collections.empty())
    throw ApiError(409, "no_collections", "the collections this conversation answers from have all been deleted");
  const nlohmann::json stored = c.retrieval ? nlohmann::json::parse(*c.retrieval, nullptr, false) : nlohmann::json::object();
  app::RagQuery query = read_rag_query(FieldReader(stored.is_object() ? stored : nlohmann::json::object(), "retrieval."), question);
  query.sampling = request.sampling;
  query.max_tokens = request.max_tokens;
  query.conversation = earlier_turns;
  query.chat = request;
  GroundedReply out;
  PreparedAnswer described;
  if (local) {
    app::PreparedAnswer prepared = value_or_throw(app::prepare_answer(ctx.core(), collections, *local, query));
    out.params = std::move(prepared.params);
    out.output = std::move(prepared.output);
    describe_plan(described, names, std::move(prepared.plan));
  } else {
    app::PreparedRemoteAnswer prepared =
        value_or_throw(app::prepare_remote_answer(ctx.core(), collections, remote_context, query));
    out.messages = std::move(prepared.messages);
    out.max_tokens = prepared.max_tokens;
    describe_plan(described, names, std::move(prepared.plan));
  }
  auto name_of = [&](const nlohmann::json& passage) {
    const int64_t id = passage.value("collection_id", int64_t{0});
    for (const rag::Collection& col : collections)
      if (col.id == id) return col.name;
    return std::string();
  };
  out.sources = std::move(described.sources);
  for (auto& s : out.sources) s["collection"] = name_of(s);
  out.retrieval = std::move(described.retrieval);
  for (auto& d : described.dropped) d["collection"] = name_of(d);
  out.retrieval["dropped_passages"] = std::move(described.dropped);
  return out;
}

nlohmann::json collections_json(ServerContext& ctx, const std::vector<int64_t>& ids) {
  nlohmann::json out = nlohmann::json::array();
  for (int64_t id : ids)
    if (auto c = app::find_collection(ctx.core(), std::to_string(id))) out.push_back({{"id", c->id}, {"name", c->name}});
  return out;
}

}  // namespace pg::server
