// Conversations stored on the server, under /api/v1/conversations: create,
// list (paginated), get with messages, update, delete, add a message and
// have the model reply (JSON or Server-Sent Events like /api/v1/chat), and
// export as JSON or Markdown. Each stored reply records what reproduces it:
// model name and file SHA-256, the chat template (by hash), the effective
// sampling settings with the seed actually used, token counts and timings.
// Replies take /api/v1/chat's tools and structured-output fields; a reply's
// tool calls and reasoning are stored apart from its content, and a tool's
// result is posted as a `tool` message naming the call it answers.
// With auth on, callers see their own conversations (admins also those made
// while auth was off); with auth off, all of them.
#include "util/float_text.h"
#include "util/sha256.h"
#include "server/api_error.h"
#include "server/chat_reply.h"
#include "server/collection_files.h"
#include "server/conversation_documents.h"
#include "server/generation_request.h"
#include "server/logprobs_json.h"
#include "app/chat_prompt.h"
#include "server/generation_runner.h"
#include "server/remote_generation.h"
#include "server/query_params.h"
#include "server/routes.h"
#include "providers/provider_registry.h"
#include "store/conversation_store.h"

namespace pg::server {
namespace {

constexpr const char* kIdPattern = R"(([A-Za-z0-9_-]{1,64}))";
constexpr int64_t kMaxListLimit = 200;
constexpr size_t kMaxToolCallIdBytes = 256;
// The fields of a reply request that shape the reply (read by
// read_native_output_fields), recorded as sent with the reply.
constexpr const char* kOutputFields[] = {"tools",           "tool_choice", "parallel_tool_calls", "response_format",
                                         "json_schema",     "grammar",     "logprobs",            "top_logprobs"};

store::Access access_for(ServerContext& ctx, const ApiRequest& req) {
  if (!ctx.auth_on()) return {true, 0, false};
  return {false, req.user.user_id, req.user.is_admin()};
}

nlohmann::json parse_stored(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

nlohmann::json conversation_json(ServerContext& ctx, const store::Conversation& c) {
  return {{"id", c.id},
          {"title", c.title},
          {"model", c.model},
          {"system_prompt", c.system_prompt},
          {"params", parse_stored(c.params)},
          {"collections", collections_json(ctx, c.collection_ids)},
          {"retrieval", c.retrieval ? parse_stored(*c.retrieval) : nlohmann::json(nullptr)},
          {"own_collection_id", c.own_collection_id ? nlohmann::json(*c.own_collection_id) : nlohmann::json(nullptr)},
          {"created_at", rfc3339_from_unix(c.created_at)},
          {"updated_at", rfc3339_from_unix(c.updated_at)},
          {"message_count", c.message_count}};
}

// A stored tool-call list (a JSON array), or an empty one if it is not.
template <typename Json>
Json parse_tool_calls(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_array() ? j : Json::array();
}

nlohmann::json message_json(const store::Message& m) {
  nlohmann::json j = {{"id", m.id}, {"role", m.role}, {"content", m.content}, {"created_at", rfc3339_from_unix(m.created_at)}};
  if (m.tool_calls) j["tool_calls"] = parse_tool_calls<nlohmann::json>(*m.tool_calls);
  if (m.tool_call_id) j["tool_call_id"] = *m.tool_call_id;
  if (m.reasoning) j["reasoning"] = *m.reasoning;
  if (m.model) j["model"] = *m.model;
  if (m.model_sha256) j["model_sha256"] = *m.model_sha256;
  if (m.chat_template_sha256) j["chat_template_sha256"] = *m.chat_template_sha256;
  if (m.generation) j["generation"] = parse_stored(*m.generation);
  if (m.sources) {
    nlohmann::json sources = nlohmann::json::parse(*m.sources, nullptr, false);
    j["sources"] = sources.is_array() ? sources : nlohmann::json::array();
    // The passages retrieved but left out, from the generation record, beside them.
    const nlohmann::json& g = j.contains("generation") ? j["generation"] : nlohmann::json();
    if (g.is_object() && g.contains("retrieval") && g["retrieval"].contains("dropped_passages"))
      j["dropped"] = g["retrieval"]["dropped_passages"];
  }
  return j;
}

// Checks a params object (the sampling fields and max_tokens) and keeps only those keys.
std::string checked_params(const nlohmann::json* params, const std::string& field) {
  if (!params) return "{}";
  FieldReader r(*params, field + ".");
  GenerationParams scratch;
  read_sampling_fields(r, scratch);
  (void)r.integer("max_tokens", 1, int64_t{1} << 24);
  nlohmann::json kept = nlohmann::json::object();
  for (const std::string& k : sampling_field_names())
    if (const nlohmann::json* v = r.raw(k)) kept[k] = *v;
  if (const nlohmann::json* v = r.raw("max_tokens")) kept["max_tokens"] = *v;
  return kept.dump();
}

// A stored message as the chat template takes it (normalize_chat_messages'
// form): an assistant's tool calls and reasoning (as reasoning_content), the
// call a tool result answers.
nlohmann::ordered_json template_message(const store::Message& m) {
  nlohmann::ordered_json j = {{"role", m.role}, {"content", m.content}};
  if (m.tool_calls)
    if (auto calls = parse_tool_calls<nlohmann::ordered_json>(*m.tool_calls); !calls.empty()) j["tool_calls"] = std::move(calls);
  if (m.tool_call_id) j["tool_call_id"] = *m.tool_call_id;
  if (m.reasoning) j["reasoning_content"] = *m.reasoning;
  return j;
}

// True when an assistant message of `messages` made the call `id`.
bool has_tool_call(const std::vector<store::Message>& messages, const std::string& id) {
  for (const auto& m : messages) {
    if (!m.tool_calls) continue;
    for (const auto& call : parse_tool_calls<nlohmann::json>(*m.tool_calls))
      if (call.is_object() && call.value("id", "") == id) return true;
  }
  return false;
}

std::string checked_role(const std::optional<std::string>& role) {
  const std::string r = role.value_or("user");
  if (r != "system" && r != "user" && r != "assistant" && r != "tool")
    throw invalid_field("role", "is '" + r + "', expected user, assistant, system or tool");
  return r;
}

store::Conversation find_or_404(ServerContext& ctx, const ApiRequest& req, const std::string& id) {
  auto c = db_checked(ctx.conversations().get(id, access_for(ctx, req)));
  if (!c) throw ApiError(404, "conversation_not_found", "no conversation '" + id + "'");
  return *c;
}

nlohmann::json sampling_record(const GenerationParams& p, uint64_t seed_used) {
  const SamplerParams& s = p.sampling;
  // The engine holds these as floats: written as their shortest decimal (0.8, not 0.800000011920929).
  const auto f = [](float v) { return float_as_decimal(v); };
  return {{"temperature", f(s.temperature)},  {"top_k", s.top_k},
          {"top_p", f(s.top_p)},              {"min_p", f(s.min_p)},
          {"repeat_penalty", f(s.repeat_penalty)}, {"repeat_last_n", s.repeat_last_n},
          {"frequency_penalty", f(s.frequency_penalty)}, {"presence_penalty", f(s.presence_penalty)},
          {"seed", seed_used},                {"max_tokens", p.max_tokens},
          {"stop", p.stop},                   {"ignore_eos", p.ignore_eos}};
}

// What a reply needs once the job is submitted.
struct PendingReply {
  std::string conversation_id;
  std::shared_ptr<LoadedModel> model;  // null for a remote provider's model
  std::string template_sha256;         // "" for a remote model (its template is the provider's)
  GenerationParams params;
  app::ChatOutputPlan plan;            // how the reply splits into content, reasoning and tool calls
  nlohmann::json output;               // the reply-shaping fields as sent (kOutputFields); null when none
  nlohmann::json remote_sampling;      // a remote model's sampling fields as sent
  nlohmann::json sources;              // a reply grounded in documents: the passages given (null otherwise)
  nlohmann::json retrieval;            // and how they were found and fitted, with the ones left out
};

// The reply to store: its text split into content, reasoning and tool calls (OpenAI's shape).
store::Message reply_message(const PendingReply& p, const GenerationJob& job, const GenerationOutcome& o) {
  const chat::ParsedChatOutput split = split_reply(p.plan, o.text);
  store::Message m;
  m.conversation_id = p.conversation_id;
  m.role = "assistant";
  m.content = split.content;
  if (!split.reasoning.empty()) m.reasoning = split.reasoning;
  if (!split.tool_calls.empty()) m.tool_calls = openai_tool_calls(split.tool_calls).dump();
  if (p.model) {
    m.model = p.model->file.name;
    if (auto digest = p.model->sha256->wait()) m.model_sha256 = *digest;  // computed once per loaded model
    m.chat_template_sha256 = p.template_sha256;
  } else {
    m.model = job.model();  // "provider/model", the fallback's when one answered
  }
  nlohmann::json generation = {{"generation_id", job.id()},
                               {"finish_reason", split.tool_calls.empty() ? o.finish_reason : "tool_calls"},
                               {"sampling", p.model ? sampling_record(p.params, o.seed) : p.remote_sampling},
                               {"usage", native_usage_json(o)},
                               {"timings", native_timings_json(o)}};
  if (!p.output.is_null()) generation["output"] = p.output;
  if (!p.retrieval.is_null()) generation["retrieval"] = p.retrieval;
  m.generation = generation.dump();
  if (!p.sources.is_null()) m.sources = p.sources.dump();
  return m;
}

std::string markdown_export(const store::Conversation& c, const std::vector<store::Message>& messages) {
  std::string md = "# " + c.title + "\n\n";
  md += "- id: `" + c.id + "`\n- model: `" + c.model + "`\n- created: " + rfc3339_from_unix(c.created_at) + "\n\n";
  if (!c.system_prompt.empty()) md += "## System\n\n" + c.system_prompt + "\n\n";
  for (const auto& m : messages) {
    std::string role = m.role;
    if (!role.empty()) role[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(role[0])));
    md += "## " + role + "\n\n";
    if (m.tool_call_id) md += "<sub>result of tool call `" + *m.tool_call_id + "`</sub>\n\n";
    if (m.reasoning) md += "<details><summary>Reasoning</summary>\n\n" + *m.reasoning + "\n\n</details>\n\n";
    if (!m.content.empty()) md += m.content + "\n\n";
    if (m.tool_calls)
      for (const auto& call : parse_tool_calls<nlohmann::json>(*m.tool_calls)) {
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) continue;
        const nlohmann::json& fn = call["function"];
        const nlohmann::json args = fn.value("arguments", nlohmann::json());
        md += "Tool call `" + fn.value("name", "") + "` (`" + call.value("id", "") + "`):\n\n```json\n" +
              (args.is_string() ? args.get<std::string>() : args.dump()) + "\n```\n\n";
      }
    if (m.generation) {
      const nlohmann::json g = parse_stored(*m.generation);
      md += "<sub>model `" + m.model.value_or("") + "`";
      if (m.model_sha256) md += " (sha256 `" + m.model_sha256->substr(0, 12) + "…`)";
      if (g.contains("sampling")) md += ", seed " + g["sampling"].value("seed", nlohmann::json()).dump();
      if (g.contains("sampling")) md += ", temperature " + g["sampling"].value("temperature", nlohmann::json()).dump();
      if (g.contains("usage")) md += ", " + g["usage"].value("completion_tokens", nlohmann::json()).dump() + " tokens";
      md += ", finish: " + g.value("finish_reason", "") + "</sub>\n\n";
    }
  }
  return md;
}

}  // namespace

