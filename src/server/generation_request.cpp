// The one reader of generation requests; see generation_request.h.
#include "server/generation_request.h"

#include "engine/grammar/gbnf.h"
#include "server/api_error.h"
#include "server/generation_runner.h"
#include "server/remote_generation.h"
#include "server/template_vars.h"

namespace pg::server {
namespace {

constexpr int64_t kMaxRemoteTokens = int64_t{1} << 24;

// OpenAI's n (independent choices); best_of only as n.
int read_choices(const FieldReader& r) {
  const int n = static_cast<int>(r.integer("n", 1, app::kMaxChoices).value_or(1));
  if (auto b = r.integer("best_of", 1, 128); b && *b != n)
    throw invalid_field("best_of", "must equal n (ranking several candidates is not supported)");
  if (const nlohmann::json* lb = r.raw("logit_bias"); lb && !(lb->is_object() && lb->empty()))
    throw invalid_field("logit_bias", "is not supported");
  return n;
}

// The schema at `field` (a dotted path in the body), read again in the
// client's key order: properties are written in the order the schema gives.
app::OutputFormat schema_format(const ApiRequest& req, const nlohmann::json& schema, const std::string& field) {
  if (!schema.is_object() && !schema.is_boolean())
    throw invalid_field(field, "must be a JSON Schema object, got " + describe_json(schema));
  app::OutputFormat f;
  f.kind = app::OutputFormat::Kind::JsonSchema;
  f.schema = request_ordered_value(req, field);
  f.field = field;
  return f;
}

// OpenAI's response_format, and llama.cpp's server extensions `json_schema` and `grammar` (GBNF).
app::OutputFormat read_openai_format(const ApiRequest& req, const FieldReader& r) {
  app::OutputFormat f;
  if (auto rf = r.object("response_format")) {
    const std::string type = rf->string("type", 64).value_or("text");
    if (type == "json_object") {
      f.kind = app::OutputFormat::Kind::JsonObject;
      f.field = "response_format";
      if (const nlohmann::json* schema = rf->raw("schema")) f = schema_format(req, *schema, rf->name("schema"));
    } else if (type == "json_schema") {
      auto js = rf->object("json_schema");
      if (!js) throw invalid_field("response_format.json_schema", "is required when type is \"json_schema\"");
      (void)js->string("name", 256);
      (void)js->boolean("strict");
      const nlohmann::json* schema = js->raw("schema");
      if (!schema) throw invalid_field("response_format.json_schema.schema", "is required");
      f = schema_format(req, *schema, js->name("schema"));
    } else if (type != "text") {
      throw invalid_field("response_format.type", "must be \"text\", \"json_object\" or \"json_schema\", got \"" + type + "\"");
    }
  }
  if (const nlohmann::json* schema = r.raw("json_schema")) {
    if (f.kind != app::OutputFormat::Kind::Text) throw invalid_field("json_schema", "cannot be combined with response_format");
    f = schema_format(req, *schema, r.name("json_schema"));
  }
  if (auto gbnf = r.string("grammar", grammar::kMaxGrammarBytes); gbnf && !gbnf->empty()) {
    if (f.kind != app::OutputFormat::Kind::Text)
      throw invalid_field("grammar", "cannot be combined with response_format or json_schema");
    f.kind = app::OutputFormat::Kind::Grammar;
    f.grammar = *gbnf;
    f.field = "grammar";
  }
  return f;
}

// Ollama's format: "json" or a JSON Schema object ("" = free text).
app::OutputFormat read_ollama_format(const ApiRequest& req, const FieldReader& r) {
  app::OutputFormat f;
  const nlohmann::json* fmt = r.raw("format");
  if (!fmt || fmt->is_null() || (fmt->is_string() && fmt->get<std::string>().empty())) return f;
  if (fmt->is_string()) {
    if (fmt->get<std::string>() != "json")
      throw invalid_field("format", "must be \"json\" or a JSON Schema object, got " + describe_json(*fmt));
    f.kind = app::OutputFormat::Kind::JsonObject;
    f.field = "format";
    return f;
  }
  return schema_format(req, *fmt, r.name("format"));
}

// Chat logprobs: `logprobs` (bool) and `top_logprobs` (0..20, only with logprobs).
int read_chat_logprobs(const FieldReader& r) {
  const bool on = r.boolean("logprobs").value_or(false);
  const auto top = r.integer("top_logprobs", 0, kMaxTopLogprobs);
  if (top && !on) throw invalid_field("top_logprobs", "requires logprobs to be true");
  return on ? static_cast<int>(top.value_or(0)) : -1;
}

constexpr size_t kMaxTools = 128;

// tools (OpenAI's shape, which Ollama shares), tool_choice and
// parallel_tool_calls. The list goes to the template as given; the tools'
// names and parameter schemas are checked when the call grammar is built.
void read_tools(const ApiRequest& req, const FieldReader& r, app::GenerationRequest& g) {
  const nlohmann::json* tools = r.raw("tools");
  if (!tools || tools->is_null()) {
    if (r.has("tool_choice") && !r.raw("tool_choice")->is_null()) {
      const nlohmann::json& c = *r.raw("tool_choice");
      if (!(c.is_string() && (c == "none" || c == "auto"))) throw invalid_field("tool_choice", "names a tool but no tools are given");
    }
    return;
  }
  if (!tools->is_array()) throw invalid_field("tools", "must be an array of tools, got " + describe_json(*tools));
  if (tools->size() > kMaxTools) throw invalid_field("tools", "has more than " + std::to_string(kMaxTools) + " tools");
  if (tools->empty()) return;
  for (size_t i = 0; i < tools->size(); ++i) {
    const nlohmann::json& t = (*tools)[i];
    const std::string where = "tools[" + std::to_string(i) + "]";
    if (!t.is_object()) throw invalid_field(where, "must be an object, got " + describe_json(t));
    if (t.contains("type") && t["type"] != "function") throw invalid_field(where + ".type", "must be \"function\"");
    if (!t.contains("function") || !t["function"].is_object())
      throw invalid_field(where + ".function", "must be an object with the function's name and parameters");
    if (!t["function"].contains("name") || !t["function"]["name"].is_string())
      throw invalid_field(where + ".function.name", "must be a string");
  }
  g.input.tools = request_ordered_field(req, "tools");
  g.tool_calls = true;
  if (const nlohmann::json* c = r.raw("tool_choice"); c && !c->is_null()) {
    if (c->is_string()) {
      const std::string mode = c->get<std::string>();
      if (mode == "none") g.tool_calls = false;
      else if (mode == "required") g.tool_choice = chat::ToolChoice::required();
      else if (mode != "auto") throw invalid_field("tool_choice", "must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}");
    } else if (c->is_object() && c->contains("function") && (*c)["function"].is_object() &&
               (*c)["function"].contains("name") && (*c)["function"]["name"].is_string()) {
      g.tool_choice = chat::ToolChoice::named((*c)["function"]["name"].get<std::string>());
    } else {
      throw invalid_field("tool_choice", "must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}, got " + describe_json(*c));
    }
  }
  g.parallel_tool_calls = r.boolean("parallel_tool_calls").value_or(true);
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
  g.n = read_choices(r);
  g.format = read_openai_format(req, r);
  if (chat) {
    g.input.style = app::PromptStyle::Chat;
    g.input.messages = request_chat_messages(req);
    g.top_logprobs = read_chat_logprobs(r);
    read_tools(req, r, g);
    read_chat_template_kwargs(req, r, g.input);
    read_reasoning_effort(r, g.input);
  } else {
    g.input.prompt = completion_prompt(r);
    if (r.has("suffix")) throw invalid_field("suffix", "is not supported");
    // Completions: logprobs is the number of alternatives (null: none).
    if (const nlohmann::json* lp = r.raw("logprobs"); lp && !lp->is_null())
      g.top_logprobs = static_cast<int>(*r.integer("logprobs", 0, kMaxTopLogprobs));
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
  g.format = read_ollama_format(req, r);
  if (r.boolean("logprobs").value_or(false)) g.top_logprobs = static_cast<int>(r.integer("top_logprobs", 0, kMaxTopLogprobs).value_or(0));
  else if (r.integer("top_logprobs", 0, kMaxTopLogprobs)) throw invalid_field("top_logprobs", "requires logprobs to be true");
  if (chat) {
    g.input.style = app::PromptStyle::Chat;
    g.input.messages = request_chat_messages(req);
    read_tools(req, r, g);
    if (const nlohmann::json* think = r.raw("think"); think && !think->is_null()) {
      // true/false, or a level ("low", "medium", "high") for models that take one.
      if (think->is_boolean()) g.think = think->get<bool>();
      else if (think->is_string()) g.think = true;
      else throw invalid_field("think", "must be a boolean or \"low\", \"medium\" or \"high\"");
    }
    apply_think(r, g.think, g.input);
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
}

}  // namespace

void read_native_output_fields(const ApiRequest& req, const FieldReader& r, bool chat, app::GenerationRequest& g) {
  if (chat) read_tools(req, r, g);
  g.format = read_openai_format(req, r);
  g.top_logprobs = read_chat_logprobs(r);
}

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
        read_chat_template_kwargs(req, r, g.input);
      } else {
        g.input.prompt = r.string("prompt").value_or("");
        g.input.system = r.string("system_prompt").value_or("");
      }
      g.sampling = read_sampling_options(r);
      g.max_tokens = r.integer("max_tokens", INT64_MIN, INT64_MAX);
      g.stream = r.boolean("stream").value_or(false);
      read_native_output_fields(req, r, api == GenerationApi::NativeChat, g);
      break;
    case GenerationApi::OpenAiCompletion: read_openai(req, r, false, out); break;
    case GenerationApi::OpenAiChat: read_openai(req, r, true, out); break;
    case GenerationApi::OllamaGenerate: read_ollama(req, r, false, g); break;
    case GenerationApi::OllamaChat: read_ollama(req, r, true, g); break;
  }
  return out;
}

providers::RemoteGenerationRequest remote_generation_request(const app::GenerationRequest& g) {
  if (g.n != 1) throw invalid_field("n", "must be 1 for a remote model");
  if (g.format.kind != app::OutputFormat::Kind::Text)
    throw invalid_field(g.format.field, "is not forwarded to remote models yet");
  if (g.top_logprobs >= 0) throw invalid_field("logprobs", "is not forwarded to remote models yet");
  if (g.tool_calls) throw invalid_field(g.tools_field, "is not forwarded to remote models yet");
  if (!g.input.template_vars_field.empty())
    throw invalid_field(g.input.template_vars_field, "is not forwarded to remote models yet");
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
