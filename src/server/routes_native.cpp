// Our own API under /api/v1: health, generate (JSON or Server-Sent
// Events), chat, embeddings, tokenize/detokenize, metrics, slots and cancel. Route
// handlers only translate HTTP <-> the generation runner; no engine logic.
#include <cmath>
#include <filesystem>

#include "engine/kernels/kernels.h"
#include "server/api_error.h"
#include "server/generation_request.h"
#include "app/chat_prompt.h"
#include "server/embedding_runner.h"
#include "server/generation_runner.h"
#include "server/chat_reply.h"
#include "server/logprobs_json.h"
#include "models/model_details.h"
#include "server/remote_generation.h"
#include "server/routes.h"
#include "providers/provider_registry.h"

namespace pg::server {
namespace {

constexpr size_t kMaxDetokenizeTokens = 1 << 20;

double ms(double seconds) { return std::round(seconds * 1e6) / 1e3; }

// The outcome; `model` (local models) gives the tokens' texts for logprobs when they were asked for.
nlohmann::json outcome_json(const GenerationJob& job, const GenerationOutcome& o, const LoadedModel* model,
                            const app::ChatOutputPlan& plan) {
  const chat::ParsedChatOutput reply = split_reply(plan, o.text);
  nlohmann::json j = {{"id", job.id()},
                      {"model", job.model()},
                      {"text", reply.content},
                      {"finish_reason", o.finish_reason},
                      {"usage", native_usage_json(o)},
                      {"timings", native_timings_json(o)},
                      {"seed", o.seed}};
  if (model && job.params().top_logprobs >= 0)
    j["logprobs"] = token_logprob_items(model->decoder().tokenizer(), o.logprobs);
  if (!reply.reasoning.empty()) j["reasoning"] = reply.reasoning;
  if (!reply.tool_calls.empty()) {
    j["tool_calls"] = openai_tool_calls(reply.tool_calls);
    j["finish_reason"] = "tool_calls";
  }
  return j;
}

// Answers with a job's outcome (JSON) or its events (SSE); `fallback` is added
// to the outcome when not null (a remote model's fallback).
void answer_job(ServerContext& ctx, const ApiRequest& req, httplib::Response& res, const std::shared_ptr<LoadedModel>& model,
                const std::shared_ptr<GenerationJob>& job, bool stream, const app::ChatOutputPlan& plan,
                const nlohmann::json& fallback = nullptr) {
  auto with_fallback = [fallback](nlohmann::json j) {
    if (!fallback.is_null()) j["fallback"] = fallback;
    return j;
  };
  if (!stream) {
    send_json(res, 200, with_fallback(outcome_json(*job, wait_for_outcome(ctx, job, req.client_gone), model.get(), plan)));
    return;
  }
  StreamFormat f;
  f.content_type = "text/event-stream";
  f.keepalive = ": keep-alive\n\n";
  const GenerationJob* j = job.get();
  f.start = [j, with_fallback] { return sse_event("start", with_fallback({{"id", j->id()}, {"model", j->model()}})); };
  const LoadedModel* m = model.get();  // the stream holds the model while it runs
  // Content goes out as `text` events and reasoning as `reasoning` events; tool calls come with `done`.
  auto splitter = std::make_shared<ReplySplitter>(plan);
  auto events = [m](const std::vector<chat::ChatDelta>& deltas, std::vector<TokenLogprob> logprobs) {
    return native_reply_events(deltas, std::move(logprobs), m ? &m->decoder().tokenizer() : nullptr);
  };
  f.text = [splitter, events](const JobEvent& ev) { return events(splitter->push(ev.text), ev.logprobs); };
  f.done = [j, m, plan, splitter, events, with_fallback](const GenerationOutcome& o) {
    return events(splitter->finish(), {}) + sse_event("done", with_fallback(outcome_json(*j, o, m, plan)));
  };
  f.error = [](int status, const std::string& code, const std::string& message) {
    return sse_event("error", error_body(ApiError(status, code, message)));
  };
  stream_generation(ctx, res, model, job, std::move(f));
}

// generate and chat: one typed request, served by a remote provider or a local model.
void run_generation(ServerContext& ctx, const ApiRequest& req, httplib::Response& res, const FieldReader& r,
                    GenerationApi api) {
  const app::GenerationRequest g = read_generation_request(req, r, api).request;
  if (auto ref = find_remote(ctx.core(), g.model)) {
    RemoteStart started = start_remote_generation(ctx, req, *ref, remote_generation_request(g), ctx.new_id("gen-"));
    started.set_headers(res);
    return answer_job(ctx, req, res, nullptr, started.job, g.stream, app::ChatOutputPlan{}, started.fallback_json());
  }
  auto model = value_or_throw(ctx.models().acquire(g.model, g.keep_alive));
  app::ChatOutputPlan plan;
  GenerationParams params = value_or_throw(app::prepare_generation(*model, g, model_sampling_defaults(*model), &plan));
  auto job = submit_generation(ctx, model, ctx.new_id("gen-"), std::move(params), req.user);
  answer_job(ctx, req, res, model, job, g.stream, plan);
}

}  // namespace

std::string sse_event(const std::string& event, const nlohmann::json& data) {
  return "event: " + event + "\ndata: " + dump_json(data) + "\n\n";
}

nlohmann::json native_usage_json(const GenerationOutcome& o) {
  const int64_t completion = o.stats.generated_tokens;
  return {{"prompt_tokens", o.stats.prompt_tokens},
          {"completion_tokens", completion},
          {"total_tokens", o.stats.prompt_tokens + completion},
          {"cached_prompt_tokens", o.cached_prompt_tokens}};
}

nlohmann::json native_timings_json(const GenerationOutcome& o) {
  return {{"queue_ms", ms(o.queue_seconds)},
          {"time_to_first_token_ms", ms(o.stats.time_to_first_token)},
          {"prompt_ms", ms(o.stats.prompt_seconds)},
          {"generation_ms", ms(o.stats.generation_seconds)},
          {"prompt_tokens_per_second", o.prompt_tokens_per_second()},
          {"generation_tokens_per_second", o.stats.generation_tokens_per_second()}};
}

void add_native_routes(RouteTable& routes, ServerContext& ctx) {
  routes.add("GET", "/api/v1/health", "/api/v1/health", [&ctx](const ApiRequest&, httplib::Response& res) {
    const bool down = ctx.shutting_down();
    send_json(res, down ? 503 : 200,
              {{"status", down ? "shutting_down" : "ok"},
               {"version", PG_VERSION},
               {"instance", ctx.instance_id()},
               {"uptime_seconds", ctx.uptime_seconds()},
               {"default_model", ctx.models().default_name()},
               {"models_loaded", ctx.models().loaded().size()}});
  });

  routes.add("POST", "/api/v1/models/generate", "/api/v1/models/generate",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const nlohmann::json body = request_json(req);
               run_generation(ctx, req, res, FieldReader(body), GenerationApi::NativeGenerate);
             });

