// The GBNF grammar that keeps a model's tool calls to the declared tools, in
// its own call syntax (tool_call_format.h), with arguments valid for each
// tool's JSON Schema. What the grammar accepts, the output parser
// (chat_output_parser.h) reads as exactly those calls. It never matches text
// and never throws; bad tool lists are refused with the field they came from.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/chat/tool_call_format.h"
#include "util/result.h"

namespace pg::chat {

// OpenAI's tool_choice, less "none" (no constraint at all).
struct ToolChoice {
  enum class Mode { Auto, Required, Function };
  Mode mode = Mode::Auto;
  std::string function;  // Function: the tool that must be called

  static ToolChoice automatic() { return {}; }
  static ToolChoice required() { return {Mode::Required, ""}; }
  static ToolChoice named(std::string function) { return {Mode::Function, std::move(function)}; }
};

struct ToolCallConstraint {
  std::string gbnf;  // root: the calls, from just after the trigger or forced prefix to the end
  // Auto: the grammar holds from when one of these texts has been generated as content (not
  // inside a reasoning block); it matches what follows the trigger (the trigger itself is
  // unconstrained text).
  std::vector<std::string> triggers;
  // A trigger counts only when nothing but whitespace precedes it in the generated text
  // (Llama3Json, whose call is the whole turn).
  bool triggers_at_start = false;
  // Required or a named function: text appended to the prompt (and fed to the output parser
  // before the generated text) so the call starts at once; the grammar holds from the first
  // generated token. It closes a reasoning block the prompt opened. Harmony has none: its grammar
  // is the whole reply, an optional analysis message and then the call (see
  // tool_call_grammar.cpp), so the model may reason before a forced call.
  std::string forced_prefix;
};

// The constraint for `tools` (an OpenAI tool list: [{"type": "function", "function": {"name",
// "description", "parameters"}}]). Several calls in a row when `parallel_calls` (never for
// Llama3Json and Harmony: one call per turn). invalid_argument (reason "invalid_field") naming `tools`,
// `tools[i]...` or `tool_choice` when the list or choice is unusable: a name outside
// [A-Za-z0-9_.-]{1,64} or given twice, `parameters` that is not an object schema (absent means
// no parameters), a schema the grammar builder refuses (its own error), a named choice that is
// not in the list. A format without a call syntax is refused with reason "tools_unsupported".
// `tools` in the client's key order: arguments follow each schema's property order.
Result<ToolCallConstraint> tool_call_constraint(const ChatOutputFormat& format, const nlohmann::ordered_json& tools,
                                                const ToolChoice& choice, bool parallel_calls);
// The same for a tool list whose keys are sorted.
inline Result<ToolCallConstraint> tool_call_constraint(const ChatOutputFormat& format, const nlohmann::json& tools,
                                                       const ToolChoice& choice, bool parallel_calls) {
  return tool_call_constraint(format, nlohmann::ordered_json(tools), choice, parallel_calls);
}

}  // namespace pg::chat
