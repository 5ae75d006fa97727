// OpenAI-compatible routes: /v1/models, /v1/completions, /v1/chat/completions
// (JSON or `data: {...}` Server-Sent Events ending with `data: [DONE]`), and
// /v1/embeddings (float or base64 vectors). Field names, defaults and
// response shapes follow OpenAI's API reference; extensions (top_k, min_p,
// repeat_penalty, ignore_eos) are accepted as llama.cpp's server does.
#include "server/api_error.h"
#include "server/generation_request.h"
#include "app/chat_prompt.h"
#include "server/embedding_runner.h"
#include "server/generation_runner.h"
#include "server/remote_generation.h"
#include "server/routes.h"
#include "providers/provider_registry.h"

namespace pg::server {
namespace {

nlohmann::json usage_json(const GenerationOutcome& o) {
  return {{"prompt_tokens", o.stats.prompt_tokens},
          {"completion_tokens", o.stats.generated_tokens},
          {"total_tokens", o.stats.prompt_tokens + o.stats.generated_tokens},
          {"prompt_tokens_details", {{"cached_tokens", o.cached_prompt_tokens}}}};
}

std::string data_line(const nlohmann::json& j) { return "data: " + dump_json(j) + "\n\n"; }

struct OpenAiRequest {
  std::function<bool()> client_gone;  // the caller hung up (non-streamed answers stop then)
  std::shared_ptr<LoadedModel> model;
  std::string model_name;  // as the client named it, echoed back
  bool stream = false;
  bool include_usage = false;
};

std::shared_ptr<LoadedModel> acquire_model(ServerContext& ctx, const std::string& requested, std::string& name) {
  name = requested;
  auto m = value_or_throw(ctx.models().acquire(name));
  if (name.empty()) name = m->file.name;
  return m;
}

// Answers with the job's outcome or its chunks; `fallback` (not null) is added to each object.
void respond_job(ServerContext& ctx, httplib::Response& res, const OpenAiRequest& o, std::shared_ptr<GenerationJob> job,
                 bool chat, const std::string& echo, const nlohmann::json& fallback = nullptr) {
  const std::string id = job->id();
  const int64_t created = unix_seconds_now();
  const std::string object = chat ? "chat.completion" : "text_completion";
  const std::string model_name = o.model_name;
  if (!o.stream) {
    const GenerationOutcome out = wait_for_outcome(ctx, job, o.client_gone);
    nlohmann::json choice = {{"index", 0}, {"logprobs", nullptr}, {"finish_reason", out.finish_reason}};
    if (chat) choice["message"] = {{"role", "assistant"}, {"content", out.text}, {"refusal", nullptr}};
    else choice["text"] = echo + out.text;
    nlohmann::json body = {{"id", id},
                           {"object", object},
                           {"created", created},
                           {"model", model_name},
                           {"system_fingerprint", system_fingerprint()},
                           {"choices", nlohmann::json::array({choice})},
                           {"usage", usage_json(out)}};
    if (!fallback.is_null()) body["fallback"] = fallback;
    send_json(res, 200, body);
    return;
  }
  const bool include_usage = o.include_usage;
  auto chunk = [=](nlohmann::json choices) {
    nlohmann::json c = {{"id", id},
                        {"object", chat ? "chat.completion.chunk" : "text_completion"},
                        {"created", created},
                        {"model", model_name},
                        {"system_fingerprint", system_fingerprint()},
                        {"choices", std::move(choices)}};
    if (include_usage) c["usage"] = nullptr;
    if (!fallback.is_null()) c["fallback"] = fallback;
    return c;
  };
  auto piece = [=](const std::string& text, const nlohmann::json& finish) {
    nlohmann::json choice = {{"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish}};
    if (chat) choice["delta"] = text.empty() && !finish.is_null() ? nlohmann::json::object() : nlohmann::json{{"content", text}};
    else choice["text"] = text;
    return chunk(nlohmann::json::array({choice}));
  };
  StreamFormat f;
  f.content_type = "text/event-stream";
  f.keepalive = ": keep-alive\n\n";
  f.start = [=] {
    if (chat) {
      nlohmann::json choice = {{"index", 0},
                               {"delta", {{"role", "assistant"}, {"content", ""}}},
                               {"logprobs", nullptr},
                               {"finish_reason", nullptr}};
      return data_line(chunk(nlohmann::json::array({choice})));
    }
    return echo.empty() ? std::string() : data_line(piece(echo, nullptr));
  };
  f.text = [=](const std::string& text) { return data_line(piece(text, nullptr)); };
  f.done = [=](const GenerationOutcome& out) {
    std::string bytes = data_line(piece("", out.finish_reason));
    if (include_usage) {
      nlohmann::json last = chunk(nlohmann::json::array());
      last["usage"] = usage_json(out);
      bytes += data_line(last);
    }
    return bytes + "data: [DONE]\n\n";
  };
  f.error = [](int status, const std::string& code, const std::string& message) {
    return data_line(error_body(ApiError(status, code, message))) + "data: [DONE]\n\n";
  };
  stream_generation(ctx, res, o.model, job, std::move(f));
}

// completions and chat: one typed request, served by a remote provider or a local model.
void respond(ServerContext& ctx, const ApiRequest& req, httplib::Response& res, const FieldReader& r, bool chat) {
  const ApiGenerationRequest read =
      read_generation_request(req, r, chat ? GenerationApi::OpenAiChat : GenerationApi::OpenAiCompletion);
  const app::GenerationRequest& g = read.request;
  OpenAiRequest o;
  o.client_gone = req.client_gone;
  o.model_name = g.model;
  o.stream = g.stream;
  o.include_usage = read.include_usage;
  const std::string id = ctx.new_id(chat ? "chatcmpl-" : "cmpl-");
  if (auto ref = find_remote(ctx.core(), g.model)) {
    RemoteStart started = start_remote_generation(ctx, req, *ref, remote_generation_request(g), id);
    started.set_headers(res);
    if (!started.fallback_reason.empty()) o.model_name = started.job->model();
    return respond_job(ctx, res, o, started.job, chat, "", started.fallback_json());
  }
  o.model = acquire_model(ctx, g.model, o.model_name);
  // The OpenAI routes apply no Modelfile defaults: clients send what they mean.
  GenerationParams params = value_or_throw(app::prepare_generation(*o.model, g, std::nullopt));
  auto job = submit_generation(ctx, o.model, id, std::move(params), req.user);
  respond_job(ctx, res, o, job, chat, read.echo ? g.input.prompt : std::string());
}

nlohmann::json model_object(const ModelFile& f) {
  return {{"id", f.name}, {"object", "model"}, {"created", f.modified_unix}, {"owned_by", "playground"}};
}

nlohmann::json remote_model_object(const std::string& name) {
  return {{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", name.substr(0, name.find('/'))}};
}

}  // namespace

void add_openai_routes(RouteTable& routes, ServerContext& ctx) {
  routes.add("GET", "/v1/models", "/v1/models", [&ctx](const ApiRequest&, httplib::Response& res) {
    nlohmann::json data = nlohmann::json::array();
    for (const ModelFile& f : ctx.models().available()) data.push_back(model_object(f));
    for (const std::string& name : ctx.providers().model_names()) data.push_back(remote_model_object(name));
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  });

  routes.add("GET", R"(/v1/models/([A-Za-z0-9_-]{1,64})/([^/]{1,256}))", "/v1/models/{provider}/{id}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const std::string id = req.http.matches[1].str() + "/" + req.http.matches[2].str();
               for (const std::string& name : ctx.providers().model_names())
                 if (name == id) return send_json(res, 200, remote_model_object(name));
               throw ApiError(404, "model_not_found", "model '" + id + "' not found");
             });

  routes.add("GET", R"(/v1/models/([^/]{1,256}))", "/v1/models/{id}",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const std::string id = req.http.matches[1];
               for (const ModelFile& f : ctx.models().available())
                 if (f.name == id) return send_json(res, 200, model_object(f));
               throw ApiError(404, "model_not_found", "model '" + id + "' not found");
             });

  routes.add("POST", "/v1/completions", "/v1/completions", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    respond(ctx, req, res, FieldReader(body), false);
  });

  routes.add("POST", "/v1/chat/completions", "/v1/chat/completions",
             [&ctx](const ApiRequest& req, httplib::Response& res) {
               const nlohmann::json body = request_json(req);
               respond(ctx, req, res, FieldReader(body), true);
             });

  routes.add("POST", "/v1/embeddings", "/v1/embeddings", [&ctx](const ApiRequest& req, httplib::Response& res) {
    const nlohmann::json body = request_json(req);
    FieldReader r(body);
    const std::string format = r.string("encoding_format", 16).value_or("float");
    if (format != "float" && format != "base64") throw invalid_field("encoding_format", "must be \"float\" or \"base64\"");
    if (auto ref = find_remote(ctx.core(), r.string("model", 256).value_or(""))) {
      int64_t tokens = 0;
      const auto vectors = remote_embeddings(ctx.core(), usage_user(req), *ref, read_remote_inputs(r.raw("input"), "input"), &tokens);
      nlohmann::json data = nlohmann::json::array();
      for (size_t i = 0; i < vectors.size(); ++i) {
        nlohmann::json e = {{"object", "embedding"}, {"index", i}};
        if (format == "base64") e["embedding"] = embedding_base64(vectors[i]);
        else e["embedding"] = vectors[i];
        data.push_back(std::move(e));
      }
      send_json(res, 200, {{"object", "list"}, {"data", data}, {"model", r.string("model", 256).value_or("")},
                           {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
      return;
    }
    std::string name;
    auto model = acquire_model(ctx, r.string("model", 256).value_or(""), name);
    const int64_t n_embd = model->n_embd();
    if (auto d = r.integer("dimensions", 1, INT64_MAX); d && *d != n_embd)
      throw invalid_field("dimensions", "is " + std::to_string(*d) + "; model '" + model->file.name + "' has " +
                                            std::to_string(n_embd) + " and cannot shorten its embeddings");
    EmbeddingInputs in = read_embedding_inputs(r.raw("input"), "input", *model, false, true);
    const EmbeddingOutcome out = compute_embeddings(ctx, model, std::move(in.tokens));
    nlohmann::json data = nlohmann::json::array();
    for (size_t i = 0; i < out.vectors.size(); ++i) {
      nlohmann::json e = {{"object", "embedding"}, {"index", i}};
      if (format == "base64") e["embedding"] = embedding_base64(out.vectors[i]);
      else e["embedding"] = out.vectors[i];
      data.push_back(std::move(e));
    }
    send_json(res, 200,
              {{"object", "list"},
               {"data", data},
               {"model", name},
               {"usage", {{"prompt_tokens", in.total_tokens}, {"total_tokens", in.total_tokens}}}});
  });
}

}  // namespace pg::server
