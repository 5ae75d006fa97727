// Ollama-compatible routes: /api/generate and /api/chat (NDJSON streaming by
// default, one object with stream:false), /api/tags, /api/show, /api/ps,
// /api/version, /api/embed and the older /api/embeddings. Durations
// are nanoseconds as Ollama reports them. Model names may carry Ollama's
// ":latest" tag. Errors are Ollama-shaped, {"error": "message"} (the route
// table writes them for every /api/... path; a stream ends with such a line).
#include <cmath>

#include "server/api_error.h"
#include "server/cache_type_fields.h"
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

int64_t ns(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

std::string tagged(const std::string& name) { return name + ":latest"; }

// A stable identity of the file version (path, size, mtime), in Ollama's digest form.
std::string digest_of(const ModelFile& f) {
  if (f.sha256.size() == 64) return f.sha256;  // the real digest once the registry has computed it
  uint64_t h = 1469598103934665603ULL;
  const std::string key = f.path + "|" + std::to_string(f.size_bytes) + "|" + std::to_string(f.modified_unix);
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf) + std::string(48, '0');
}

nlohmann::json details_json(const models::ModelDetails& d) {
  return {{"parent_model", ""},
          {"format", "gguf"},
          {"family", d.architecture},
          {"families", nlohmann::json::array({d.architecture})},
          {"parameter_size", models::format_parameter_count(d.parameters)},
          {"quantization_level", d.quantization}};
}

models::ModelDetails details_for(ServerContext& ctx, const ModelFile& f) {
  if (auto m = ctx.models().find_loaded(f.name)) return models::describe_gguf(m->gguf());
  auto d = models::describe_gguf_file(f.path);
  return d ? *d : models::ModelDetails{};
}

struct OllamaRequest {
  std::function<bool()> client_gone;  // the caller hung up (non-streamed answers stop then)
  std::shared_ptr<LoadedModel> model;
  std::string model_name;
  GenerationParams params;
  bool stream = true;
  double load_seconds = 0;
  app::ChatOutputPlan plan;   // chat: how the reply splits into content, thinking and tool calls
  bool show_thinking = true;  // think: false hides the reasoning
};

std::shared_ptr<LoadedModel> acquire(ServerContext& ctx, const app::GenerationRequest& g, std::string& name,
                                     double& load_s) {
  if (g.model.empty()) throw invalid_field("model", "is required");
  name = g.model;
  const bool was_loaded = ctx.models().find_loaded(name) != nullptr;
  auto m = value_or_throw(ctx.models().acquire(name, g.keep_alive));
  load_s = was_loaded ? 0 : m->load_seconds;
  return m;
}

// The model a non-generating request (show, embed) names under `model` or `name`.
std::shared_ptr<LoadedModel> acquire(ServerContext& ctx, const FieldReader& r, std::string& name, double& load_s) {
  app::GenerationRequest g;
  g.model = r.string("model", 256).value_or(r.string("name", 256).value_or(""));
  g.keep_alive = request_keep_alive(r);
  return acquire(ctx, g, name, load_s);
}

nlohmann::json final_fields(const OllamaRequest& o, const GenerationOutcome& out, double total_seconds) {
  nlohmann::json j = {{"done", true},
                      {"done_reason", out.finish_reason},
                      {"total_duration", ns(total_seconds)},
                      {"load_duration", ns(o.load_seconds)},
                      {"prompt_eval_count", out.stats.prompt_tokens - out.cached_prompt_tokens},
                      {"prompt_eval_duration", ns(out.stats.prompt_seconds)},
                      {"eval_count", out.stats.generated_tokens},
                      {"eval_duration", ns(out.stats.generation_seconds)}};
  return j;
}

