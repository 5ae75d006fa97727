// Fuzz target: the Jinja lexer, parser and interpreter (engine/template).
// Input: the text of a chat template, parsed and rendered with a fixed small
// conversation (system, user, assistant with a tool call, tool result, user)
// and one tool, under tight render limits. A syntax error, raise_exception or
// a limit reached is an Error (normal); anything else escaping is a finding.
// Must never read files or the clock (the render time is fixed).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"

namespace {

const nlohmann::ordered_json& conversation() {
  static const nlohmann::ordered_json context = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "user", "content": "Weather in Paris? <b>&amp;</b> \u00e9\ud83d\ude00"},
      {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
      {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"t\": 21.5}"},
      {"role": "user", "content": ["a", 1, null, true]}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
    "add_generation_prompt": true,
    "bos_token": "<s>",
    "eos_token": "</s>"
  })");
  return context;
}

pg::jinja::ChatTemplateOptions options() {
  pg::jinja::ChatTemplateOptions o;
  o.limits.max_output_bytes = 1 << 20;
  o.limits.max_loop_iterations = 20'000;
  o.limits.max_steps = 200'000;
  o.now = 1'700'000'000;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  static const pg::jinja::ChatTemplateOptions opts = options();
  auto parsed = pg::jinja::Template::parse(source);
  if (!parsed) return 0;
  (void)parsed->render(conversation(), opts);
  return 0;
}
