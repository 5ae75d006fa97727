// Larger templates in the style of modern tool-calling chat templates
// (Llama 3.1, Qwen 2.5, Mistral v3, Hermes 2 Pro with its recursive type macro,
// Qwen3 thinking, Gemma 3 multimodal, DeepSeek R1, and one heavy on macros,
// namespaces, loop filters and {% generation %}), written for these tests, rendered for several
// conversations (plain, system prompt, tool calls and results, multimodal
// content lists, wrong roles). Expected outputs come from real Jinja2 3.1.6 with
// Hugging Face's environment and are kept byte for byte in data files,
// models_expected/<template>/<case>.txt (never edited by hand, never with a
// trailing newline added); cases marked kMustFail must fail (raise_exception).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "engine/template/chat_template.h"
#include "template_case.h"
#include "test_paths.h"

namespace pg::jinja {
namespace {

// A case whose rendering must fail instead of giving an output.
constexpr const char* kMustFail = nullptr;

struct ConversationCase {
  const char* context_json;
  const char* expected_file;  // in the template's folder of models_expected/, or kMustFail
};

std::filesystem::path expected_dir(const std::string& template_name) {
  return std::filesystem::path(test::source_dir()) / "tests/engine/template/models_expected" / template_name;
}

// The file's exact bytes; a missing file fails the test.
std::string read_expected(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << "missing expected output " << file;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Renders every case; the folder's .txt files must be exactly those the cases name.
template <size_t N>
void check_conversations(const char* source, const std::string& template_name, const ConversationCase (&cases)[N],
                         size_t expected_count) {
  ASSERT_EQ(N, expected_count);
  auto tmpl = Template::parse(source);
  ASSERT_TRUE(tmpl.is_ok()) << tmpl.error();
  const std::filesystem::path dir = expected_dir(template_name);
  std::set<std::string> named, present;
  for (const ConversationCase& c : cases) {
    SCOPED_TRACE(std::string("context: ") + c.context_json);
    auto r = tmpl->render(nlohmann::ordered_json::parse(c.context_json));
    if (c.expected_file == kMustFail) {
      EXPECT_FALSE(r.is_ok()) << "rendered instead of failing: " << (r ? *r : "");
    } else {
      named.insert(c.expected_file);
      ASSERT_TRUE(r.is_ok()) << r.error();
      EXPECT_EQ(*r, read_expected(dir / c.expected_file)) << "expected output: " << (dir / c.expected_file);
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".txt") present.insert(entry.path().filename().string());
  EXPECT_EQ(present, named) << ".txt files in " << dir << " that no case names";
}

constexpr const char* kLlama31Style =
    "{{- bos_token }}\n"
    "{%- if custom_tools is defined %}\n"
    "    {%- set tools = custom_tools %}\n"
    "{%- endif %}\n"
    "{%- if not tools_in_user_message is defined %}\n"
    "    {%- set tools_in_user_message = true %}\n"
    "{%- endif %}\n"
    "{%- if not date_string is defined %}\n"
    "    {%- set date_string = \"26 Jul 2024\" %}\n"
    "{%- endif %}\n"
    "{%- if not tools is defined %}\n"
    "    {%- set tools = none %}\n"
    "{%- endif %}\n"
    "\n"
    "{#- This block extracts the system message, so we can slot it into the right place. #}\n"
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {%- set system_message = messages[0]['content']|trim %}\n"
    "    {%- set messages = messages[1:] %}\n"
    "{%- else %}\n"
    "    {%- set system_message = \"\" %}\n"
    "{%- endif %}\n"
    "\n"
    "{#- System message + builtin tools #}\n"
    "{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n"
    "{%- if builtin_tools is defined or tools is not none %}\n"
    "    {{- \"Environment: ipython\\n\" }}\n"
    "{%- endif %}\n"
    "{%- if builtin_tools is defined %}\n"
    "    {{- \"Tools: \" + builtin_tools | reject('equalto', 'code_interpreter') | join(\", \") + \"\\n\\n"
    "\"}}\n"
    "{%- endif %}\n"
    "{{- \"Cutting Knowledge Date: December 2023\\n\" }}\n"
    "{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n"
    "{%- if tools is not none and not tools_in_user_message %}\n"
    "    {{- \"You have access to the following functions. To call a function, please respond with JSON fo"
    "r a function call.\" }}\n"
    "    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name "
    "and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n"
    "    {%- for t in tools %}\n"
    "        {{- t | tojson(indent=4) }}\n"
    "        {{- \"\\n\\n\" }}\n"
    "    {%- endfor %}\n"
    "{%- endif %}\n"
    "{{- system_message }}\n"
    "{{- \"<|eot_id|>\" }}\n"
    "\n"
    "{#- Custom tools are passed in a user message with some extra guidance #}\n"
    "{%- if tools_in_user_message and not tools is none %}\n"
    "    {#- Extract the first user message so we can plug it in here #}\n"
    "    {%- if messages | length != 0 %}\n"
    "        {%- set first_user_message = messages[0]['content']|trim %}\n"
    "        {%- set messages = messages[1:] %}\n"
    "    {%- else %}\n"
    "        {{- raise_exception(\"Cannot put tools in the first user message when there's no first user m"
    "essage!\") }}\n"
    "{%- endif %}\n"
    "    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n"
    "    {{- \"Given the following functions, please respond with a JSON for a function call \" }}\n"
    "    {{- \"with its proper arguments that best answers the given prompt.\\n\\n\" }}\n"
    "    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name "
    "and its value}.' }}\n"
    "    {{- \"Do not use variables.\\n\\n\" }}\n"
    "    {%- for t in tools %}\n"
    "        {{- t | tojson(indent=4) }}\n"
    "        {{- \"\\n\\n\" }}\n"
    "    {%- endfor %}\n"
    "    {{- first_user_message + \"<|eot_id|>\"}}\n"
    "{%- endif %}\n"
    "\n"
    "{%- for message in messages %}\n"
    "    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n"
    "        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] |"
    " trim + '<|eot_id|>' }}\n"
    "    {%- elif 'tool_calls' in message %}\n"
    "        {%- if not message.tool_calls|length == 1 %}\n"
    "            {{- raise_exception(\"This model only supports single tool-calls at once!\") }}\n"
    "        {%- endif %}\n"
    "        {%- set tool_call = message.tool_calls[0].function %}\n"
    "        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}\n"
    "            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n"
    "            {{- \"<|python_tag|>\" + tool_call.name + \".call(\" }}\n"
    "            {%- for arg_name, arg_val in tool_call.arguments | items %}\n"
    "                {{- arg_name + '=\"' + arg_val + '\"' }}\n"
    "                {%- if not loop.last %}\n"
    "                    {{- \", \" }}\n"
    "                {%- endif %}\n"
    "                {%- endfor %}\n"
    "            {{- \")\" }}\n"
    "        {%- else  %}\n"
    "            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n"
    "            {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n"
    "            {{- '\"parameters\": ' }}\n"
    "            {{- tool_call.arguments | tojson }}\n"
    "            {{- \"}\" }}\n"
    "        {%- endif %}\n"
    "        {%- if builtin_tools is defined %}\n"
    "            {#- This means we're in ipython mode #}\n"
    "            {{- \"<|eom_id|>\" }}\n"
    "        {%- else %}\n"
    "            {{- \"<|eot_id|>\" }}\n"
    "        {%- endif %}\n"
    "    {%- elif message.role == \"tool\" or message.role == \"ipython\" %}\n"
    "        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n"
    "        {%- if message.content is mapping or message.content is iterable %}\n"
    "            {{- message.content | tojson }}\n"
    "        {%- else %}\n"
    "            {{- message.content }}\n"
    "        {%- endif %}\n"
    "        {{- \"<|eot_id|>\" }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n"
    "{%- endif %}\n";

const ConversationCase kLlama31StyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "04.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "07.txt"},
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "08.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "09.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "10.txt"},
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "11.txt"},
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "12.txt"},
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "13.txt"},
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "14.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "builtin_tools": ["brave_search", "code_interpreter"], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "15.txt"},
};