// Answers with the job's final object or its NDJSON lines; `fallback` (not null) is added to each.
void respond_job(ServerContext& ctx, httplib::Response& res, const OllamaRequest& o, std::shared_ptr<GenerationJob> job,
                 bool chat, std::chrono::steady_clock::time_point arrival, const nlohmann::json& fallback = nullptr) {
  const std::vector<TokenId> prompt_ids = o.params.prompt_ids;
  const std::string name = o.model_name;
  auto seconds_since_arrival = [arrival] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count() ;
  };
  auto head = [name, fallback]() {
    nlohmann::json j{{"model", name}, {"created_at", rfc3339_now()}};
    if (!fallback.is_null()) j["fallback"] = fallback;
    return j;
  };
  auto with_text = [chat](nlohmann::json j, const std::string& text) {
    if (chat) j["message"] = {{"role", "assistant"}, {"content", text}};
    else j["response"] = text;
    return j;
  };
  const bool show_thinking = o.show_thinking;
  // A chat message from split text: content, thinking, tool calls (each when present).
  auto with_reply = [show_thinking](nlohmann::json j, const chat::ParsedChatOutput& reply) {
    nlohmann::json m = {{"role", "assistant"}, {"content", reply.content}};
    if (show_thinking && !reply.reasoning.empty()) m["thinking"] = reply.reasoning;
    if (!reply.tool_calls.empty()) m["tool_calls"] = ollama_tool_calls(reply.tool_calls);
    j["message"] = std::move(m);
    return j;
  };
  auto final_object = [=](const GenerationOutcome& out, const std::string& text) {
    nlohmann::json j = with_text(head(), text);
    j.update(final_fields(o, out, seconds_since_arrival()));
    if (!chat) {
      std::vector<TokenId> context = prompt_ids;
      context.insert(context.end(), out.tokens.begin(), out.tokens.end());
      j["context"] = context;
    }
    return j;
  };
  // Ollama's logprobs: the chat shape of OpenAI's items, when asked for (local models only).
  const std::shared_ptr<LoadedModel> model = o.model;
  auto logprobs = [model](const std::vector<TokenLogprob>& lps) {
    return model ? token_logprob_items(model->decoder().tokenizer(), lps) : nlohmann::json::array();
  };
  const app::ChatOutputPlan plan = o.plan;
  if (!o.stream) {
    const GenerationOutcome out = wait_for_outcome(ctx, job, o.client_gone);
    nlohmann::json body = final_object(out, out.text);
    if (chat) body = with_reply(std::move(body), split_reply(plan, out.text));
    if (o.params.top_logprobs >= 0) body["logprobs"] = logprobs(out.logprobs);
    send_json(res, 200, body);
    return;
  }
  // Chat streams: content and thinking as they come; tool calls whole, once complete, before the end.
  auto splitter = std::make_shared<ReplySplitter>(plan);
  auto reply_line = [=](const std::vector<chat::ChatDelta>& deltas, const std::vector<TokenLogprob>& lps) {
    chat::ParsedChatOutput piece;
    for (const chat::ChatDelta& d : deltas) {
      if (d.kind == chat::ChatDelta::Content) piece.content += d.text;
      if (d.kind == chat::ChatDelta::Reasoning) piece.reasoning += d.text;
    }
    if (piece.content.empty() && (piece.reasoning.empty() || !show_thinking) && lps.empty()) return std::string();
    nlohmann::json j = with_reply(head(), piece);
    if (!lps.empty()) j["logprobs"] = logprobs(lps);
    j["done"] = false;
    return dump_json(j) + "\n";
  };
  StreamFormat f;
  f.content_type = "application/x-ndjson";
  f.text = [=](const JobEvent& ev) {
    if (chat) return reply_line(splitter->push(ev.text), ev.logprobs);
    nlohmann::json j = with_text(head(), ev.text);
    if (!ev.logprobs.empty()) j["logprobs"] = logprobs(ev.logprobs);
    j["done"] = false;
    return dump_json(j) + "\n";
  };
  f.done = [=](const GenerationOutcome& out) {
    std::string bytes;
    if (chat) {
      bytes = reply_line(splitter->finish(), {});
      const auto calls = splitter->result().tool_calls;
      if (!calls.empty()) {
        chat::ParsedChatOutput only_calls;
        only_calls.tool_calls = calls;
        nlohmann::json j = with_reply(head(), only_calls);
        j["done"] = false;
        bytes += dump_json(j) + "\n";
      }
    }
    return bytes + dump_json(final_object(out, "")) + "\n";
  };
  f.error = [](int, const std::string&, const std::string& message) {
    return dump_json({{"error", message}}) + "\n";
  };
  stream_generation(ctx, res, o.model, job, std::move(f));
}