void add_conversation_routes(RouteTable& routes, ServerContext& ctx) {
  const std::string one = std::string("/api/v1/conversations/") + kIdPattern;

  routes.add("POST", "/api/v1/conversations", "/api/v1/conversations",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const nlohmann::json body = request_json(req);
               FieldReader r(body);
               store::Conversation c;
               c.id = ctx.new_id("conv-");
               if (!ctx.auth_on() || req.user.anonymous()) c.user_id = std::nullopt;
               else c.user_id = req.user.user_id;
               c.title = r.string("title", 512).value_or("New conversation");
               const std::string asked = r.string("model", 256).value_or("");
               if (auto ref = find_remote(ctx.core(), asked)) c.model = ref->full_name();
               else c.model = value_or_throw(ctx.models().acquire(asked))->file.name;
               c.system_prompt = r.string("system_prompt", 1 << 20).value_or("");
               c.params = checked_params(r.raw("params"), "params");
               c.collection_ids = checked_collections(ctx, r.raw("collections"));
               c.retrieval = checked_retrieval(r.raw("retrieval"));
               send_json(res, 201, conversation_json(ctx, db_checked(ctx.conversations().create(c))));
             });

  routes.add("GET", "/api/v1/conversations", "/api/v1/conversations",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const int64_t limit = query_integer(req, "limit", 1, kMaxListLimit).value_or(50);
               const int64_t offset = query_integer(req, "offset", 0, INT64_MAX / 2).value_or(0);
               int64_t total = 0;
               nlohmann::json list = nlohmann::json::array();
               for (const auto& c : db_checked(ctx.conversations().list(access_for(ctx, req), limit, offset, total)))
                 list.push_back(conversation_json(ctx, c));
               send_json(res, 200, {{"conversations", list}, {"total", total}, {"limit", limit}, {"offset", offset}});
             });

  routes.add("GET", one, "/api/v1/conversations/{id}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const store::Conversation c = find_or_404(ctx, req, req.http.matches[1]);
    nlohmann::json j = conversation_json(ctx, c);
    j["messages"] = nlohmann::json::array();
    for (const auto& m : db_checked(ctx.conversations().messages(c.id))) j["messages"].push_back(message_json(m));
    send_json(res, 200, j);
  });

  routes.add("PATCH", one, "/api/v1/conversations/{id}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const std::string id = req.http.matches[1];
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    store::ConversationUpdate u;
    u.title = r.string("title", 512);
    if (auto m = r.string("model", 256)) {
      if (auto ref = find_remote(ctx.core(), *m)) u.model = ref->full_name();
      else u.model = value_or_throw(ctx.models().acquire(*m))->file.name;
    }
    u.system_prompt = r.string("system_prompt", 1 << 20);
    if (r.has("params")) u.params = checked_params(r.raw("params"), "params");
    // null detaches every collection / goes back to the default retrieval settings.
    if (body.is_object() && body.contains("collections")) u.collection_ids = checked_collections(ctx, r.raw("collections"));
    if (body.is_object() && body.contains("retrieval")) u.retrieval = checked_retrieval(r.raw("retrieval"));
    if (!db_checked(ctx.conversations().update(id, access_for(ctx, req), u)))
      throw ApiError(404, "conversation_not_found", "no conversation '" + id + "'");
    send_json(res, 200, conversation_json(ctx, find_or_404(ctx, req, id)));
  });

  // Deleting a conversation deletes the collection of the files dropped into it too.
  routes.add("DELETE", one, "/api/v1/conversations/{id}", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const std::string id = req.http.matches[1];
    const store::Conversation c = find_or_404(ctx, req, id);
    // Its files first: should that fail, the conversation is still there to delete again, and no
    // collection is left that nothing names.
    if (c.own_collection_id)
      if (auto own = ctx.rag().collections->get_collection(*c.own_collection_id)) delete_collection_and_files(ctx, *own);
    if (!db_checked(ctx.conversations().remove(id, access_for(ctx, req))))
      throw ApiError(404, "conversation_not_found", "no conversation '" + id + "'");
    send_json(res, 200, {{"id", id}, {"deleted", true}});
  });

  // Files dropped into the chat: ingested into the conversation's own collection
  // (made and attached on first use), answered as a collection upload is.
  routes.add_upload(one + "/documents", "/api/v1/conversations/{id}/documents",
                    UploadLimits{static_cast<uint64_t>(ctx.config().max_upload_bytes),
                                 static_cast<uint64_t>(ctx.config().max_upload_total_bytes),
                                 static_cast<size_t>(ctx.config().max_upload_files), ctx.rag().uploads_dir},
                    [&ctx](const ApiRequest& req, Upload& upload, httplib::Response& res) {
                      const store::Conversation c = find_or_404(ctx, req, req.http.matches[1]);
                      if (upload.files.empty())
                        throw ApiError(400, "no_files", "the upload has no file parts (send them as multipart files)");
                      const OwnCollection own = own_collection(ctx, c);
                      // Every file refused: the collection made for them goes again, unless a
                      // concurrent upload to the same conversation has put documents in it meanwhile.
                      auto drop_if_made_and_empty = [&] {
                        auto docs = ctx.rag().collections->list_documents(own.collection.id);
                        if (own.made && docs && docs->empty()) delete_collection_and_files(ctx, own.collection);
                      };
                      bool accepted = false;
                      try {
                        accepted = answer_collection_upload(ctx, own.collection, upload, res);
                      } catch (const ApiError&) {
                        drop_if_made_and_empty();
                        throw;
                      }
                      if (accepted)
                        attach_own_collection(ctx, c, access_for(ctx, req), own.collection);
                      else
                        drop_if_made_and_empty();
                    });

  routes.add("GET", one + "/export", "/api/v1/conversations/{id}/export",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const store::Conversation c = find_or_404(ctx, req, req.http.matches[1]);
               const std::string format = req.http.has_param("format") ? req.http.get_param_value("format") : "json";
               const auto messages = db_checked(ctx.conversations().messages(c.id));
               if (format == "markdown" || format == "md") {
                 res.status = 200;
                 res.set_header("Content-Disposition", "attachment; filename=\"" + c.id + ".md\"");
                 res.set_content(markdown_export(c, messages), "text/markdown; charset=utf-8");
                 return;
               }
               if (format != "json") throw invalid_field("format", "is '" + format + "', expected json or markdown");
               nlohmann::json j = conversation_json(ctx, c);
               j["messages"] = nlohmann::json::array();
               nlohmann::json templates = nlohmann::json::object();
               for (const auto& m : messages) {
                 j["messages"].push_back(message_json(m));
                 if (m.chat_template_sha256 && !templates.contains(*m.chat_template_sha256))
                   templates[*m.chat_template_sha256] =
                       db_checked(ctx.conversations().template_source(*m.chat_template_sha256)).value_or("");
               }
               j["chat_templates"] = templates;
               j["format"] = "playground.conversation.v1";
               res.set_header("Content-Disposition", "attachment; filename=\"" + c.id + ".json\"");
               send_json(res, 200, j);
             });

  // Appends a message; for a user or tool message (unless reply: false) the
  // model answers with the conversation's model and params (overridable per
  // request), and the request's tools and structured-output fields.
  routes.add("POST", one + "/messages", "/api/v1/conversations/{id}/messages",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const store::Conversation c = find_or_404(ctx, req, req.http.matches[1]);
               const nlohmann::json body = request_json(req);
               FieldReader r(body);
               store::Message msg;
               msg.conversation_id = c.id;
               msg.role = checked_role(r.string("role", 16));
               auto content = r.string("content", 1 << 22);
               if (!content) throw invalid_field("content", "is required");
               msg.content = *content;
               if (r.has("tool_calls"))
                 throw invalid_field("tool_calls", "cannot be posted: an assistant's tool calls are stored from the model's replies");
               const std::vector<store::Message> stored_messages = db_checked(ctx.conversations().messages(c.id));
               if (auto call_id = r.string("tool_call_id", kMaxToolCallIdBytes)) {
                 if (msg.role != "tool") throw invalid_field("tool_call_id", "is only allowed with role \"tool\"");
                 if (!has_tool_call(stored_messages, *call_id))
                   throw invalid_field("tool_call_id", "is '" + *call_id + "', which names no tool call of this conversation");
                 msg.tool_call_id = *call_id;
               }
               const bool reply = r.boolean("reply").value_or(msg.role == "user" || msg.role == "tool");
               const bool stream = r.boolean("stream").value_or(false);
               if (!reply) {
                 send_json(res, 201, {{"message", message_json(db_checked(ctx.conversations().add_message(msg)))}});
                 return;
               }
               // Everything is checked and the job submitted before anything is stored.
               auto pending = std::make_shared<PendingReply>();
               pending->conversation_id = c.id;
               nlohmann::ordered_json history = nlohmann::ordered_json::array();
               if (!c.system_prompt.empty()) history.push_back({{"role", "system"}, {"content", c.system_prompt}});
               for (const auto& m : stored_messages) history.push_back(template_message(m));
               // A user message in a conversation with collections gets a reply grounded in them.
               // Its tools, reply format and logprobs hold for the grounded reply as for any other.
               const bool grounded = msg.role == "user" && !c.collection_ids.empty();
               const nlohmann::ordered_json earlier_turns = history;
               history.push_back(template_message(msg));
               nlohmann::json params = parse_stored(c.params);
               if (const nlohmann::json* overrides = r.raw("params")) {
                 (void)checked_params(overrides, "params");
                 params.update(*overrides);
               }
               FieldReader pr(params, "params.");
               app::GenerationRequest g;
               g.model = c.model;
               g.input.style = app::PromptStyle::Chat;
               g.input.messages = std::move(history);
               g.input.field = "content";
               g.sampling = read_sampling_options(pr);
               g.max_tokens = pr.integer("max_tokens", 1, int64_t{1} << 24);
               g.max_tokens_field = "params.max_tokens";
               read_native_output_fields(req, r, true, g);
               for (const char* key : kOutputFields)
                 if (const nlohmann::json* v = r.raw(key)) pending->output[key] = *v;
               std::shared_ptr<GenerationJob> job;
               if (auto ref = find_remote(ctx.core(), c.model)) {
                 // A provider's model: the history goes as chat messages, the provider applies its template.
                 if (grounded) {
                   GroundedReply grounding =
                       ground_reply(ctx, c, msg.content, earlier_turns, g, nullptr, ref->client->config().context_size);
                   g.input.messages = nlohmann::ordered_json::parse(grounding.messages.dump());
                   g.max_tokens = grounding.max_tokens;
                   pending->sources = std::move(grounding.sources);
                   pending->retrieval = std::move(grounding.retrieval);
                 }
                 providers::RemoteGenerationRequest rr = remote_generation_request(g);
                 pending->remote_sampling = rr.sampling;
                 RemoteStart started = start_remote_generation(ctx, req, *ref, std::move(rr), ctx.new_id("gen-"));
                 started.set_headers(res);
                 job = started.job;
               } else {
                 pending->model = value_or_throw(ctx.models().acquire(c.model));
                 throw_if_error(pending->model->require_generation());
                 if (grounded) {
                   // The same answering path as POST /api/v1/rag/query, with the earlier turns.
                   GroundedReply grounding = ground_reply(ctx, c, msg.content, earlier_turns, g, pending->model.get(), 0);
                   pending->params = std::move(grounding.params);
                   pending->plan = std::move(grounding.output);
                   pending->sources = std::move(grounding.sources);
                   pending->retrieval = std::move(grounding.retrieval);
                 } else {
                   // The model's own defaults under the conversation's params, as generate and chat do.
                   pending->params = value_or_throw(app::prepare_generation(*pending->model, g,
                                                                            model_sampling_defaults(*pending->model),
                                                                            &pending->plan));
                 }
                 const std::string source = effective_chat_template(pending->model->decoder());
                 pending->template_sha256 = sha256_hex(source);
                 if (Status s = ctx.conversations().put_template(pending->template_sha256, source); !s)
                   throw ApiError(500, "database_error", "the database failed: " + s.message());
                 job = submit_generation(ctx, pending->model, ctx.new_id("gen-"), pending->params, req.user);
               }
               // The tokens' texts for logprobs (a local model's, when they were asked for).
               const Tokenizer* tok =
                   pending->model && g.top_logprobs >= 0 ? &pending->model->decoder().tokenizer() : nullptr;
               const store::Message stored_user = db_checked(ctx.conversations().add_message(msg));
               if (!stream) {
                 const GenerationOutcome out = wait_for_outcome(ctx, job, req.client_gone);
                 const store::Message stored = db_checked(ctx.conversations().add_message(reply_message(*pending, *job, out)));
                 nlohmann::json answer = {{"message", message_json(stored_user)}, {"reply", message_json(stored)}};
                 if (tok) answer["logprobs"] = token_logprob_items(*tok, out.logprobs);
                 send_json(res, 201, answer);
                 return;
               }
               StreamFormat f;
               f.content_type = "text/event-stream";
               f.keepalive = ": keep-alive\n\n";
               const GenerationJob* j = job.get();
               const nlohmann::json user_json = message_json(stored_user);
               // A grounded reply's sources and left-out passages come first, so its [n] cite them as it streams.
               f.start = [j, user_json, id = c.id, pending] {
                 nlohmann::json start = {{"id", j->id()}, {"model", j->model()}, {"conversation_id", id}, {"message", user_json}};
                 if (!pending->sources.is_null()) start["sources"] = pending->sources;
                 if (!pending->retrieval.is_null() && pending->retrieval.contains("dropped_passages"))
                   start["dropped"] = pending->retrieval["dropped_passages"];
                 return sse_event("start", start);
               };
               // As /api/v1/chat: content in `text` events, reasoning in `reasoning` events, tool calls with `done`.
               auto splitter = std::make_shared<ReplySplitter>(pending->plan);
               f.text = [splitter, tok](const JobEvent& ev) { return native_reply_events(splitter->push(ev.text), ev.logprobs, tok); };
               f.done = [&ctx, pending, j, splitter, tok](const GenerationOutcome& o) {
                 std::string bytes = native_reply_events(splitter->finish(), {}, tok);
                 auto stored = ctx.conversations().add_message(reply_message(*pending, *j, o));
                 if (!stored)
                   return bytes + sse_event("error", error_body(ApiError(500, "database_error", "the reply was not stored: " + stored.error())));
                 const nlohmann::json reply = message_json(*stored);
                 nlohmann::json done = {{"reply", reply},
                                        {"text", stored->content},
                                        {"finish_reason", reply.contains("tool_calls") ? "tool_calls" : o.finish_reason}};
                 if (reply.contains("reasoning")) done["reasoning"] = reply["reasoning"];
                 if (reply.contains("tool_calls")) done["tool_calls"] = reply["tool_calls"];
                 return bytes + sse_event("done", done);
               };
               f.error = [](int status, const std::string& code, const std::string& message) {
                 return sse_event("error", error_body(ApiError(status, code, message)));
               };
               stream_generation(ctx, res, pending->model, job, std::move(f));
             });
}

}  // namespace pg::server