constexpr const char* kQwen25Style =
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n"
    "    {%- else %}\n"
    "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n"
    "    {%- endif %}\n"
    "    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nY"
    "ou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n"
    "        {{- \"\\n\" }}\n"
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and argume"
    "nts within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"argu"
    "ments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant"
    ".<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message."
    "role == \"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n"
    "            {{- '\\n' + message.content }}\n"
    "        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n"
    "            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n"
    "            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n"
    "        {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n";

const ConversationCase kQwen25StyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "04.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "09.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "10.txt"},
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "11.txt"},
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "12.txt"},
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "13.txt"},
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "14.txt"},
};

constexpr const char* kMistralV3Style =
    "{%- if messages[0][\"role\"] == \"system\" %}\n"
    "    {%- set system_message = messages[0][\"content\"] %}\n"
    "    {%- set loop_messages = messages[1:] %}\n"
    "{%- else %}\n"
    "    {%- set loop_messages = messages %}\n"
    "{%- endif %}\n"
    "{%- if not tools is defined %}\n"
    "    {%- set tools = none %}\n"
    "{%- endif %}\n"
    "{%- set user_messages = loop_messages | selectattr(\"role\", \"equalto\", \"user\") | list %}\n"
    "\n"
    "{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}\n"
    "{%- set ns = namespace() %}\n"
    "{%- set ns.index = 0 %}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if not (message.role == \"tool\" or message.role == \"tool_results\" or (message.tool_calls i"
    "s defined and message.tool_calls is not none)) %}\n"
    "        {%- if (message[\"role\"] == \"user\") != (ns.index % 2 == 0) %}\n"
    "            {{- raise_exception(\"After the optional system message, conversation roles must alternat"
    "e user/assistant/user/assistant/...\") }}\n"
    "        {%- endif %}\n"
    "        {%- set ns.index = ns.index + 1 %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "\n"
    "{{- bos_token }}\n"
    "{%- for message in loop_messages %}\n"
    "    {%- if message[\"role\"] == \"user\" %}\n"
    "        {%- if tools is not none and (message == user_messages[-1]) %}\n"
    "            {{- \"[AVAILABLE_TOOLS] [\" }}\n"
    "            {%- for tool in tools %}\n"
    "                {%- set tool = tool.function %}\n"
    "                {{- '{\"type\": \"function\", \"function\": {' }}\n"
    "                {%- for key, val in tool.items() if key != \"return\" %}\n"
    "                    {%- if val is string %}\n"
    "                        {{- '\"' + key + '\": \"' + val + '\"' }}\n"
    "                    {%- else %}\n"
    "                        {{- '\"' + key + '\": ' + val|tojson }}\n"
    "                    {%- endif %}\n"
    "                    {%- if not loop.last %}\n"
    "                        {{- \", \" }}\n"
    "                    {%- endif %}\n"
    "                {%- endfor %}\n"
    "                {{- \"}}\" }}\n"
    "                {%- if not loop.last %}\n"
    "                    {{- \", \" }}\n"
    "                {%- else %}\n"
    "                    {{- \"]\" }}\n"
    "                {%- endif %}\n"
    "            {%- endfor %}\n"
    "            {{- \"[/AVAILABLE_TOOLS]\" }}\n"
    "            {%- endif %}\n"
    "        {%- if loop.last and system_message is defined %}\n"
    "            {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n"
    "        {%- else %}\n"
    "            {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}\n"
    "        {%- endif %}\n"
    "    {%- elif message.tool_calls is defined and message.tool_calls is not none %}\n"
    "        {{- \"[TOOL_CALLS] [\" }}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- set out = tool_call.function|tojson %}\n"
    "            {{- out[:-1] }}\n"
    "            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}\n"
    "                {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") "
    "}}\n"
    "            {%- endif %}\n"
    "            {{- ', \"id\": \"' + tool_call.id + '\"}' }}\n"
    "            {%- if not loop.last %}\n"
    "                {{- \", \" }}\n"
    "            {%- else %}\n"
    "                {{- \"]\" + eos_token }}\n"
    "            {%- endif %}\n"
    "        {%- endfor %}\n"
    "    {%- elif message[\"role\"] == \"assistant\" %}\n"
    "        {{- \" \" + message[\"content\"]|trim + eos_token}}\n"
    "    {%- elif message[\"role\"] == \"tool_results\" or message[\"role\"] == \"tool\" %}\n"
    "        {%- if message.content is defined and message.content.content is defined %}\n"
    "            {%- set content = message.content.content %}\n"
    "        {%- else %}\n"
    "            {%- set content = message.content %}\n"
    "        {%- endif %}\n"
    "        {{- '[TOOL_RESULTS] {\"content\": ' + content|string + \", \" }}\n"
    "        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}\n"
    "            {{- raise_exception(\"Tool call IDs should be alphanumeric strings with length 9!\") }}\n"
    "        {%- endif %}\n"
    "        {{- '\"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}\n"
    "    {%- else %}\n"
    "        {{- raise_exception(\"Only user and assistant roles are supported, with the exception of an i"
    "nitial optional system message!\") }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n";

