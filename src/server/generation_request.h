// THE reader of generation requests: the body of any generating route —
// native generate and chat, OpenAI completions and chat completions, Ollama
// generate and chat — read into one app::GenerationRequest, for local and
// remote models alike; and that request as a remote provider takes it.
// Field names differ by API (max_tokens, max_completion_tokens,
// options.num_predict; Ollama's sampling under options), what they mean does
// not; so do structured output (response_format, json_schema, grammar,
// Ollama's format), logprobs and n; so do the chat template's extra variables
// (think, reasoning_effort, chat_template_kwargs: template_vars.h). What is not served (images, suffix,
// logit_bias) is a 400 naming the field. Throws ApiError (inside src/server only).
#pragma once

#include "app/generation.h"
#include "providers/remote_client.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace pg::server {

enum class GenerationApi { NativeGenerate, NativeChat, OpenAiCompletion, OpenAiChat, OllamaGenerate, OllamaChat };

// The request and the API's own reply options.
struct ApiGenerationRequest {
  app::GenerationRequest request;
  bool echo = false;           // OpenAI completions: the prompt is repeated before the text
  bool include_usage = false;  // OpenAI streams: a last chunk with the usage
};

// `r` reads the parsed body of `req` (messages are parsed again in the
// client's key order).
ApiGenerationRequest read_generation_request(const ApiRequest& req, const FieldReader& r, GenerationApi api);

// The fields of our API that shape a reply, as /api/v1/models/generate and
// /api/v1/chat read them: response_format, json_schema, grammar, logprobs,
// top_logprobs and, for chat, tools, tool_choice, parallel_tool_calls (`tools`
// is read from `req`'s body in the client's key order). For routes that build
// the rest of their request themselves (a conversation's reply).
void read_native_output_fields(const ApiRequest& req, const FieldReader& r, bool chat, app::GenerationRequest& g);

// The request as the provider client takes it (max_tokens 1 to 2^24).
providers::RemoteGenerationRequest remote_generation_request(const app::GenerationRequest& request);

}  // namespace pg::server
