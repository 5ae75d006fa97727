// The one reader of a request's chat messages (OpenAI and Ollama shapes) into
// the form chat prompts are rendered from (app/chat_prompt.h). Throws
// ApiError 400 (inside src/server only).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "server/app_names.h"

namespace pg::server {

// Checks a request's messages (OpenAI or Ollama shape) and returns them as
// [{"role","content"}] with string content (OpenAI text parts joined), plus
// the tool-call fields of the history when present: `tool_calls` (an array
// of objects, kept as sent), `tool_call_id` and `name` (strings).
// Throws ApiError 400 naming the message and field. `field` names the array.
nlohmann::ordered_json normalize_chat_messages(const nlohmann::ordered_json* messages, const std::string& field);

}  // namespace pg::server