const ConversationCase kMistralV3StyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "04.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: After the optional system message, conversation roles must alternate user/a
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json", kMustFail},  // TemplateError: After the optional system message, conversation roles must alternate user/a
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: Tool call IDs should be alphanumeric strings with length 9!
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json", kMustFail},  // TemplateError: Tool call IDs should be alphanumeric strings with length 9!
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: After the optional system message, conversation roles must alternate user/a
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json", kMustFail},  // TemplateError: After the optional system message, conversation roles must alternate user/a
};

constexpr const char* kMacroHeavy =
    "{%- macro render_content(content) -%}\n"
    "    {%- if content is string -%}\n"
    "        {{- content | trim -}}\n"
    "    {%- elif content is iterable -%}\n"
    "        {%- for part in content -%}\n"
    "            {%- if part.type == 'text' -%}\n"
    "                {{- part.text -}}\n"
    "            {%- elif part.type == 'image' -%}\n"
    "                {{- '<image>' -}}\n"
    "            {%- endif -%}\n"
    "            {%- if not loop.last %} {% endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- endif -%}\n"
    "{%- endmacro -%}\n"
    "{%- macro render_tool(t, indent=2) -%}\n"
    "## {{ t.function.name }}\n"
    "{{ t.function.description | default('(no description)') }}\n"
    "Parameters: {{ t.function.parameters | tojson(indent=indent) }}\n"
    "{%- endmacro -%}\n"
    "{%- set ns = namespace(sys='', last_user=-1, tool_names=[]) -%}\n"
    "{%- for m in messages -%}\n"
    "    {%- if m.role == 'system' -%}{%- set ns.sys = ns.sys ~ render_content(m.content) -%}{%- endif -%}"
    "\n"
    "    {%- if m.role == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}\n"
    "{%- endfor -%}\n"
    "{%- if tools -%}\n"
    "{%- for t in tools -%}{%- set ns.tool_names = ns.tool_names + [t.function.name] -%}{%- endfor -%}\n"
    "<tools count=\"{{ tools | length }}\" names=\"{{ ns.tool_names | join(',') }}\">\n"
    "{% for t in tools %}\n"
    "{{ render_tool(t) }}\n"
    "{% endfor %}\n"
    "</tools>\n"
    "{% endif -%}\n"
    "{%- if ns.sys %}[SYS]{{ ns.sys }}[/SYS]\n"
    "{% endif -%}\n"
    "{%- for m in messages if m.role != 'system' -%}\n"
    "    {%- if m.role == 'user' -%}\n"
    "<user{% if loop.index0 == ns.last_user %} last{% endif %}>{{ render_content(m.content) }}</user>\n"
    "    {%- elif m.role == 'assistant' -%}\n"
    "        {%- if m.tool_calls is defined and m.tool_calls -%}\n"
    "            {%- for tc in m.tool_calls -%}\n"
    "<call id=\"{{ tc.id | default('none') }}\">{{ {'name': tc.function.name, 'arguments': tc.function.arg"
    "uments} | tojson }}</call>\n"
    "            {%- endfor -%}\n"
    "        {%- else -%}\n"
    "<assistant>{% generation %}{{ render_content(m.content) }}{% endgeneration %}</assistant>\n"
    "        {%- endif -%}\n"
    "    {%- elif m.role == 'tool' -%}\n"
    "<result>{{ m.content if m.content is string else m.content | tojson }}</result>\n"
    "    {%- else -%}\n"
    "        {{- raise_exception('unknown role ' ~ m.role) -}}\n"
    "    {%- endif %}\n"
    "{% endfor -%}\n"
    "{%- if add_generation_prompt %}<assistant>{% endif -%}\n"
    "{{- '\\n' ~ strftime_now('%Y') | length if false -}}\n";

