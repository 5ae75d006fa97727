// The one reader of a request's chat messages (OpenAI and Ollama shapes) into
// the form chat prompts are rendered from (app/chat_prompt.h). Throws
// ApiError 400 (inside src/server only). It must never render, tokenize or
// touch a model.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "server/app_names.h"

namespace pg::server {

// Checks a request's messages (OpenAI or Ollama shape) and returns them, in
// the client's key order, as {"role", "content"} with string content (OpenAI
// text parts joined; absent or null content is ""), plus when present:
//  - tool_calls (assistant messages only; an empty list is dropped): each call
//    kept as sent, OpenAI's {id, type: "function", function: {name, arguments:
//    string}} or Ollama's {function: {name, arguments: object}}; `type` must be
//    "function", function.name a non-empty string, arguments a string or an
//    object (absent: {});
//  - tool_call_id (OpenAI tool results), tool_name (Ollama's, also given as
//    `name` to a tool message without one), name;
//  - reasoning_content: the reasoning of an earlier answer, from
//    `reasoning_content` (OpenAI-style, llama.cpp) or Ollama's `thinking`.
// Throws ApiError 400 naming the message and field (e.g.
// messages[2].tool_calls[0].function.name). `field` names the array.
nlohmann::ordered_json normalize_chat_messages(const nlohmann::ordered_json* messages, const std::string& field);

}  // namespace pg::server
