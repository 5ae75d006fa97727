// The one reader of generation requests; see generation_request.h.
#include "server/generation_request.h"

#include "server/api_error.h"
#include "server/generation_runner.h"
#include "server/remote_generation.h"

namespace pg::server {
namespace {

constexpr int64_t kMaxRemoteTokens = int64_t{1} << 24;

void refuse_more_than_one_choice(const FieldReader& r) {
  if (auto n = r.integer("n", 1, 128); n && *n != 1)
    throw invalid_field("n", "is " + std::to_string(*n) + "; this server generates one choice (n = 1) only");
  if (auto b = r.integer("best_of", 1, 128); b && *b != 1) throw invalid_field("best_of", "must be 1");
  if (const nlohmann::json* lb = r.raw("logit_bias"); lb && !(lb->is_object() && lb->empty()))
    throw invalid_field("logit_bias", "is not supported");
}

void refuse_tools(const FieldReader& r) {
  if (const nlohmann::json* tools = r.raw("tools"); tools && !(tools->is_array() && tools->empty()))
    throw invalid_field("tools", "is not supported yet");
}

// OpenAI's prompt: a string or an array of one string.
std::string completion_prompt(const FieldReader& r) {
  const nlohmann::json* p = r.raw("prompt");
  if (!p) return "";
  if (p->is_string()) return p->get<std::string>();
  if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) return (*p)[0].get<std::string>();
  throw invalid_field("prompt", "must be a string or an array of one string, got " + describe_json(*p));
}

void read_openai(const ApiRequest& req, const FieldReader& r, bool chat, ApiGenerationRequest& out) {
  app::GenerationRequest& g = out.request;
  refuse_more_than_one_choice(r);
  if (chat) {
    g.input.style = app::PromptStyle::Chat;
    g.input.messages = request_chat_messages(req);
    if (r.boolean("logprobs").value_or(false)) throw invalid_field("logprobs", "is not supported");
    refuse_tools(r);
    if (auto rf = r.object("response_format"))
      if (rf->string("type", 64).value_or("text") != "text")
        throw invalid_field("response_format.type", "must be \"text\" (structured output is not supported)");
  } else {
    g.input.prompt = completion_prompt(r);
    if (r.has("suffix")) throw invalid_field("suffix", "is not supported");
    if (const nlohmann::json* lp = r.raw("logprobs"); lp && !(lp->is_number() && lp->get<double>() == 0))
      throw invalid_field("logprobs", "is not supported");
    out.echo = r.boolean("echo").value_or(false);
  }
  g.sampling = read_sampling_options(r);
  g.max_tokens = r.integer("max_completion_tokens", INT64_MIN, INT64_MAX);
  g.max_tokens_field = "max_completion_tokens";
  if (!g.max_tokens) {
    g.max_tokens = r.integer("max_tokens", INT64_MIN, INT64_MAX);
    g.max_tokens_field = "max_tokens";
  }
  g.stream = r.boolean("stream").value_or(false);
  if (auto so = r.object("stream_options")) out.include_usage = so->boolean("include_usage").value_or(false);
}

void read_ollama(const ApiRequest& req, const FieldReader& r, bool chat, app::GenerationRequest& g) {
  if (!r.string("model", 256)) g.model = r.string("name", 256).value_or("");
  if (chat) {
    refuse_tools(r);
    g.input.style = app::PromptStyle::Chat;
    g.input.messages = request_chat_messages(req);
  } else {
    if (r.has("images")) throw invalid_field("images", "is not supported (no vision models yet)");
    g.input.style = app::PromptStyle::Template;
    g.input.prompt = r.string("prompt").value_or("");
    g.input.system = r.string("system").value_or("");
    g.input.raw = r.boolean("raw").value_or(false);
  }
  // options{...}: Ollama's sampling names. num_ctx is accepted and ignored: each
  // slot's context size is fixed by the server configuration.
  if (auto opts = r.object("options")) {
    g.sampling = read_sampling_options(*opts);
    (void)opts->integer("num_ctx", 1, int64_t{1} << 24);
    if (auto n = opts->integer("num_predict", -2, int64_t{1} << 24)) {
      if (*n == 0) throw invalid_field("options.num_predict", "must not be 0 (-1 = until the context is full)");
      if (*n > 0) g.max_tokens = *n;
    }
  }
  g.max_tokens_field = "options.num_predict";
  g.stream = r.boolean("stream").value_or(true);
  if (!chat)
    if (auto fmt = r.raw("format"); fmt && !(fmt->is_string() && fmt->get<std::string>().empty()))
      throw invalid_field("format", "is not supported (structured output is not implemented)");
}

}  // namespace

ApiGenerationRequest read_generation_request(const ApiRequest& req, const FieldReader& r, GenerationApi api) {
  ApiGenerationRequest out;
  app::GenerationRequest& g = out.request;
  g.model = r.string("model", 256).value_or("");
  g.keep_alive = request_keep_alive(r);
  switch (api) {
    case GenerationApi::NativeGenerate:
    case GenerationApi::NativeChat:
      if (api == GenerationApi::NativeChat) {
        g.input.style = app::PromptStyle::Chat;
        g.input.messages = request_chat_messages(req);
      } else {
        g.input.prompt = r.string("prompt").value_or("");
        g.input.system = r.string("system_prompt").value_or("");
      }
      g.sampling = read_sampling_options(r);
      g.max_tokens = r.integer("max_tokens", INT64_MIN, INT64_MAX);
      g.stream = r.boolean("stream").value_or(false);
      break;
    case GenerationApi::OpenAiCompletion: read_openai(req, r, false, out); break;
    case GenerationApi::OpenAiChat: read_openai(req, r, true, out); break;
    case GenerationApi::OllamaGenerate: read_ollama(req, r, false, g); break;
    case GenerationApi::OllamaChat: read_ollama(req, r, true, g); break;
  }
  return out;
}

providers::RemoteGenerationRequest remote_generation_request(const app::GenerationRequest& g) {
  providers::RemoteGenerationRequest rr;
  rr.chat = g.input.style == app::PromptStyle::Chat;
  if (rr.chat) rr.messages = nlohmann::json::parse(g.input.messages.dump());
  rr.prompt = g.input.prompt;
  rr.system = g.input.system;
  rr.raw = g.input.style == app::PromptStyle::Template ? g.input.raw : true;
  rr.sampling = remote_sampling_json(g.sampling);
  if (g.max_tokens) {
    if (*g.max_tokens < 1 || *g.max_tokens > kMaxRemoteTokens)
      throw invalid_field(g.max_tokens_field, "is " + std::to_string(*g.max_tokens) + ", outside the allowed range 1 to " +
                                                  std::to_string(kMaxRemoteTokens));
    rr.max_tokens = g.max_tokens;
  }
  return rr;
}

}  // namespace pg::server