const ConversationCase kMacroHeavyCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "  You are helpful.  "}, {"role": "user", "content": "What's the weather in Paris?"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "04.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "{\"temp\": 21}"}, {"role": "assistant", "content": "It is 21\u00b0C."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "07.txt"},
    {R"json({"messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image"}, {"type": "text", "text": "this"}]}, {"role": "assistant", "content": "Nice"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "08.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "09.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "10.txt"},
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "11.txt"},
    {R"json({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "function": {"name": "sum", "arguments": {"a": 1, "b": 2.5}}}]}, {"role": "tool", "tool_call_id": "short", "content": {"result": 3.5}}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json",
     "12.txt"},
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: unknown role robot
    {R"json({"messages": [{"role": "robot", "content": "?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather \u201cnow\u201d", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}, {"type": "function", "function": {"name": "sum", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}, "return": {"type": "number"}}}]})json", kMustFail},  // TemplateError: unknown role robot
};

constexpr const char* kHermesStyle =
    "{%- macro json_to_python_type(json_spec) %}\n"
    "{%- set basic_type_map = {\n"
    "    \"string\": \"str\",\n"
    "    \"number\": \"float\",\n"
    "    \"integer\": \"int\",\n"
    "    \"boolean\": \"bool\",\n"
    "    \"null\": \"None\"\n"
    "} %}\n"
    "\n"
    "{%- if basic_type_map[json_spec.type] is defined %}\n"
    "    {{- basic_type_map[json_spec.type] }}\n"
    "{%- elif json_spec.type == \"array\" %}\n"
    "    {{- \"list[\" +  json_to_python_type(json_spec[\"items\"]) + \"]\" }}\n"
    "{%- elif json_spec.type == \"object\" %}\n"
    "    {%- if json_spec.additionalProperties is defined %}\n"
    "        {{- \"dict[str, \" + json_to_python_type(json_spec.additionalProperties) + ']' }}\n"
    "    {%- else %}\n"
    "        {{- \"dict\" }}\n"
    "    {%- endif %}\n"
    "{%- elif json_spec.type is iterable %}\n"
    "    {{- \"Union[\" }}\n"
    "    {%- for t in json_spec.type %}\n"
    "      {{- json_to_python_type({\"type\": t}) }}\n"
    "      {%- if not loop.last %}\n"
    "        {{- \",\" }}\n"
    "    {%- endif %}\n"
    "    {%- endfor %}\n"
    "    {{- \"]\" }}\n"
    "{%- else %}\n"
    "    {{- \"Any\" }}\n"
    "{%- endif %}\n"
    "{%- endmacro %}\n"
    "\n"
    "\n"
    "{{- bos_token }}\n"
    "{{- '<|im_start|>system\n"
    "' }}\n"
    "{{- \"You are a function calling AI model. You are provided with function signatures within <tools></"
    "tools> XML tags. Here are the available tools: <tools> \" }}\n"
    "{%- for tool in tools or [] %}\n"
    "    {%- if tool.function is defined %}\n"
    "        {%- set tool = tool.function %}\n"
    "    {%- endif %}\n"
    "    {{- '{\"type\": \"function\", \"function\": ' }}\n"
    "    {{- '{\"name\": \"' + tool.name + '\", ' }}\n"
    "    {{- '\"description\": \"' + tool.name + '(' }}\n"
    "    {%- for param_name, param_fields in tool.parameters.properties|items %}\n"
    "        {{- param_name + \": \" + json_to_python_type(param_fields) }}\n"
    "        {%- if not loop.last %}\n"
    "            {{- \", \" }}\n"
    "        {%- endif %}\n"
    "    {%- endfor %}\n"
    "    {{- \")\" }}\n"
    "    {%- if tool.return is defined %}\n"
    "        {{- \" -> \" + json_to_python_type(tool.return) }}\n"
    "    {%- endif %}\n"
    "    {{- \" - \" + tool.description + \"\\n\\n\" }}\n"
    "    {%- for param_name, param_fields in tool.parameters.properties|items %}\n"
    "        {%- if loop.first %}\n"
    "            {{- \"    Args:\\n\" }}\n"
    "        {%- endif %}\n"
    "        {{- \"        \" + param_name + \"(\" + json_to_python_type(param_fields) + \"): \" + param_f"
    "ields.description|trim }}\n"
    "    {%- endfor %}\n"
    "    {%- if tool.return is defined and tool.return.description is defined %}\n"
    "        {{- \"\\n    Returns:\\n        \" + tool.return.description }}\n"
    "    {%- endif %}\n"
    "    {{- '\"' }}\n"
    "    {{- ', \"parameters\": ' }}\n"
    "    {%- if tool.parameters.properties | length == 0 %}\n"
    "        {{- \"{}\" }}\n"
    "    {%- else %}\n"
    "        {{- tool.parameters|tojson }}\n"
    "    {%- endif %}\n"
    "    {{- \"}\" }}\n"
    "    {%- if not loop.last %}\n"
    "        {{- \"\\n\" }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{{- \" </tools>\" }}\n"
    "{{- '<|im_end|>\\n' }}\n"
    "{%- for message in messages %}\n"
    "    {%- if message.role == \"user\" or message.role == \"system\" or (message.role == \"assistant\" a"
    "nd message.tool_calls is not defined) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>' + message.role }}\n"
    "    {%- for tool_call in message.tool_calls %}\n"
    "       {{- '\\n<tool_call>\\n' }}           {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    "            {{- '{' }}\n"
    "            {{- '\"name\": \"' }}\n"
    "            {{- tool_call.name }}\n"
    "            {{- '\"' }}\n"
    "            {{- ', '}}\n"
    "            {%- if tool_call.arguments is defined %}\n"
    "                {{- '\"arguments\": ' }}\n"
    "                {%- if tool_call.arguments is string %}\n"
    "                    {{- tool_call.arguments }}\n"
    "                {%- else %}\n"
    "                    {{- tool_call.arguments|tojson }}\n"
    "                {%- endif %}\n"
    "            {%- endif %}\n"
    "             {{- '}' }}\n"
    "            {{- '\\n</tool_call>' }}\n"
    "    {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if loop.previtem and loop.previtem.role != \"tool\" %}\n"
    "            {{- '<|im_start|>tool\\n' }}\n"
    "        {%- endif %}\n"
    "        {{- '<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {%- if not loop.last %}\n"
    "            {{- '\\n</tool_response>\\n' }}\n"
    "        {%- else %}\n"
    "            {{- '\\n</tool_response>' }}\n"
    "        {%- endif %}\n"
    "        {%- if not loop.last and loop.nextitem.role != \"tool\" %}\n"
    "            {{- '<|im_end|>' }}\n"
    "        {%- elif loop.last %}\n"
    "            {{- '<|im_end|>' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n";