// generate and chat: one typed request, served by a remote provider or a local model.
void respond(ServerContext& ctx, const ApiRequest& req, httplib::Response& res, const FieldReader& r, bool chat) {
  const auto arrival = std::chrono::steady_clock::now();
  const app::GenerationRequest g =
      read_generation_request(req, r, chat ? GenerationApi::OllamaChat : GenerationApi::OllamaGenerate).request;
  OllamaRequest o;
  o.client_gone = req.client_gone;
  o.stream = g.stream;
  if (auto ref = find_remote(ctx.core(), r.string("model", 256).value_or(""))) {
    o.model_name = g.model;
    RemoteStart started = start_remote_generation(ctx, req, *ref, remote_generation_request(g), ctx.new_id("ollama-"));
    started.set_headers(res);
    if (!started.fallback_reason.empty()) o.model_name = started.job->model();
    return respond_job(ctx, res, o, started.job, chat, arrival, started.fallback_json());
  }
  o.model = acquire(ctx, g, o.model_name, o.load_seconds);
  throw_if_error(o.model->require_generation());  // an embedding model cannot generate, not even the empty "load" prompt
  if (!chat && g.input.prompt.empty() && g.input.system.empty()) {
    // Ollama answers an empty prompt by loading the model, or with keep_alive 0 by unloading it.
    const bool unload = g.keep_alive && *g.keep_alive == 0;
    if (unload) {
      const std::string loaded_name = o.model->file.name;
      o.model.reset();
      // Busy: the keep-alive of 0 unloads it once its requests finish.
      (void)ctx.models().unload(loaded_name);
    }
    send_json(res, 200,
              {{"model", o.model_name}, {"created_at", rfc3339_now()}, {"response", ""}, {"done", true},
               {"done_reason", unload ? "unload" : "load"}});
    return;
  }
  // The Modelfile's PARAMETERs apply under the request's options, as Ollama does.
  o.show_thinking = g.think.value_or(true);
  o.params = value_or_throw(app::prepare_generation(*o.model, g, model_sampling_defaults(*o.model), &o.plan));
  auto job = submit_generation(ctx, o.model, ctx.new_id("ollama-"), o.params, req.user);
  respond_job(ctx, res, o, job, chat, arrival);
}

}  // namespace

