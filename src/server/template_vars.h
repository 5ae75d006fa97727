// The chat template's extra variables a generation request sets, read in one
// place for every API: `chat_template_kwargs` (OpenAI chat completions and our
// /api/v1/chat; the field vLLM and llama.cpp's server accept), Ollama's `think`
// and OpenAI's `reasoning_effort`, which switch Qwen 3-style templates through
// `enable_thinking`. A request that says nothing leaves every such variable
// undefined, so templates keep their own defaults. Never lets a request set
// the variables the server owns (messages, tools, add_generation_prompt,
// bos_token, eos_token). Throws ApiError 400 naming the field (inside src/server only).
#pragma once

#include <optional>
#include <string>

#include "app/generation.h"
#include "server/http_util.h"
#include "server/request_fields.h"

namespace pg::server {

// chat_template_kwargs: an object whose members become template variables
// (values: any JSON, kept in the client's key order; enable_thinking, when
// given, a boolean). Absent or null: nothing. Anything else is a 400.
void read_chat_template_kwargs(const ApiRequest& req, const FieldReader& r, app::GenerationInput& in);

// OpenAI's reasoning_effort: "none" sets enable_thinking false (as llama.cpp's
// server does); "minimal", "low", "medium" or "high" is given to the template
// as reasoning_effort (gpt-oss reads it). Wins over chat_template_kwargs.
void read_reasoning_effort(const FieldReader& r, app::GenerationInput& in);

// Ollama's think, already read: true/false sets enable_thinking; a level
// ("low", "medium", "high") sets enable_thinking true and reasoning_effort.
// Wins over chat_template_kwargs.
void apply_think(const FieldReader& r, std::optional<bool> think, app::GenerationInput& in);

}  // namespace pg::server