const ConversationCase kHermesStyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null, "enable_thinking": false})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}], "enable_thinking": false})json",
     "04.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "09.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "10.txt"},
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "11.txt"},
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "12.txt"},
};

constexpr const char* kQwen3Style =
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0].role == 'system' %}\n"
    "        {{- messages[0].content + '\\n\\n' }}\n"
    "    {%- endif %}\n"
    "    {{- \"# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are"
    " provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n"
    "        {{- \"\\n\" }}\n"
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and argume"
    "nts within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"argu"
    "ments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n"
    "    {%- if messages[0].role == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n"
    "{%- for message in messages[::-1] %}\n"
    "    {%- set index = (messages|length - 1) - loop.index0 %}\n"
    "    {%- if ns.multi_step_tool and message.role == \"user\" and message.content is string and not(mess"
    "age.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}\n"
    "        {%- set ns.multi_step_tool = false %}\n"
    "        {%- set ns.last_query_index = index %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- for message in messages %}\n"
    "    {%- if message.content is string %}\n"
    "        {%- set content = message.content %}\n"
    "    {%- else %}\n"
    "        {%- set content = '' %}\n"
    "    {%- endif %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {%- set reasoning_content = '' %}\n"
    "        {%- if message.reasoning_content is string %}\n"
    "            {%- set reasoning_content = message.reasoning_content %}\n"
    "        {%- else %}\n"
    "            {%- if '</think>' in content %}\n"
    "                {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>"
    "')[-1].lstrip('\\n') %}\n"
    "                {%- set content = content.split('</think>')[-1].lstrip('\\n') %}\n"
    "            {%- endif %}\n"
    "        {%- endif %}\n"
    "        {%- if loop.index0 > ns.last_query_index %}\n"
    "            {%- if loop.last or (not loop.last and reasoning_content) %}\n"
    "                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') "
    "+ '\\n</think>\\n\\n' + content.lstrip('\\n') }}\n"
    "            {%- else %}\n"
    "                {{- '<|im_start|>' + message.role + '\\n' + content }}\n"
    "            {%- endif %}\n"
    "        {%- else %}\n"
    "            {{- '<|im_start|>' + message.role + '\\n' + content }}\n"
    "        {%- endif %}\n"
    "        {%- if message.tool_calls %}\n"
    "            {%- for tool_call in message.tool_calls %}\n"
    "                {%- if (loop.first and content) or (not loop.first) %}\n"
    "                    {{- '\\n' }}\n"
    "                {%- endif %}\n"
    "                {%- if tool_call.function %}\n"
    "                    {%- set tool_call = tool_call.function %}\n"
    "                {%- endif %}\n"
    "                {{- '<tool_call>\\n{\"name\": \"' }}\n"
    "                {{- tool_call.name }}\n"
    "                {{- '\", \"arguments\": ' }}\n"
    "                {%- if tool_call.arguments is string %}\n"
    "                    {{- tool_call.arguments }}\n"
    "                {%- else %}\n"
    "                    {{- tool_call.arguments | tojson }}\n"
    "                {%- endif %}\n"
    "                {{- '}\\n</tool_call>' }}\n"
    "            {%- endfor %}\n"
    "        {%- endif %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if loop.first or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "    {%- if enable_thinking is defined and enable_thinking is false %}\n"
    "        {{- '<think>\\n\\n</think>\\n\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n";