void add_ollama_routes(RouteTable& routes, ServerContext& ctx) {
  routes.add("POST", "/api/generate", "/api/generate", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    respond(ctx, req, res, FieldReader(body), false);
  });

  routes.add("POST", "/api/chat", "/api/chat", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    respond(ctx, req, res, FieldReader(body), true);
  });

  routes.add("GET", "/api/tags", "/api/tags", [&ctx](const ApiRequest&, httplib::Response& res) {
    nlohmann::json models = nlohmann::json::array();
    for (const ModelFile& f : ctx.models().available()) {
      // A pulled model shows under its Ollama-style alias ("mistral:7b"), as Ollama lists it.
      std::string shown = tagged(f.name);
      for (const std::string& a : f.aliases)  // the short form ("tiny:q4") over "ollama.com/library/tiny:q4"
        if (a.find(':') != std::string::npos && (shown == tagged(f.name) || a.find('/') == std::string::npos))
          shown = a;
      models.push_back({{"name", shown},
                        {"model", shown},
                        {"modified_at", rfc3339_from_unix(f.modified_unix)},
                        {"size", f.size_bytes},
                        {"digest", digest_of(f)},
                        {"details", details_json(details_for(ctx, f))}});
    }
    for (const std::string& name : ctx.providers().model_names()) {
      ModelFile remote;
      remote.name = remote.path = name;
      models.push_back({{"name", tagged(name)},
                        {"model", tagged(name)},
                        {"modified_at", rfc3339_from_unix(0)},
                        {"size", 0},
                        {"digest", digest_of(remote)},
                        {"remote", true},
                        {"details", details_json(models::ModelDetails{})}});
    }
    send_json(res, 200, {{"models", models}});
  });

  routes.add("POST", "/api/show", "/api/show", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    std::string name;
    double load_s = 0;
    auto model = acquire(ctx, r, name, load_s);
    const models::ModelDetails d = models::describe_gguf(model->gguf());
    send_json(res, 200,
              {{"license", ""},
               {"modelfile", "FROM " + model->file.path + "\n"},
               {"parameters", ""},
               {"template", d.chat_template},
               {"details", details_json(d)},
               {"model_info", d.metadata},
               {"capabilities", model->is_encoder() ? nlohmann::json::array({"embedding"})
                                                    : nlohmann::json::array({"completion"})},
               {"modified_at", rfc3339_from_unix(model->file.modified_unix)}});
  });

  routes.add("GET", "/api/ps", "/api/ps", [&ctx](const ApiRequest&, httplib::Response& res) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : ctx.models().loaded()) {
      const uint64_t size = m->estimated_bytes ? m->estimated_bytes : m->weight_bytes();
      const int64_t expires = m->expires_unix();
      models.push_back({{"name", tagged(m->file.name)},
                        {"model", tagged(m->file.name)},
                        {"size", size},
                        {"digest", digest_of(m->file)},
                        {"details", details_json(models::describe_gguf(m->gguf()))},
                        // Ollama's "forever" is a far-future time.
                        {"expires_at", expires == INT64_MAX ? std::string("9999-12-31T23:59:59Z") : rfc3339_from_unix(expires)},
                        {"size_vram", 0},
                        {"context_length", m->context_size()}});
      models.back().update(cache_types_json(m->cache_types()));  // not Ollama's fields: the KV cache types
    }
    send_json(res, 200, {{"models", models}});
  });

  routes.add("GET", "/api/version", "/api/version", [](const ApiRequest&, httplib::Response& res) {
    send_json(res, 200, {{"version", PG_VERSION}});
  });

  routes.add("POST", "/api/embed", "/api/embed", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const auto arrival = std::chrono::steady_clock::now();
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    if (auto ref = find_remote(ctx.core(), r.string("model", 256).value_or(""))) {
      int64_t tokens = 0;
      const auto vectors = remote_embeddings(ctx.core(), usage_user(req), *ref, read_remote_inputs(r.raw("input"), "input"), &tokens);
      const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count();
      send_json(res, 200, {{"model", r.string("model", 256).value_or("")}, {"embeddings", vectors},
                           {"total_duration", ns(total)}, {"load_duration", 0}, {"prompt_eval_count", tokens}});
      return;
    }
    std::string name;
    double load_s = 0;
    auto model = acquire(ctx, r, name, load_s);
    const bool truncate = r.boolean("truncate").value_or(true);
    EmbeddingInputs in = read_embedding_inputs(r.raw("input"), "input", *model, truncate, false);
    const EmbeddingOutcome out = compute_embeddings(ctx, model, std::move(in.tokens));
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count();
    send_json(res, 200,
              {{"model", name},
               {"embeddings", out.vectors},
               {"total_duration", ns(total)},
               {"load_duration", ns(load_s)},
               {"prompt_eval_count", in.total_tokens}});
  });

  // The older single-prompt form: {"model", "prompt"} -> {"embedding": [...]}; long prompts are cut to the context.
  routes.add("POST", "/api/embeddings", "/api/embeddings", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    if (auto ref = find_remote(ctx.core(), r.string("model", 256).value_or(""))) {
      const std::string prompt = r.string("prompt").value_or("");
      if (prompt.empty()) return send_json(res, 200, {{"embedding", nlohmann::json::array()}});
      const auto vectors = remote_embeddings(ctx.core(), usage_user(req), *ref, {prompt}, nullptr);
      return send_json(res, 200, {{"embedding", vectors.at(0)}});
    }
    std::string name;
    double load_s = 0;
    auto model = acquire(ctx, r, name, load_s);
    const std::string prompt = r.string("prompt").value_or("");
    if (prompt.empty()) return send_json(res, 200, {{"embedding", nlohmann::json::array()}});
    const nlohmann::json input = prompt;
    EmbeddingInputs in = read_embedding_inputs(&input, "prompt", *model, true, false);
    const EmbeddingOutcome out = compute_embeddings(ctx, model, std::move(in.tokens));
    send_json(res, 200, {{"embedding", out.vectors.at(0)}});
  });
}

}  // namespace pg::server
