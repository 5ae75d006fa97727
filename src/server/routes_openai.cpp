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
#include "server/chat_reply.h"
#include "server/logprobs_json.h"
#include "server/remote_generation.h"
#include "server/routes.h"
#include "providers/provider_registry.h"

namespace pg::server {
namespace {

nlohmann::json usage_json(const std::vector<GenerationOutcome>& outcomes) {
  const GenerationOutcome& first = outcomes.front();
  int64_t completion = 0;
  for (const GenerationOutcome& o : outcomes) completion += o.stats.generated_tokens;
  return {{"prompt_tokens", first.stats.prompt_tokens},
          {"completion_tokens", completion},
          {"total_tokens", first.stats.prompt_tokens + completion},
          {"prompt_tokens_details", {{"cached_tokens", first.cached_prompt_tokens}}}};
}

std::string data_line(const nlohmann::json& j) { return "data: " + dump_json(j) + "\n\n"; }

struct OpenAiRequest {
  std::function<bool()> client_gone;  // the caller hung up (non-streamed answers stop then)
  std::shared_ptr<LoadedModel> model;
  std::string model_name;  // as the client named it, echoed back
  bool stream = false;
  bool include_usage = false;
  bool chat = false;
  int top_logprobs = -1;  // >= 0: logprobs were asked for
  std::string echo;       // completions with echo: the prompt, repeated before the text
  app::ChatOutputPlan plan;  // chat: how the reply splits into content, reasoning and tool calls
};

// A chat message from a whole reply: content (null when only tool calls), reasoning, tool calls.
nlohmann::json chat_message(const chat::ParsedChatOutput& reply) {
  nlohmann::json m = {{"role", "assistant"}, {"content", reply.content}, {"refusal", nullptr}};
  if (!reply.reasoning.empty()) m["reasoning_content"] = reply.reasoning;
  if (!reply.tool_calls.empty()) {
    m["tool_calls"] = openai_tool_calls(reply.tool_calls);
    if (reply.content.empty()) m["content"] = nullptr;
  }
  return m;
}

// A stream delta for one piece the parser made certain.
nlohmann::json delta_json(const chat::ChatDelta& d) {
  switch (d.kind) {
    case chat::ChatDelta::Content: return {{"content", d.text}};
    case chat::ChatDelta::Reasoning: return {{"reasoning_content", d.text}};
    case chat::ChatDelta::ToolCallBegin:
      return {{"tool_calls",
               {{{"index", d.index}, {"id", d.id}, {"type", "function"}, {"function", {{"name", d.name}, {"arguments", ""}}}}}}};
    case chat::ChatDelta::ToolCallArguments:
      return {{"tool_calls", {{{"index", d.index}, {"function", {{"arguments", d.text}}}}}}};
  }
  return nlohmann::json::object();
}

std::shared_ptr<LoadedModel> acquire_model(ServerContext& ctx, const std::string& requested, std::string& name) {
  name = requested;
  auto m = value_or_throw(ctx.models().acquire(name));
  if (name.empty()) name = m->file.name;
  return m;
}

// A choice's logprobs field (null when not asked for, or for a remote model).
nlohmann::json logprobs_json(const OpenAiRequest& o, const std::vector<TokenLogprob>& logprobs, size_t offset) {
  if (o.top_logprobs < 0 || !o.model) return nullptr;
  const Tokenizer& tok = o.model->decoder().tokenizer();
  if (o.chat) return {{"content", token_logprob_items(tok, logprobs)}, {"refusal", nullptr}};
  return completion_logprobs(tok, logprobs, offset);
}

// Stops a request's choices (one failed, or could not be submitted) and forgets them.
void cancel_all(ServerContext& ctx, const std::vector<std::shared_ptr<GenerationJob>>& jobs) {
  for (const auto& job : jobs) {
    job->cancel(CancelReason::Requested);
    ctx.unregister_job(job->id());
  }
}

// The choices' outcomes in order; a failure cancels the other choices.
std::vector<GenerationOutcome> wait_for_choices(ServerContext& ctx, const OpenAiRequest& o,
                                                const std::vector<std::shared_ptr<GenerationJob>>& jobs) {
  std::vector<GenerationOutcome> outcomes;
  try {
    for (const auto& job : jobs) outcomes.push_back(wait_for_outcome(ctx, job, o.client_gone));
  } catch (...) {
    cancel_all(ctx, jobs);
    throw;
  }
  return outcomes;
}

// Answers with the jobs' outcomes (one choice each) or their chunks; `fallback` (not null) is added to each object.
void respond_jobs(ServerContext& ctx, httplib::Response& res, const OpenAiRequest& o,
                  std::vector<std::shared_ptr<GenerationJob>> jobs, const nlohmann::json& fallback = nullptr) {
  const std::string id = jobs.front()->id();
  const int64_t created = unix_seconds_now();
  const bool chat = o.chat;
  const std::string object = chat ? "chat.completion" : "text_completion";
  const std::string model_name = o.model_name;
  if (!o.stream) {
    const std::vector<GenerationOutcome> outcomes = wait_for_choices(ctx, o, jobs);
    nlohmann::json choices = nlohmann::json::array();
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const GenerationOutcome& out = outcomes[i];
      nlohmann::json choice = {{"index", i},
                               {"logprobs", logprobs_json(o, out.logprobs, o.echo.size())},
                               {"finish_reason", out.finish_reason}};
      if (chat) {
        const chat::ParsedChatOutput reply = split_reply(o.plan, out.text);
        choice["message"] = chat_message(reply);
        if (!reply.tool_calls.empty()) choice["finish_reason"] = "tool_calls";
      } else {
        choice["text"] = o.echo + out.text;
      }
      choices.push_back(std::move(choice));
    }
    nlohmann::json body = {{"id", id},
                           {"object", object},
                           {"created", created},
                           {"model", model_name},
                           {"system_fingerprint", system_fingerprint()},
                           {"choices", std::move(choices)},
                           {"usage", usage_json(outcomes)}};
    if (!fallback.is_null()) body["fallback"] = fallback;
    send_json(res, 200, body);
    return;
  }
  const bool include_usage = o.include_usage;
  const size_t n = jobs.size();
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
  // Completions' text offsets continue over the choice's earlier pieces.
  auto offsets = std::make_shared<std::vector<size_t>>(n, o.echo.size());
  auto piece = [=](size_t index, const std::string& text, const nlohmann::json& finish,
                   const std::vector<TokenLogprob>& logprobs) {
    nlohmann::json choice = {{"index", index},
                             {"logprobs", logprobs.empty() ? nlohmann::json() : logprobs_json(o, logprobs, (*offsets)[index])},
                             {"finish_reason", finish}};
    (*offsets)[index] += text.size();
    choice["text"] = text;
    return chunk(nlohmann::json::array({choice}));
  };
  // Chat: each choice's text goes through its own splitter; one chunk per delta.
  auto splitters = std::make_shared<std::vector<ReplySplitter>>();
  for (size_t i = 0; i < n; ++i) splitters->emplace_back(o.plan);
  auto delta_chunk = [=](size_t index, nlohmann::json delta, const nlohmann::json& finish,
                         const std::vector<TokenLogprob>& logprobs) {
    nlohmann::json choice = {{"index", index},
                             {"delta", std::move(delta)},
                             {"logprobs", logprobs.empty() ? nlohmann::json() : logprobs_json(o, logprobs, 0)},
                             {"finish_reason", finish}};
    return data_line(chunk(nlohmann::json::array({choice})));
  };
  auto delta_lines = [=](size_t index, const std::vector<chat::ChatDelta>& deltas, std::vector<TokenLogprob> logprobs) {
    std::string bytes;
    for (const chat::ChatDelta& d : deltas) {
      bytes += delta_chunk(index, delta_json(d), nullptr, logprobs);
      logprobs.clear();
    }
    if (!logprobs.empty()) bytes += delta_chunk(index, nlohmann::json::object(), nullptr, logprobs);
    return bytes;
  };
  ChoiceStreamFormat f;
  f.content_type = "text/event-stream";
  f.keepalive = ": keep-alive\n\n";
  f.start = [=] {
    std::string bytes;
    for (size_t i = 0; i < n; ++i) {
      if (chat) {
        nlohmann::json choice = {{"index", i},
                                 {"delta", {{"role", "assistant"}, {"content", ""}}},
                                 {"logprobs", nullptr},
                                 {"finish_reason", nullptr}};
        bytes += data_line(chunk(nlohmann::json::array({choice})));
      } else if (!o.echo.empty()) {
        bytes += data_line(piece(i, o.echo, nullptr, {}));
      }
    }
    return bytes;
  };
  f.text = [=](size_t index, const JobEvent& ev) {
    if (!chat) return data_line(piece(index, ev.text, nullptr, ev.logprobs));
    return delta_lines(index, (*splitters)[index].push(ev.text), ev.logprobs);
  };
  f.choice_done = [=](size_t index, const GenerationOutcome& out) {
    if (!chat) return data_line(piece(index, "", out.finish_reason, {}));
    ReplySplitter& splitter = (*splitters)[index];
    std::string bytes = delta_lines(index, splitter.finish(), {});
    const bool calls = !splitter.result().tool_calls.empty();
    return bytes + delta_chunk(index, nlohmann::json::object(), calls ? "tool_calls" : out.finish_reason, {});
  };
  f.done = [=](const std::vector<GenerationOutcome>& outcomes) {
    std::string bytes;
    if (include_usage) {
      nlohmann::json last = chunk(nlohmann::json::array());
      last["usage"] = usage_json(outcomes);
      bytes += data_line(last);
    }
    return bytes + "data: [DONE]\n\n";
  };
  f.error = [](int status, const std::string& code, const std::string& message) {
    return data_line(error_body(ApiError(status, code, message))) + "data: [DONE]\n\n";
  };
  stream_choices(ctx, res, o.model, std::move(jobs), std::move(f));
}

// Submits one job per choice, each with its own seed; a refusal cancels those already submitted.
std::vector<std::shared_ptr<GenerationJob>> submit_choices(ServerContext& ctx, const ApiRequest& req,
                                                           const OpenAiRequest& o, const std::string& id,
                                                           const GenerationParams& params, int n) {
  std::vector<std::shared_ptr<GenerationJob>> jobs;
  try {
    for (int i = 0; i < n; ++i) {
      GenerationParams p = params;
      p.sampling.seed = app::choice_seed(params.sampling.seed, i);
      jobs.push_back(submit_generation(ctx, o.model, i == 0 ? id : id + "-" + std::to_string(i), std::move(p), req.user));
    }
  } catch (...) {
    cancel_all(ctx, jobs);
    throw;
  }
  return jobs;
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
  o.chat = chat;
  o.top_logprobs = g.top_logprobs;
  const std::string id = ctx.new_id(chat ? "chatcmpl-" : "cmpl-");
  if (auto ref = find_remote(ctx.core(), g.model)) {
    RemoteStart started = start_remote_generation(ctx, req, *ref, remote_generation_request(g), id);
    started.set_headers(res);
    if (!started.fallback_reason.empty()) o.model_name = started.job->model();
    return respond_jobs(ctx, res, o, {started.job}, started.fallback_json());
  }
  o.model = acquire_model(ctx, g.model, o.model_name);
  o.echo = read.echo ? g.input.prompt : std::string();
  // The OpenAI routes apply no Modelfile defaults: clients send what they mean.
  const GenerationParams params = value_or_throw(app::prepare_generation(*o.model, g, std::nullopt, &o.plan));
  respond_jobs(ctx, res, o, submit_choices(ctx, req, o, id, params, g.n));
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