const ConversationCase kQwen3StyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null, "enable_thinking": false})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}], "enable_thinking": false})json",
     "04.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json", kMustFail},  // TypeError: can only concatenate list (not "str") to list
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "09.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "10.txt"},
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "11.txt"},
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "12.txt"},
};

constexpr const char* kGemma3Style =
    "{{ bos_token }}\n"
    "{%- if messages[0]['role'] == 'system' -%}\n"
    "    {%- if messages[0]['content'] is string -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}\n"
    "    {%- else -%}\n"
    "        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}\n"
    "    {%- endif -%}\n"
    "    {%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    "    {%- set first_user_prefix = \"\" -%}\n"
    "    {%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}\n"
    "        {{ raise_exception(\"Conversation roles must alternate user/assistant/user/assistant/...\") }"
    "}\n"
    "    {%- endif -%}\n"
    "    {%- if (message['role'] == 'assistant') -%}\n"
    "        {%- set role = \"model\" -%}\n"
    "    {%- else -%}\n"
    "        {%- set role = message['role'] -%}\n"
    "    {%- endif -%}\n"
    "    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}\n"
    "    {%- if message['content'] is string -%}\n"
    "        {{ message['content'] | trim }}\n"
    "    {%- elif message['content'] is iterable -%}\n"
    "        {%- for item in message['content'] -%}\n"
    "            {%- if item['type'] == 'image' -%}\n"
    "                {{ '<start_of_image>' }}\n"
    "            {%- elif item['type'] == 'text' -%}\n"
    "                {{ item['text'] | trim }}\n"
    "            {%- endif -%}\n"
    "        {%- endfor -%}\n"
    "    {%- else -%}\n"
    "        {{ raise_exception(\"Invalid content type\") }}\n"
    "    {%- endif -%}\n"
    "    {{ '<end_of_turn>\\n' }}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "    {{'<start_of_turn>model\\n'}}\n"
    "{%- endif -%}\n";

const ConversationCase kGemma3StyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null, "enable_thinking": false})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}], "enable_thinking": false})json",
     "04.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: Invalid content type
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json", kMustFail},  // TemplateError: Invalid content type
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "07.txt"},
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "08.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: Conversation roles must alternate user/assistant/user/assistant/...
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json", kMustFail},  // TemplateError: Conversation roles must alternate user/assistant/user/assistant/...
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TemplateError: Conversation roles must alternate user/assistant/user/assistant/...
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json", kMustFail},  // TemplateError: Conversation roles must alternate user/assistant/user/assistant/...
};