  routes.add("POST", "/api/v1/chat", "/api/v1/chat", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    run_generation(ctx, req, res, FieldReader(body), GenerationApi::NativeChat);
  });

  routes.add("POST", "/api/v1/tokenize", "/api/v1/tokenize", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    auto model = value_or_throw(ctx.models().acquire(r.string("model", 256).value_or(""), request_keep_alive(r)));
    auto text = r.string("text");
    if (!text) throw invalid_field("text", "is required");
    const bool add_special = r.boolean("add_special").value_or(true);
    const bool parse_special = r.boolean("parse_special").value_or(true);
    const auto ids = model->tokenizer().encode(*text, add_special, parse_special);
    send_json(res, 200, {{"model", model->file.name}, {"tokens", ids}});
  });

  routes.add("POST", "/api/v1/detokenize", "/api/v1/detokenize", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    auto model = value_or_throw(ctx.models().acquire(r.string("model", 256).value_or(""), request_keep_alive(r)));
    const nlohmann::json* tokens = r.raw("tokens");
    if (!tokens) throw invalid_field("tokens", "is required");
    if (!tokens->is_array()) throw invalid_field("tokens", "must be an array of token ids, got " + describe_json(*tokens));
    if (tokens->size() > kMaxDetokenizeTokens)
      throw invalid_field("tokens", "has more than " + std::to_string(kMaxDetokenizeTokens) + " items");
    const Tokenizer& tok = model->tokenizer();
    const std::vector<TokenId> ids = read_token_ids(*tokens, "tokens", static_cast<int64_t>(tok.vocab_size()));
    send_json(res, 200, {{"model", model->file.name}, {"text", tok.decode(ids, r.boolean("render_special").value_or(false))}});
  });

  auto metrics = [&ctx](const ApiRequest&, httplib::Response& res) {
    std::vector<ModelGauges> gauges;
    for (const auto& m : ctx.models().loaded()) {
      const SchedulerStatus s = m->scheduler ? m->scheduler->status() : SchedulerStatus{};
      gauges.push_back({m->file.name, s.slots, s.active, s.queued, m->weight_bytes()});
    }
    res.status = 200;
    res.set_content(ctx.metrics().render(gauges) + provider_metrics_text(ctx) + auth_metrics_text(ctx), "text/plain; version=0.0.4; charset=utf-8");
  };
  routes.add("GET", "/api/v1/metrics", "/api/v1/metrics", metrics);
  routes.add("GET", "/metrics", "/metrics", metrics);

  // Users see the ids of their own generations only (others' are null), admins all.
  routes.add("GET", "/api/v1/slots", "/api/v1/slots", [&ctx](const ApiRequest& req, httplib::Response& res) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : ctx.models().loaded()) {
      if (!m->scheduler) continue;  // an embedding-only model has no slots
      const SchedulerStatus s = m->scheduler->status();
      nlohmann::json slots = nlohmann::json::array();
      for (const SlotStatus& st : s.slot_status) {
        const bool shown = !st.job_id.empty() && ctx.may_see_job(st.job_id, req.user);
        slots.push_back({{"index", st.index},
                         {"state", st.state},
                         {"generation_id", shown ? nlohmann::json(st.job_id) : nlohmann::json(nullptr)},
                         {"cached_tokens", st.cached_tokens},
                         {"generated_tokens", st.generated_tokens}});
      }
      models.push_back({{"model", m->file.name},
                        {"context_size", m->scheduler->context_size()},
                        {"active", s.active},
                        {"queued", s.queued},
                        {"queue_capacity", s.queue_capacity},
                        {"slots", slots}});
    }
    send_json(res, 200, {{"models", models}});
  });

  // Only the generation's owner or an admin may cancel it; to anyone else it
  // does not exist (404, so ids of others' generations are not confirmed).
  routes.add("POST", R"(/api/v1/generations/([A-Za-z0-9_.-]{1,128})/cancel)", "/api/v1/generations/{id}/cancel",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const std::string id = req.http.matches[1];
               if (!ctx.cancel_job(id, req.user))
                 throw ApiError(404, "generation_not_found", "no running generation has id '" + id + "'");
               send_json(res, 200, {{"id", id}, {"cancelled", true}});
             });

  routes.add("POST", "/api/v1/embeddings", "/api/v1/embeddings", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    if (auto ref = find_remote(ctx.core(), r.string("model", 256).value_or(""))) {
      int64_t tokens = 0;
      const auto vectors = remote_embeddings(ctx.core(), usage_user(req), *ref, read_remote_inputs(r.raw("input"), "input"), &tokens);
      send_json(res, 200,
                {{"model", ref->full_name()},
                 {"dimensions", vectors.empty() ? 0 : vectors[0].size()},
                 {"embeddings", vectors},
                 {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
      return;
    }
    auto model = value_or_throw(ctx.models().acquire(r.string("model", 256).value_or(""), request_keep_alive(r)));
    EmbeddingInputs in = read_embedding_inputs(r.raw("input"), "input", *model, false, false);
    const EmbeddingOutcome out = compute_embeddings(ctx, model, std::move(in.tokens));
    send_json(res, 200,
              {{"model", model->file.name},
               {"dimensions", model->n_embd()},
               {"embeddings", out.vectors},
               {"usage", {{"prompt_tokens", in.total_tokens}, {"total_tokens", in.total_tokens}}}});
  });
}

}  // namespace pg::server