constexpr const char* kDeepSeekR1Style =
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set"
    " ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=tr"
    "ue) %}{%- for message in messages %}{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}{% s"
    "et ns.system_prompt = ns.system_prompt + message['content'] %}{% set ns.is_first_sp = false %}{%- els"
    "e %}{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}{%- endif %}{%- endi"
    "f %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['r"
    "ole'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if"
    " message['role'] == 'assistant' and 'tool_calls' in message %}{%- set ns.is_tool = false -%}{%- for t"
    "ool in message['tool_calls'] %}{%- if not ns.is_first %}{%- if message['content'] is none %}{{'<｜Assi"
    "stant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['n"
    "ame'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] | tojson + '\\n' + '```' + '<｜tool▁"
    "call▁end｜>'}}{%- else %}{{'<｜Assistant｜>' + message['content'] + '<｜tool▁calls▁begin｜><｜tool▁call▁beg"
    "in｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['"
    "function']['arguments'] | tojson + '\\n' + '```' + '<｜tool▁call▁end｜>'}}{%- endif %}{%- set ns.is_fir"
    "st = true -%}{%- else %}{{'\\n' + '<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['funct"
    "ion']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] | tojson + '\\n' + '```' + "
    "'<｜tool▁call▁end｜>'}}{%- endif %}{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}{%- endif %}"
    "{%- if message['role'] == 'assistant' and 'tool_calls' not in message %}{%- if ns.is_tool %}{{'<｜tool"
    "▁outputs▁end｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}{%- else "
    "%}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split("
    "'</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- end"
    "if %}{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{'<"
    "｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns."
    "is_output_first = false %}{%- else %}{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁"
    "end｜>'}}{%- endif %}{%- endif %}{%- endfor -%}{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %"
    "}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}\n";

const ConversationCase kDeepSeekR1StyleCases[] = {
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "01.txt"},
    {R"json({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "02.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null, "enable_thinking": false})json",
     "03.txt"},
    {R"json({"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nSure."}, {"role": "user", "content": "Again"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}], "enable_thinking": false})json",
     "04.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "05.txt"},
    {R"json({"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "content": "sunny"}, {"role": "tool", "content": "warm"}, {"role": "assistant", "content": "It is sunny."}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "06.txt"},
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys"}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": " Describe "}]}, {"role": "assistant", "content": "A cat."}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json", kMustFail},  // TypeError: can only concatenate str (not "list") to str
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "09.txt"},
    {R"json({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "noop", "arguments": {"x": [1, 2]}}}]}, {"role": "tool", "content": "<tool_response>ok</tool_response>"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "10.txt"},
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": null})json",
     "11.txt"},
    {R"json({"messages": [{"role": "assistant", "content": "first"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "</s>", "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": " City name "}, "days": {"type": "integer", "description": "Days"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags"}, "opts": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Options"}, "mode": {"type": ["string", "null"], "description": "Mode"}}, "required": ["city"]}, "return": {"type": "string", "description": "Forecast"}}}, {"type": "function", "function": {"name": "noop", "description": "Nothing", "parameters": {"type": "object", "properties": {}}}}]})json",
     "12.txt"},
};

TEST(TemplateModels, Llama31StyleToolTemplate) { check_conversations(kLlama31Style, "llama31_style", kLlama31StyleCases, 15); }
TEST(TemplateModels, Qwen25StyleToolTemplate) { check_conversations(kQwen25Style, "qwen25_style", kQwen25StyleCases, 14); }
TEST(TemplateModels, MistralV3StyleToolTemplate) { check_conversations(kMistralV3Style, "mistral_v3_style", kMistralV3StyleCases, 14); }
TEST(TemplateModels, MacroNamespaceAndLoopControls) { check_conversations(kMacroHeavy, "macro_heavy", kMacroHeavyCases, 14); }
TEST(TemplateModels, HermesStyleRecursiveMacroTemplate) { check_conversations(kHermesStyle, "hermes_style", kHermesStyleCases, 12); }
TEST(TemplateModels, Qwen3StyleThinkingTemplate) { check_conversations(kQwen3Style, "qwen3_style", kQwen3StyleCases, 12); }
TEST(TemplateModels, Gemma3StyleMultimodalTemplate) { check_conversations(kGemma3Style, "gemma3_style", kGemma3StyleCases, 12); }
TEST(TemplateModels, DeepSeekR1StyleTemplate) { check_conversations(kDeepSeekR1Style, "deepseek_r1_style", kDeepSeekR1StyleCases, 12); }

}  // namespace
}  // namespace pg::jinja
